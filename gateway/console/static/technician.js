// 今日工单: the technician's outlet's tickets; accept, call the reporter (record the contact), record the arrival on
// site, resolve with a photo taken by the phone.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;

  async function load() {
    var list = BST.clear($('tickets'));
    var show = $('show').value;
    try {
      var page = await BST.api('GET', '/api/v1/repair/tickets?limit=100');
      var tickets = page.tickets.filter(function (t) {
        if (show === 'open') return t.status === 'dispatched' || t.status === 'accepted';
        if (show === 'resolved') return t.status === 'resolved' || t.status === 'closed';
        return true;
      });
      tickets.sort(function (a, b) { return a.due_at < b.due_at ? -1 : 1; });
      if (!tickets.length) list.appendChild(el('li', { text: '暂无报修单。' }));
      tickets.forEach(function (t) { list.appendChild(card(t)); });
    } catch (e) { BST.fail(e); }
  }

  function card(t) {
    var id = t.ticket_no;
    var tel = (t.contact_phone || '').replace(/[^0-9+]/g, '');
    var li = el('li', { id: 'ticket-' + id, 'data-status': t.status, class: t.overdue ? 'overdue' : '' }, [
      el('strong', { text: id }), ' ',
      el('span', { class: 'tag' + (t.status === 'dispatched' ? ' amber' : t.status === 'accepted' ? '' : ' green'), text: BST.STATUS[t.status] || t.status }),
      t.overdue ? el('span', { class: 'tag red', text: '已超时' }) : null,
      el('div', { text: (BST.CATEGORY[t.category] || t.category) + '：' + t.description }),
      el('div', { class: 'small', text: '地址：' + (t.address || '（未填）') + ' · 最晚 ' + BST.time(t.due_at) + ' 前修好' }),
      el('div', {}, ['联系人：' + t.contact_name + ' ', el('a', { href: 'tel:' + tel, text: '拨打 ' + t.contact_phone })]),
    ]);
    if (t.status === 'dispatched') {
      li.appendChild(el('button', { type: 'button', class: 'primary', id: 'accept-' + id, onclick: function () { accept(id); } }, ['接单']));
    }
    if (t.status === 'accepted') {
      // 接单后第一时间联系用户, then 到达现场: the 1-hour and 3-hour circles are measured on arrival
      var steps = el('div', { class: 'steps' }, [
        t.contacted_at
          ? el('span', { class: 'tag green', id: 'contacted-at-' + id, text: '已联系用户 ' + BST.time(t.contacted_at) })
          : el('button', { type: 'button', class: 'secondary', id: 'contacted-' + id, onclick: function () { step(id, 'contacted', '已记录联系用户'); } }, ['已联系用户']),
        ' ',
        t.arrived_at
          ? el('span', { class: 'tag green', id: 'arrived-at-' + id, text: '已到达现场 ' + BST.time(t.arrived_at) })
          : el('button', { type: 'button', class: 'secondary', id: 'arrive-' + id, disabled: t.contacted_at ? null : 'disabled', onclick: function () { step(id, 'arrive', '已登记到达现场'); } }, ['已到达现场']),
      ]);
      li.appendChild(steps);
      var fileId = 'photo-' + id, noteId = 'note-' + id;
      var box = el('div', { class: 'resolve' }, [
        el('input', { type: 'file', id: fileId, accept: 'image/*', capture: 'environment', class: 'camera-input' }),
        el('label', { for: fileId, class: 'camera-button', text: '拍照（修好后必需）' }),
        el('img', { id: 'thumb-' + id, class: 'thumb', alt: '修好后的照片', hidden: true }),
        el('div', { class: 'small', id: 'photo-state-' + id, 'aria-live': 'polite' }),
        el('label', { for: noteId, text: '维修说明' }),
        el('textarea', { id: noteId, placeholder: '例如：高频头进水，更换后信号恢复' }),
        el('button', { type: 'button', class: 'primary', id: 'resolve-' + id, onclick: function () { resolve(id); } }, ['提交修复']),
      ]);
      li.appendChild(box);
      setTimeout(function () {
        $(fileId).addEventListener('change', function () { upload(id); });
      });
    }
    if (t.resolution_note) li.appendChild(el('div', { class: 'small', text: '维修说明：' + t.resolution_note }));
    return li;
  }

  var uploads = {};

  async function upload(id) {
    var input = $('photo-' + id), state = $('photo-state-' + id);
    if (!input.files.length) return;
    var thumb = $('thumb-' + id);
    if (thumb.src) URL.revokeObjectURL(thumb.src);
    thumb.src = URL.createObjectURL(input.files[0]);
    thumb.hidden = false;
    state.textContent = '正在上传照片…';
    var form = new FormData();
    form.append('file', input.files[0]);
    try {
      var r = await BST.api('POST', '/api/v1/repair/uploads', form);
      uploads[id] = r.evidence_id;
      state.textContent = '照片已上传';
      BST.say('');
    } catch (e) { state.textContent = e.detail; delete uploads[id]; }
  }

  async function accept(id) {
    try {
      await BST.api('POST', '/api/v1/repair/tickets/' + id + '/accept');
      BST.say('已接单：' + id + '。请第一时间联系报修人，联系后点“已联系用户”。');
      await load();
    } catch (e) { BST.fail(e); }
  }

  async function step(id, action, done) {
    try {
      await BST.api('POST', '/api/v1/repair/tickets/' + id + '/' + action);
      BST.say(done + '：' + id + '。');
      await load();
    } catch (e) { BST.fail(e); }
  }

  async function resolve(id) {
    if (!uploads[id]) { BST.say('请先拍一张修好后的照片。', true); $('photo-' + id).focus(); return; }
    var note = $('note-' + id).value.trim();
    try {
      await BST.api('POST', '/api/v1/repair/tickets/' + id + '/resolve', { note: note, evidence: [uploads[id]] });
      BST.say('已提交修复：' + id + '。报修人会收到通知并评价。');
      await load();
    } catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!BST.requireSignIn()) return;
    $('show').addEventListener('change', load);
    $('reload').addEventListener('click', load);
    load();
    setInterval(function () { if (!Object.keys(uploads).length && !document.querySelector('.resolve :focus')) load(); }, 30000);
  });
})();
