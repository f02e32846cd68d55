/* 电子证照 wallet page: plain ES2017, no framework, no build step. */
'use strict';
const $ = (id) => document.getElementById(id);
const add = (parent, tag, text, cls) => { const e = parent.appendChild(document.createElement(tag)); e.textContent = text || ''; if (cls) e.className = cls; return e; };
const BASE = location.pathname.replace(/\/m\/license-wallet\/.*$/, '');
const AUTH = 'bst.auth';
const STATUS = { valid: '有效', expired: '已过期', suspended: '已暂停', revoked: '已注销' };
const KINDS = { issued: '签发', status: '状态变更', read: '办事读取', presentation: '亮证', verification: '核验' };
let auth = null;
try { auth = JSON.parse(sessionStorage.getItem(AUTH) || 'null'); } catch (e) { auth = null; }
let types = {}, current = null, timer = null;

async function api(method, path, body, signedIn) {
  const headers = { Accept: 'application/json' };
  if (body) headers['Content-Type'] = 'application/json';
  if (signedIn && auth) headers.Authorization = 'Bearer ' + auth;
  let res;
  try { res = await fetch(BASE + path, { method, headers, body: body && JSON.stringify(body), cache: 'no-store', credentials: 'omit' }); }
  catch (e) { throw { status: 0, detail: '网络不通，请检查手机信号后再试。' }; }
  let data = {};
  try { data = JSON.parse((await res.text()) || '{}'); } catch (e) { /* not JSON */ }
  if (res.ok) return data;
  if (res.status === 401 && signedIn) { auth = null; sessionStorage.removeItem(AUTH); }
  throw { status: res.status, code: data.code, detail: data.detail || '出错了，请稍后再试。' };
}
const notice = (s) => { $('notice').textContent = s || ''; $('notice').hidden = !s; };
const show = (view) => {
  document.querySelectorAll('main > section').forEach((el) => { el.hidden = el.id !== view; });
  notice('');
  const h = $(view).querySelector('h2'); if (h) h.focus();
};
const when = (iso) => (iso || '').replace('T', ' ').slice(0, 16);
const guard = (fn) => async (e) => { if (e && e.preventDefault) e.preventDefault(); try { await fn(e); } catch (err) { notice(err.detail || String(err)); if (err.status === 401) show('v-login'); } };

$('send-code').addEventListener('click', guard(async () => {
  await api('POST', '/api/v1/auth/sms-code', { phone: $('phone').value.replace(/\s/g, '') });
  notice('验证码已发送，请查看短信。');
}));
$('login-form').addEventListener('submit', guard(async () => {
  const t = await api('POST', '/api/v1/auth/token', { grant_type: 'sms', phone: $('phone').value.replace(/\s/g, ''), code: $('code').value });
  auth = t.access_token; sessionStorage.setItem(AUTH, JSON.stringify(auth));
  await wallet();
}));
$('bind-form').addEventListener('submit', guard(async () => {
  await api('POST', '/api/v1/me/real-name', { name: $('name').value, id_number: $('id-number').value.trim() }, true);
  await wallet();
}));

async function wallet() {
  if (!auth) return show('v-login');
  const w = await api('GET', '/api/v1/me/licenses', null, true);
  if (!w.linked && !w.licenses.length) return show('v-bind');
  const list = $('list'); list.textContent = '';
  $('empty').hidden = w.licenses.length > 0;
  w.licenses.forEach((lic) => {
    const b = add(add(list, 'li'), 'button');
    b.type = 'button';
    add(b, 'span', lic.type_name + ' ');
    add(b, 'span', STATUS[lic.status] || lic.status, 'status-' + lic.status);
    add(b, 'small', lic.issuer + (lic.valid_until ? ' · 有效期至 ' + lic.valid_until : ' · 长期有效'));
    b.addEventListener('click', guard(() => open(lic)));
  });
  show('v-wallet');
}

async function open(lic) {
  current = lic; clearInterval(timer); $('qr-box').hidden = true;
  $('lic-title').textContent = lic.type_name;
  $('lic-meta').textContent = lic.issuer + ' · ' + (STATUS[lic.status] || lic.status) + (lic.status_reason ? '（' + lic.status_reason + '）' : '');
  const labels = types[lic.type] || {};
  const box = $('fields'); box.textContent = '';
  Object.keys(lic.fields).forEach((name) => {
    const l = add(box, 'label', '', 'check');
    const input = l.appendChild(document.createElement('input'));
    input.type = 'checkbox'; input.value = name; input.checked = name === 'name';
    add(l, 'span', (labels[name] || name) + '：' + lic.fields[name]);
  });
  $('present-form').hidden = lic.status !== 'valid';
  const uses = await api('GET', '/api/v1/me/licenses/' + lic.license_id + '/uses', null, true);
  const ol = $('uses'); ol.textContent = '';
  uses.forEach((u) => add(ol, 'li', when(u.at) + ' ' + (KINDS[u.kind] || u.kind) + ' · ' + u.who + (u.purpose ? ' · ' + u.purpose : '') + (u.case_ref ? ' · 办件 ' + u.case_ref : '')));
  show('v-license');
}

$('present-form').addEventListener('submit', guard(async () => {
  const fields = Array.prototype.map.call(document.querySelectorAll('#fields input:checked'), (i) => i.value);
  if (!fields.length) return notice('请至少选择一项要出示的内容。');
  const p = await api('POST', '/api/v1/me/licenses/' + current.license_id + '/presentations', { fields }, true);
  $('qr').src = p.qr_png; $('qr-box').hidden = false;
  const until = Date.parse(p.expires_at);
  clearInterval(timer);
  const tick = () => {
    const left = Math.round((until - Date.now()) / 1000);
    $('countdown').textContent = left > 0 ? '请对方扫码，' + left + ' 秒内有效' : '二维码已过期，请重新生成';
    if (left <= 0) { clearInterval(timer); $('qr-box').hidden = true; $('countdown').textContent = ''; notice('二维码已过期，请重新生成。'); }
  };
  tick(); timer = setInterval(tick, 1000);
}));

$('to-verify').addEventListener('click', () => { $('verdict').hidden = true; show('v-verify'); });
document.querySelectorAll('.back').forEach((b) => b.addEventListener('click', guard(wallet)));
$('verify-form').addEventListener('submit', guard(async () => {
  const r = await api('POST', '/api/v1/licenses/verify', { presentation: $('presentation').value.trim() });
  const v = $('verdict'); v.textContent = ''; v.hidden = false;
  if (!r.valid) { add(v, 'p', '核验不通过：' + r.message, 'status-revoked'); return; }
  add(v, 'p', '核验通过：' + r.type_name + '（' + r.issuer + '签发）', 'status-valid');
  const labels = types[r.type] || {};
  Object.keys(r.fields).forEach((k) => add(v, 'p', (labels[k] || k) + '：' + r.fields[k]));
}));

(async () => {
  try {
    (await api('GET', '/api/v1/licenses/types')).forEach((t) => { types[t.type] = {}; t.fields.forEach((f) => { types[t.type][f.name] = f.label; }); });
  } catch (e) { /* labels fall back to field names */ }
  await guard(wallet)();
})();
