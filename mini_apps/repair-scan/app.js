/* 广电报修 scan page: plain ES2017 for older phones; no framework, no build step, no ?. or ??. */
'use strict';
const $ = (id) => document.getElementById(id);
const txt = (id, s) => { $(id).textContent = s; };
const on = (id, ev, fn) => $(id).addEventListener(ev, fn);
const add = (parent, tag, s) => { const e = parent.appendChild(document.createElement(tag)); e.textContent = s || ''; return e; };
const store = (k, v) => { try { v == null ? sessionStorage.removeItem(k) : sessionStorage.setItem(k, v); } catch (e) { /* private mode */ } };
const load = (k) => { try { return sessionStorage.getItem(k); } catch (e) { return null; } };

// The scanned text: the public base the server wrote into the page + /r/<county> + the printed query.
const meta = document.querySelector('meta[name="bst-public-url"]').content;
const m = /^(.*)\/r\/(\d{6})\/?$/.exec(location.pathname);
const BASE = m ? m[1] : '';
const COUNTY = m ? m[2] : '';
const PUBLIC = meta.indexOf('{{') < 0 ? meta.replace(/\/+$/, '') : location.origin + BASE;
const CODE = PUBLIC + '/r/' + COUNTY + location.search;
const AUTH = 'bst.auth', TICKET = 'bst.repair.ticket.' + COUNTY;

const STATUS = { pending_dispatch: '等待派单', dispatched: '已派单', accepted: '维修人员已接单', resolved: '已修复', closed: '已办结', cancelled: '已撤销' };
const ACTIONS = {
  reported: '您已报修', queued: '暂无可接单网点，已进入县级派单队列', dispatched: '已派单给维修网点', accepted: '维修人员已接单',
  rejected: '网点无法接单，已改派', accept_timeout: '网点超时未接单，已改派', resolved: '维修人员已修复', follow_up: '服务点回访',
  reopened: '回访未修复，已重新派修', closed: '已办结', rated: '您已评价', cancelled: '已撤销', overdue: '超过24小时未修复，已督办'
};
const LEVELS = ['', '非常不满意', '不满意', '基本满意', '满意', '非常满意'];
const CATEGORIES = [
  ['satellite', '户户通/卫星电视', '屋外装有“锅盖”天线'], ['dtmb', '地面数字电视', '用室外或室内天线收看'],
  ['emergency_broadcast', '应急广播（大喇叭）', '村里的广播喇叭不响'], ['transmitter', '发射台/转播台', '山上的发射塔、转播台'],
  ['cable', '有线电视', '广电网络的机顶盒'], ['iptv', 'IPTV（电信/联通/移动电视）'], ['ott', '网络电视盒子']
];
const CODES = {
  qr_signature: '这个二维码暂时无法识别。',
  invalid_qr: '这个二维码无法识别。',
  gone: '这个二维码已经停用，请扫描县里新张贴的二维码。',
  invalid_code: '验证码不对或已过期，请重新获取。',
  unsupported_media: '只能上传照片（JPG、PNG、WebP）。',
  idempotency_conflict: '刚才的报修已经提交成功，请不要重复提交。',
  network: '网络不通，请检查手机信号后再试。'
};

// -- the API

const fail = (status, body, retryAfter) => ({ status, code: body.code || '', detail: body.detail || '',
  errors: body.errors || [], retryAfter: parseInt(retryAfter, 10) || 0 });
const say = (e) => CODES[e.code] || (e.status === 429 ? '操作太频繁，请' + (e.retryAfter || 60) + '秒后再试。'
  : e.status >= 500 ? '系统繁忙，请稍后再试。' : e.detail || '出错了，请稍后再试。');

