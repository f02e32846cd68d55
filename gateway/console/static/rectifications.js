// 差评整改: the rectifications of bad reviews by due date, overdue in red; verify, rectify, return visit, close
// (against /api/v1/reviews/rectifications). Until those routes exist in this deployment the panel says so.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;
  var STATUS = { open: '待核实', verifying: '核实中', verified: '已核实', disputed: '申诉中', rectifying: '整改中',
    rectified: '已整改', visited: '已回访', closed: '已办结' };
  var LEVEL = { 1: '非常不满意', 2: '不满意', 3: '基本满意', 4: '满意', 5: '非常满意' };

  function rows(page) {
    if (Array.isArray(page)) return page;
    for (var k in page) if (Array.isArray(page[k])) return page[k];
    return [];
  }
  function due(r) { return r.due_at || r.deadline || ''; }

  async function load() {
    var box = $('board');
    try {
      var list = rows(await BST.api('GET', '/api/v1/reviews/rectifications' + ($('r-overdue').checked ? '?overdue=true' : '')));
      list.sort(function (a, b) { return due(a) < due(b) ? -1 : 1; });
      var ol = el('ol', { class: 'list', id: 'rectification-list' });
      list.forEach(function (r) { ol.appendChild(item(r)); });
      if (!list.length) ol.appendChild(el('li', { text: '没有待整改的差评。' }));
      BST.clear(box).appendChild(ol);
    } catch (e) {
      if (BST.notYet(e)) BST.coming(box, '好差评整改'); else BST.fail(e);
    }
  }

  function item(r) {
    var late = r.overdue || (due(r) && new Date(due(r)) < new Date() && r.status !== 'closed');
    var noteId = 'note-' + r.id;
    var review = r.review || {};
    var li = el('li', { class: late ? 'overdue' : '' }, [
      el('strong', { text: '整改单 ' + r.id }), ' ', el('span', { class: 'tag', text: STATUS[r.status] || r.status }),
      late ? el('span', { class: 'tag red', text: '已超时' }) : null,
      el('div', { text: (LEVEL[review.level || r.level] || '') + (review.comment || r.comment ? '：' + (review.comment || r.comment) : '') }),
      el('div', { class: 'small', text: '整改期限：' + BST.time(due(r)) + (r.unit || r.department ? ' · ' + (r.unit || r.department) : '') }),
      el('label', { for: noteId, text: '说明' }), el('textarea', { id: noteId }),
    ]);
    function note() { return $(noteId).value.trim(); }
    [['核实', 'verify', function () { return {}; }],
      ['提交整改', 'rectify', function () { return { note: note() }; }],
      ['回访：满意', 'return-visit', function () { return { reached: true, satisfied: true, note: note() }; }],
      ['回访：不满意', 'return-visit', function () { return { reached: true, satisfied: false, note: note() }; }],
      ['办结', 'close', function () { return {}; }]].forEach(function (a) {
      li.appendChild(el('button', { type: 'button', class: 'secondary', onclick: function () { act(r.id, a[1], a[2]()); } }, [a[0]]));
    });
    return li;
  }

  async function act(id, action, body) {
    try {
      await BST.api('POST', '/api/v1/reviews/rectifications/' + encodeURIComponent(id) + '/' + action, body);
      BST.say('已处理。');
      await load();
    } catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!BST.requireSignIn()) return;
    $('r-overdue').addEventListener('change', load);
    load();
  });
})();
