// 差评整改: the rectification cases of 差评 (GET /api/v1/reviews/rectifications, cursor paging) sorted by due date,
// overdue in red, with the steps each role may take (POST /api/v1/reviews/rectifications/{id}/{action}):
// the responsible unit verifies, disputes with reason and evidence, rectifies with a note; supervisors
// (county_admin, platform_admin) verify and decide disputes; either makes the return visit and closes (a repair
// outlet's case is closed by the county, with a note).
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;
  var STATUS = { open: '待查实', verified: '已查实，整改中', disputed: '有异议，待监督部门裁定', rectified: '已整改，待回访',
    returned_visit: '已回访，待办结', closed: '已办结' };
  var LEVEL = { 1: '非常不满意', 2: '不满意', 3: '基本满意', 4: '满意', 5: '非常满意' };
  var CASE = { application: '办件', repair_ticket: '报修工单', mini_app: '小程序', window_visit: '窗口办事' };
  var STEP = { opened: '立案', verified: '查实', disputed: '提出异议', dispute_upheld: '异议成立', dispute_rejected: '异议不成立',
    rectified: '整改', returned_visit: '回访', closed: '办结', overdue: '超期督办' };
  var UNIT_ROLES = { outlet: ['outlet_technician'], mini_app: ['app_developer'] };
  var cursor = null, loaded = [];

  function isUnit(r) { return BST.hasRole.apply(null, UNIT_ROLES[r.unit_kind] || ['department_staff', 'window_staff']); }
  function isSupervisor() { return BST.hasRole('county_admin', 'platform_admin'); }

  async function load(more) {
    if (!more) { cursor = null; loaded = []; }
    var q = new URLSearchParams({ limit: '50' });
    if ($('r-status').value) q.set('status', $('r-status').value);
    if ($('r-overdue').checked) q.set('overdue', 'true');
    if (cursor) q.set('cursor', cursor);
    try {
      var page = await BST.api('GET', '/api/v1/reviews/rectifications?' + q);
      loaded = loaded.concat(page.rectifications);
      cursor = page.next_cursor || null;
      render();
    } catch (e) {
      if (BST.notYet(e)) BST.coming($('rectification-list'), '好差评整改'); else BST.fail(e);
    }
  }

  function render() {
    var open = loaded.filter(function (r) { return r.status !== 'closed'; });
    var rest = loaded.filter(function (r) { return r.status === 'closed'; });
    var byDue = function (a, b) { return a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0; };
    var ol = BST.clear($('rectification-list'));
    open.sort(byDue).concat(rest.sort(byDue)).forEach(function (r) { ol.appendChild(item(r)); });
    if (!loaded.length) ol.appendChild(el('li', { text: '没有符合条件的整改件。' }));
    $('r-more').hidden = !cursor;
    $('r-count').textContent = loaded.length ? '共显示 ' + loaded.length + ' 件' + (cursor ? '，还有更多' : '') +
      '，其中超时 ' + loaded.filter(function (r) { return r.overdue; }).length + ' 件' : '';
  }

  function area(id, label, help) {
    return [el('label', { for: id, text: label }),
      el('textarea', { id: id, rows: 2, 'aria-describedby': help ? id + '-help' : null }),
      help ? el('div', { class: 'small', id: id + '-help', text: help }) : null];
  }
  function choice(id, label, options) {
    return [el('label', { for: id, text: label }), el('select', { id: id }, options.map(function (o) {
      return el('option', { value: o[0], text: o[1] });
    }))];
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
  function val(id) { return $(id).value.trim(); }

  function item(r) {
    var id = r.rectification_id;
    var li = el('li', { id: 'rect-' + id, 'data-rectification': id, 'data-status': r.status, class: r.overdue ? 'overdue' : '' }, [
      el('strong', { text: '整改件 ' + id }), ' ',
      el('span', { class: 'tag', id: 'rstate-' + id, text: STATUS[r.status] || r.status }),
      r.overdue ? el('span', { class: 'tag red', text: '已超时' }) : null,
      r.rectified_on_time ? el('span', { class: 'tag green', text: '按期整改' }) : null,
      el('div', { text: (LEVEL[r.level] || '') + (r.comment ? '：' + r.comment : '') }),
      el('div', { class: 'small', text: '整改期限：' + BST.time(r.due_at) + ' · ' + (CASE[r.case_type] || r.case_type) + ' ' + r.case_id +
        ' · 责任单位 ' + r.unit + ' · 地区 ' + r.region }),
      r.dispute_reason ? el('div', { text: '异议理由：' + r.dispute_reason + (r.dispute_evidence.length ? '（证据：' + r.dispute_evidence.join('、') + '）' : '') }) : null,
      r.rectify_note ? el('div', { text: '整改情况：' + r.rectify_note }) : null,
      r.steps.length ? el('div', { class: 'small', text: '经过：' + r.steps.map(function (s) {
        return BST.time(s.at) + ' ' + (STEP[s.action] || s.action) + (s.note ? '（' + s.note + '）' : '');
      }).join(' → ') }) : null,
    ]);
    var unit = isUnit(r), sup = isSupervisor();
    var box = el('div', { class: 'actions', role: 'group', 'aria-label': '整改件 ' + id + ' 的处理' });
    function add(nodes) { nodes.forEach(function (n) { if (n) box.appendChild(n); }); }
    if (r.status === 'open' && (unit || sup)) {
      add([button('verify-' + id, '查实（属实，开始整改）', 'primary', function () { act(id, 'verify', {}, '已查实'); })]);
    }
    if (r.status === 'open' && unit) {
      add(area('dreason-' + id, '异议理由', '认为差评不属本单位原因时填写，由监督部门裁定。'));
      add(area('evidence-' + id, '异议证据', '每行一项：证据材料编号或说明，至少一项。'));
      add([button('dispute-' + id, '提出异议', 'secondary', function () {
        var evidence = $('evidence-' + id).value.split(/\n+/).map(function (s) { return s.trim(); }).filter(Boolean);
        if (!val('dreason-' + id)) return need('dreason-' + id, '提出异议须写明理由。');
        if (!evidence.length) return need('evidence-' + id, '提出异议须附上至少一项证据。');
        act(id, 'dispute', { reason: val('dreason-' + id), evidence: evidence }, '已提出异议，待监督部门裁定');
      })]);
    }
    if (r.status === 'disputed' && sup) {
      add(choice('upheld-' + id, '裁定结果', [['', '请选择'], ['true', '异议成立（不属责任单位原因，办结）'], ['false', '异议不成立（须整改）']]));
      add(area('decision-' + id, '裁定理由', '必填，评价人会收到。'));
      add([button('decide-' + id, '作出裁定', 'primary', function () {
        if (!val('upheld-' + id)) return need('upheld-' + id, '请选择裁定结果。');
        if (!val('decision-' + id)) return need('decision-' + id, '裁定须写明理由。');
        act(id, 'decide-dispute', { upheld: val('upheld-' + id) === 'true', reason: val('decision-' + id) }, '已裁定');
      })]);
    }
    if (r.status === 'verified' && unit) {
      add(area('rnote-' + id, '整改情况', '必填：做了哪些整改，评价人会收到。'));
      add([button('rectify-' + id, '提交整改', 'primary', function () {
        if (!val('rnote-' + id)) return need('rnote-' + id, '请写明整改情况。');
        act(id, 'rectify', { note: val('rnote-' + id) }, '已提交整改');
      })]);
    }
    if (r.status === 'rectified' && (unit || sup)) {
      add(choice('reached-' + id, '是否联系上评价人', [['true', '已联系上'], ['false', '未联系上']]));
      add(choice('satisfied-' + id, '评价人是否满意', [['true', '满意'], ['false', '不满意']]));
      add(area('vnote-' + id, '回访记录（选填）'));
      add([button('visit-' + id, '记录回访', 'primary', function () {
        var reached = val('reached-' + id) === 'true';
        var body = { reached: reached, note: val('vnote-' + id) };
        if (reached) body.satisfied = val('satisfied-' + id) === 'true';
        act(id, 'return-visit', body, '已记录回访');
      })]);
    }
    // 八(四): a repair outlet's rectification is closed by the county (the supervisor), with a note
    var countyCloses = r.unit_kind === 'outlet';
    if (r.status === 'returned_visit' && (countyCloses ? sup : (unit || sup))) {
      add(area('cnote-' + id, '办结意见', countyCloses ? '必填：县级监督部门对整改的办结意见。' : '选填'));
      add([button('close-' + id, '办结整改件', 'primary', function () {
        if (countyCloses && !val('cnote-' + id)) return need('cnote-' + id, '请写明办结意见。');
        act(id, 'close', { note: val('cnote-' + id) }, '已办结');
      })]);
    }
    if (box.firstChild) li.appendChild(columns(box));
    return li;
  }

  async function act(id, action, body, done) {
    try {
      await BST.api('POST', '/api/v1/reviews/rectifications/' + encodeURIComponent(id) + '/' + action, body);
      await load(false);
      BST.say(done + '：整改件 ' + id);
    } catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!BST.requireSignIn()) return;
    $('r-filters').addEventListener('submit', function (e) { e.preventDefault(); });
    $('r-status').addEventListener('change', function () { load(false); });
    $('r-overdue').addEventListener('change', function () { load(false); });
    $('r-more').addEventListener('click', function () { load(true); });
    load(false);
  });
})();