let auth = null;
try { auth = JSON.parse(load(AUTH) || 'null'); } catch (e) { auth = null; }
const saveAuth = (t, phone) => {
  auth = t ? { access: t.access_token, refresh: t.refresh_token, until: Date.now() + (t.expires_in - 30) * 1000,
    phone: phone || (auth && auth.phone) || '' } : null;
  store(AUTH, auth && JSON.stringify(auth));
};
let refreshing = null; // one refresh at a time: a refresh token used twice ends the whole session
const refresh = () => (!auth ? Promise.resolve(false) : refreshing || (refreshing = (async () => {
  try {
    saveAuth(await api('POST', '/api/v1/auth/token', { body: { grant_type: 'refresh_token', refresh_token: auth.refresh } }));
    return true;
  } catch (e) {
    if (e.status) saveAuth(null); // refused: sign in again; offline: keep the tokens
    return false;
  } finally {
    refreshing = null;
  }
})()));
async function api(method, path, o) {
  o = o || {};
  const headers = Object.assign({ Accept: 'application/json' }, o.headers);
  let body = o.body;
  if (body && !(body instanceof FormData)) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(body); }
  if (o.auth && auth && Date.now() > auth.until) await refresh();
  if (o.auth && auth) headers.Authorization = 'Bearer ' + auth.access;
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw fail(0, { code: 'network', detail: String(e) });
  }
  if (res.status === 401 && o.auth && auth && !o.again && (await refresh())) return api(method, path, Object.assign({}, o, { again: true }));
  let data = {};
  try { data = JSON.parse((await res.text()) || '{}'); } catch (e) { /* not JSON */ }
  if (res.ok) return data;
  if (res.status === 401 && o.auth) saveAuth(null);
  throw fail(res.status, data, res.headers.get('Retry-After'));
}

// -- helpers

const choices = (box, name, list) => list.forEach((c) => {
  const label = $(box).insertBefore(document.createElement('label'), $(box).querySelector('.err'));
  label.className = 'choice';
  label.innerHTML = '<input type="radio" name="' + name + '" value="' + c[0] + '">';
  const span = add(label, 'span', c[1]);
  if (c[2]) add(span, 'small', c[2]);
});
choices('f-category', 'category', CATEGORIES);
choices('f-level', 'level', [5, 4, 3, 2, 1].map((n) => [n, LEVELS[n]]));

