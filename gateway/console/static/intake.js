// 受理工作台: the department's applications, oldest deadline first (GET /api/v1/intake/applications, cursor paging),
// overdue in red; 受理 / 补齐补正 (the missing list) / 不予受理 (a reason) for submitted ones, 办结 for accepted ones.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;
  var STATUS = { submitted: '待受理', correction_requested: '补齐补正中', accepted: '已受理',
    refused: '不予受理', concluded: '已办结' };
  var KIND = { acceptance: '受理时限', completion: '办结时限', deficiency: '容缺补交时限', procedure: '特别程序' };
  var MODE = { instant: '即办', pre_review: '网上预审', online: '全程网办', complex: '需专业判断' };
  var CHANNEL = { online: '网上', mobile: '掌上', window: '窗口' };
  var cursor = null, items = {}, per = 20;

  // The items' form titles and material names, once per item code (a failed fetch leaves the raw keys).
  async function describe(apps) {
    var codes = apps.map(function (a) { return a.item_code; }).filter(function (c, i, all) {
      return !(c in items) && all.indexOf(c) === i;
    });
    await Promise.all(codes.map(function (c) {
      return BST.api('GET', '/api/v1/intake/items/' + encodeURIComponent(c)).then(function (item) {
        var titles = {}, names = {};
        var props = (item.form_schema && item.form_schema.properties) || {};
        Object.keys(props).forEach(function (k) { titles[k] = props[k].title || k; });
        item.materials.forEach(function (m) { names[m.material_id] = m.name; });
        items[c] = { titles: titles, names: names };
      }).catch(function () { items[c] = { titles: {}, names: {} }; });
    }));
  }
  function title(a, key) { return (items[a.item_code] && items[a.item_code].titles[key]) || key; }
  function material(a, id) { return (items[a.item_code] && items[a.item_code].names[id]) || id; }

  function query() {
    var q = new URLSearchParams({ limit: String(per) });
    if ($('i-status').value) q.set('status', $('i-status').value);
    if ($('i-overdue').value) q.set('overdue', $('i-overdue').value);
    if (cursor) q.set('cursor', cursor);
    return q;
  }

  async function load(more) {
    if (!more) cursor = null;
    try {
      var page = await BST.api('GET', '/api/v1/intake/applications?' + query());
      var list = $('applications');
      await describe(page.items);
      if (!more) BST.clear(list);
      page.items.forEach(function (a) { list.appendChild(item(a)); });
      cursor = page.next_cursor || null;
      $('i-more').hidden = !cursor;
      var n = list.querySelectorAll('li[data-application]').length;
      $('i-count').textContent = n ? '共显示 ' + n + ' 件' + (cursor ? '，还有更多' : '') : '';
      if (!n) list.appendChild(el('li', { text: '没有符合条件的申请。' }));
    } catch (e) {
      if (BST.notYet(e)) BST.coming($('applications'), '统一申办受理'); else BST.fail(e);
    }
  }

  function field(id, label, help, rows) {
    return [el('label', { for: id, text: label }),
      el('textarea', { id: id, rows: rows || 2, 'aria-describedby': help ? id + '-help' : null }),
      help ? el('div', { class: 'small', id: id + '-help', text: help }) : null];
  }

  function formText(a) {
    var form = a.form || {};
    return Object.keys(form).map(function (k) {
      var v = form[k];
      return title(a, k) + '：' + (typeof v === 'object' ? JSON.stringify(v) : String(v));
    }).join('；');
  }

  function item(a) {
    var no = a.application_no;
    var li = el('li', { id: 'app-' + no, 'data-application': no, 'data-status': a.status, class: a.overdue ? 'overdue' : '' }, [
      el('strong', { text: no }), ' ',
      el('span', { class: 'tag', id: 'state-' + no, text: STATUS[a.status] || a.status }),
      a.overdue ? el('span', { class: 'tag red', text: '已超时' }) : null,
      el('div', { text: a.item_name + ' · ' + a.department + ' · ' + (MODE[a.mode] || a.mode) }),
      el('div', { class: 'small', text: (a.next_deadline ? (KIND[a.next_deadline_kind] || '时限') + '：' + BST.time(a.next_deadline) + ' · ' : '') +
        '提交于 ' + BST.time(a.submitted_at) + ' · 地区 ' + a.region + ' · ' + (CHANNEL[a.channel] || a.channel) + '申办' + (a.agent_id ? '（代办）' : '') }),
      Object.keys(a.form || {}).length ? el('div', { class: 'small', text: '表单：' + formText(a) }) : null,
      a.materials.length ? el('div', { class: 'small', text: '材料：' + a.materials.map(function (m) { return material(a, m.material_id); }).join('、') }) : null,
      a.waived_materials.length ? el('div', { class: 'small', text: '电子证照免交：' + a.waived_materials.map(function (m) { return material(a, m); }).join('、') }) : null,
      a.missing.length ? el('div', { text: '待补正：' + a.missing.join('、') }) : null,
      a.reason ? el('div', { text: '理由：' + a.reason }) : null,
      a.outcome ? el('div', { text: '办结结果：' + (a.outcome === 'approved' ? '准予' : '不予批准') }) : null,
    ]);
    var canAct = BST.hasRole('department_staff');  // window staff follow the region's cases; the department acts
    if (canAct && a.status === 'submitted') {
      var box = el('div', { class: 'actions', role: 'group', 'aria-label': no + ' 的受理操作' });
      field('opinion-' + no, '受理意见（选填）', '', 2).forEach(function (n) { if (n) box.appendChild(n); });
      box.appendChild(button('accept-' + no, '受理', 'primary', function () {
        var o = $('opinion-' + no).value.trim();
        act(no, 'accept', o ? { opinion: o } : {}, '已受理');
      }));
      field('missing-' + no, '需补齐补正的材料或内容', '每行一项；申请人补正后重新计时。', 3).forEach(function (n) { if (n) box.appendChild(n); });
      box.appendChild(button('correct-' + no, '补齐补正', 'secondary', function () {
        var missing = $('missing-' + no).value.split(/\n+/).map(function (s) { return s.trim(); }).filter(Boolean);
        if (!missing.length) return need('missing-' + no, '补齐补正须写明缺少的材料或内容（每行一项）。');
        act(no, 'request-correction', { missing: missing }, '已告知申请人补齐补正');
      }));
      field('reason-' + no, '不予受理理由', '必填，申请人会看到。', 2).forEach(function (n) { if (n) box.appendChild(n); });
      box.appendChild(button('refuse-' + no, '不予受理', 'danger', function () {
        var r = $('reason-' + no).value.trim();
        if (!r) return need('reason-' + no, '不予受理必须填写理由。');
        act(no, 'refuse', { reason: r }, '已不予受理');
      }));
      li.appendChild(columns(box));
    } else if (canAct && a.status === 'accepted') {
      var done = el('div', { class: 'actions', role: 'group', 'aria-label': no + ' 的办结操作' });
      field('conclusion-' + no, '办结意见 / 不予批准理由', '准予时选填；不予批准时必填。', 2).forEach(function (n) { if (n) done.appendChild(n); });
      done.appendChild(button('approve-' + no, '办结：准予', 'primary', function () {
        var o = $('conclusion-' + no).value.trim();
        act(no, 'conclude', { outcome: 'approved', opinion: o }, '已办结（准予）');
      }));
      done.appendChild(button('deny-' + no, '办结：不予批准', 'danger', function () {
        var r = $('conclusion-' + no).value.trim();
        if (!r) return need('conclusion-' + no, '不予批准必须写明理由。');
        act(no, 'conclude', { outcome: 'denied', reasons: r }, '已办结（不予批准）');
      }));
      li.appendChild(columns(done));
    }
    return li;
  }

  // Each action (its fields and its button) in a column of its own: side by side on a wide screen, stacked on a phone.
  function columns(box) {
    var nodes = Array.prototype.slice.call(box.childNodes), group = null;
    nodes.forEach(function (n) {
      if (!group) { group = el('div', { class: 'act' }); box.appendChild(group); }
      group.appendChild(n);
      if (n.tagName === 'BUTTON') group = null;
    });
    return box;
  }

  function button(id, label, cls, onclick) {
    return el('button', { type: 'button', id: id, class: cls, onclick: onclick }, [label]);
  }

  function need(id, text) { BST.say(text, true); $(id).focus(); }

  async function act(no, path, body, done) {
    try {
      await BST.api('POST', '/api/v1/intake/applications/' + encodeURIComponent(no) + '/' + path, body);
      await load(false);
      BST.say(done + '：' + no);
    } catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!BST.requireSignIn()) return;
    var asked = new URLSearchParams(location.search);
    if (asked.has('status')) $('i-status').value = asked.get('status');
    if (asked.has('overdue')) $('i-overdue').value = asked.get('overdue');
    per = Math.min(100, Math.max(1, parseInt(asked.get('per'), 10) || 20));  // cases per page
    $('i-filters').addEventListener('submit', function (e) { e.preventDefault(); });
    $('i-status').addEventListener('change', function () { load(false); });
    $('i-overdue').addEventListener('change', function () { load(false); });
    $('i-more').addEventListener('click', function () { load(true); });
    load(false);
  });
})();