const show = (view, focus) => {
  document.querySelectorAll('main > section').forEach((el) => { el.hidden = el.id !== view; });
  notice('');
  const head = $(view).querySelector('h2');
  if (focus !== false && head) { head.focus(); scrollTo(0, 0); }
};
const notice = (s) => { txt('notice', s); $('notice').hidden = !s; };
const fieldError = (name, s) => {
  const el = $('err-' + name);
  if (!el) return false;
  el.textContent = s || '';
  const input = $(name) || $('f-' + name);
  if (input) input.setAttribute('aria-invalid', s ? 'true' : 'false');
  return true;
};
document.addEventListener('input', (e) => fieldError(e.target.name === 'category' ? 'category' : e.target.id, ''));
const clearErrors = (form) => form.querySelectorAll('.err').forEach((el) => fieldError(el.id.slice(4), ''));
const normPhone = (s) => s.replace(/[\s-]/g, '').replace(/^(\+86|0086)/, '');
const isMobile = (s) => /^1[3-9]\d{9}$/.test(s);
const masked = (p) => (p.length === 11 ? p.slice(0, 3) + '****' + p.slice(7) : p);
const when = (iso) => {
  const p = /^\d{4}-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(iso || '');
  return p ? +p[1] + '月' + +p[2] + '日 ' + p[3] : '';
};
const uuid = () => '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
  (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
const zh = (s) => (/mobile number/.test(s) ? '请填写正确的11位手机号码' : s);

// -- 1. the scanned code

const start = async () => {
  let place;
  try {
    if (!COUNTY) throw fail(422, { code: 'invalid_qr', detail: location.href });
    place = await api('GET', '/api/v1/repair/qr?qr=' + encodeURIComponent(CODE));
  } catch (e) {
    txt('place', '二维码无效');
    txt('qr-error', CODES[e.code] || '二维码无法识别。');
    txt('qr-detail', e.detail || 'HTTP ' + e.status);
    return show('v-error');
  }
  document.title = place.county_name + ' 广电报修';
  txt('title', document.title);
  txt('place', place.point_name ? '服务点：' + place.point_name : '直播卫星、地面数字电视、应急广播等故障报修');
  const kept = load(TICKET);
  if (kept && auth) return loadTicket(kept, true);
  next();
};
const next = () => {
  if (!auth) return show('v-login');
  txt('who', masked(auth.phone));
  if (!$('contact_phone').value) $('contact_phone').value = auth.phone;
  show('v-form');
};

// -- 2. sign-in

let timer = 0;
const countdown = (left) => {
  const btn = $('send-code');
  clearInterval(timer);
  btn.disabled = true;
  const tick = () => {
    if (left > 0) return txt('send-code', '重新获取(' + left-- + '秒)');
    clearInterval(timer); btn.disabled = false; txt('send-code', '重新获取');
  };
  tick();
  timer = setInterval(tick, 1000);
};
on('send-code', 'click', async () => {
  clearErrors($('login-form'));
  const phone = normPhone($('login-phone').value);
  if (!isMobile(phone)) return fieldError('login-phone', '请填写11位手机号码');
  $('send-code').disabled = true;
  txt('code-info', '正在发送…');
  try {
    const sent = await api('POST', '/api/v1/auth/sms-code', { body: { phone } });
    txt('code-info', '验证码已发到 ' + masked(phone) + '，' + Math.round(sent.expires_in / 60) + '分钟内有效。');
    countdown(sent.resend_after || 60);
    $('login-code').focus();
  } catch (e) {
    txt('code-info', '');
    if (e.status === 429) {
      fieldError('login-code', '获取太频繁，请' + (e.retryAfter || 60) + '秒后再试。');
      return countdown(e.retryAfter || 60);
    }
    $('send-code').disabled = false;
    fieldError('login-phone', e.status === 422 ? '请填写正确的11位手机号码' : say(e));
  }
});
on('login-form', 'submit', async (ev) => {
  ev.preventDefault();
  clearErrors(ev.target);
  const phone = normPhone($('login-phone').value);
  const code = $('login-code').value.replace(/\s/g, '');
  if (!isMobile(phone)) return fieldError('login-phone', '请填写11位手机号码');
  if (!/^\d{6}$/.test(code)) return fieldError('login-code', '请填写短信里的6位验证码');
  const btn = $('login-btn');
  btn.disabled = true;
  try {
    saveAuth(await api('POST', '/api/v1/auth/token', { body: { grant_type: 'sms', phone, code } }), phone);
    next();
  } catch (e) {
    fieldError('login-code', say(e));
  }
  btn.disabled = false;
});
on('logout', 'click', () => {
  if (auth) api('POST', '/api/v1/auth/logout', { auth: true, body: { refresh_token: auth.refresh } }).catch(() => {});
  saveAuth(null);
  $('contact_phone').value = '';
  show('v-login');
});

// -- 3. the report

let formKey = uuid(); // one Idempotency-Key per report: a retry on a bad network files one ticket
let position = null, photo = null, sending = false;

on('locate', 'click', () => {
  fieldError('location', '');
  if (!navigator.geolocation) return fieldError('location', '这部手机不能定位。不影响报修，请填写地址。');
  txt('loc-info', '正在定位…');
  navigator.geolocation.getCurrentPosition((p) => {
    const c = p.coords;
    position = { lat: +c.latitude.toFixed(6), lng: +c.longitude.toFixed(6) };
    txt('loc-info', '已获取位置：北纬 ' + c.latitude.toFixed(4) + '，东经 ' + c.longitude.toFixed(4) +
      (c.accuracy ? '（误差约' + Math.round(c.accuracy) + '米）' : ''));
  }, (err) => {
    position = null;
    txt('loc-info', '');
    fieldError('location', ['暂时无法定位。', '没有允许使用位置。', '暂时无法定位。', '定位超时。'][err.code] + '不影响报修，请填写地址。');
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
});

// Phone photos are large and village networks slow: at most 1600 px, as JPEG.
const shrink = (file) => new Promise((resolve) => {
  if (file.size < 600000 && /^image\/(jpeg|png|webp)$/.test(file.type)) return resolve(file);
  const img = new Image();
  const url = URL.createObjectURL(file);
  img.onload = () => {
    const k = Math.min(1, 1600 / Math.max(img.naturalWidth, img.naturalHeight));
    const c = document.createElement('canvas');
    c.width = Math.round(img.naturalWidth * k); c.height = Math.round(img.naturalHeight * k);
    c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
    URL.revokeObjectURL(url);
    c.toBlob((b) => resolve(b && b.size < file.size ? b : file), 'image/jpeg', 0.82);
  };
  img.onerror = () => { URL.revokeObjectURL(url); resolve(file); };
  img.src = url;
});
const drawPhoto = () => {
  $('thumb').hidden = !photo;
  txt('photo-btn', photo ? '重拍或换一张' : '拍照或选择照片');
  if (!photo) return;
  $('thumb-img').src = photo.url;
  txt('thumb-state', photo.id ? '照片已上传' : photo.failed ? '上传失败' : '正在上传…');
};
const dropPhoto = () => { if (photo) URL.revokeObjectURL(photo.url); photo = null; drawPhoto(); };
on('photo', 'change', (ev) => {
  const file = ev.target.files[0];
  ev.target.value = '';
  fieldError('evidence', '');
  if (!file) return;
  dropPhoto();
  const p = photo = { url: URL.createObjectURL(file), id: '', failed: false };
  drawPhoto();
  p.done = shrink(file).then((blob) => {
    const form = new FormData();
    form.append('file', blob, blob.name || 'photo.jpg');
    return api('POST', '/api/v1/repair/uploads', { auth: true, body: form });
  }).then((ev) => { p.id = ev.evidence_id; }, (e) => {
    p.failed = true;
    if (p === photo) fieldError('evidence', '照片没传上去：' + say(e) + '可以重拍，或不带照片提交。');
  }).then(() => { if (p === photo) drawPhoto(); });
});
on('thumb-rm', 'click', dropPhoto);

on('ticket-form', 'submit', async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  if (sending) return;
  clearErrors(form);
  const picked = form.querySelector('input[name=category]:checked');
  const value = (id) => $(id).value.trim();
  const body = { qr: CODE, category: picked ? picked.value : '', description: value('description'),
    contact_name: value('contact_name'), contact_phone: normPhone($('contact_phone').value) };
  const missing = { category: '请选择哪种电视或广播坏了', description: '请简单说说是什么故障',
    contact_name: '请填写联系人姓名', contact_phone: '请填写联系电话' };
  if (Object.keys(missing).filter((k) => !body[k] && fieldError(k, missing[k])).length) return focusError(form);
  if (value('address')) body.address = value('address');
  if (position) Object.assign(body, position);
  const btn = $('submit');
  sending = btn.disabled = true;
  txt('submit', '正在提交…');
  try {
    if (photo) await photo.done;
    body.evidence = photo && photo.id ? [photo.id] : [];
    const t = await api('POST', '/api/v1/repair/tickets', { auth: true, body, headers: { 'Idempotency-Key': formKey } });
    store(TICKET, t.ticket_no);
    formKey = uuid();
    form.reset(); position = null; dropPhoto();
    txt('loc-info', '用于安排离您最近的维修网点。');
    showTicket(t);
  } catch (e) {
    if (e.status === 401) { show('v-login', false); return notice('登录已过期，请重新登录后再提交，填好的内容还在。'); }
    const general = [];
    e.errors.forEach((f) => {
      const name = f.field.split('.')[0].replace(/^(lat|lng)$/, 'location');
      if (!fieldError(name, zh(f.message))) general.push(zh(f.message));
    });
    if (e.status === 0) general.push(CODES.network + '再点“提交报修”不会重复报修。');
    else if (!e.errors.length) general.push(say(e));
    else if (!general.length) general.push('请按红字提示修改后再提交。');
    fieldError('form', general.join('；'));
    focusError(form);
  } finally {
    sending = btn.disabled = false;
    txt('submit', '提交报修');
  }
});
const focusError = (form) => {
  const first = form.querySelector('.err:not(:empty)');
  if (!first) return;
  first.parentNode.scrollIntoView({ block: 'center' });
  const input = first.id !== 'err-form' && first.parentNode.querySelector('input:not([type=file]), textarea');
  if (input) input.focus({ preventScroll: true });
};

// -- 4. the ticket, 5. the rating

let current = null;
const showTicket = (t, focus) => {
  current = t;
  txt('t-no', t.ticket_no);
  txt('t-cat', (CATEGORIES.filter((c) => c[0] === t.category)[0] || [0, t.category])[1]);
  txt('t-status', STATUS[t.status] || t.status);
  const a = t.assignee;
  $('t-assignee').hidden = !a;
  if (a) {
    const km = a.distance_km;
    txt('t-outlet', a.name);
    txt('t-distance', km < 0.1 ? '就在附近（不到100米）' : '距离约 ' + (km < 1 ? Math.round(km * 10) * 100 + ' 米' : km.toFixed(1) + ' 公里'));
    $('t-call').href = 'tel:' + a.phone.replace(/[^0-9+]/g, '');
    txt('t-call', '拨打电话 ' + a.phone);
  }
  txt('t-due', '最晚 ' + when(t.due_at) + ' 前修好' + (a ? '。' : '，正在为您安排维修网点。'));
  const done = ['resolved', 'closed', 'cancelled'].indexOf(t.status) >= 0;
  $('t-overdue').hidden = !t.overdue || done;
  const list = $('timeline');
  list.textContent = '';
  (t.timeline || []).forEach((e) => {
    const li = add(list, 'li');
    add(li, 'time', when(e.at)).dateTime = e.at;
    add(li, 'span', ACTIONS[e.action] || e.action);
    if (e.action === 'resolved' && e.note) add(li, 'span', '维修说明：' + e.note).className = 'note';
  });
  $('rate-form').hidden = !done || t.status === 'cancelled' || !!t.rating;
  $('rated').hidden = !t.rating;
  if (t.rating) txt('rated-level', '您的评价：' + LEVELS[t.rating.level] + (t.rating.comment ? '。' + t.rating.comment : ''));
  if ($('v-ticket').hidden) show('v-ticket', focus);
};
const loadTicket = async (no, quiet) => {
  txt('refresh-info', '正在刷新…');
  try {
    showTicket(await api('GET', '/api/v1/repair/tickets/' + no, { auth: true }));
    txt('refresh-info', '已刷新');
  } catch (e) {
    txt('refresh-info', '');
    if (quiet) { store(TICKET, null); return next(); }
    if (e.status === 401) { show('v-login', false); return notice('登录已过期，请重新登录。'); }
    txt('refresh-info', '刷新失败：' + say(e));
  }
};
on('refresh', 'click', () => current && loadTicket(current.ticket_no));
on('again', 'click', () => {
  store(TICKET, null);
  current = null;
  txt('refresh-info', '');
  next();
});
on('rate-form', 'submit', async (ev) => {
  ev.preventDefault();
  const picked = ev.target.querySelector('input[name=level]:checked');
  txt('err-rate', picked ? '' : '请选择一项评价');
  if (!picked) return;
  $('rate-btn').disabled = true;
  try {
    showTicket(await api('POST', '/api/v1/repair/tickets/' + current.ticket_no + '/rating',
      { auth: true, body: { level: +picked.value, comment: $('comment').value.trim() } }));
    $('thanks').focus();
  } catch (e) {
    if (e.code === 'already_rated') loadTicket(current.ticket_no);
    else txt('err-rate', say(e));
  }
  $('rate-btn').disabled = false;
});

start();
