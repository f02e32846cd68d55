// 受理工作台: applications by deadline; accept, 补齐补正, 不予受理, conclude (against GET/POST
// /api/v1/intake/applications...). Until the intake routes exist in this deployment the panel says so.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;
  var STATUS = { submitted: '待受理', pre_review: '预审中', correction_requested: '补齐补正中', accepted: '已受理',
    refused: '不予受理', concluded: '已办结' };

  function rows(page) {
    if (Array.isArray(page)) return page;
    for (var k in page) if (Array.isArray(page[k])) return page[k];
    return [];
  }
  function due(a) { return a.acceptance_due || a.next_deadline || a.due_at || a.deadline || ''; }

  async function load() {
    var box = $('worklist');
    var q = new URLSearchParams();
    if ($('i-status').value) q.set('status', $('i-status').value);
    if ($('i-overdue').checked) q.set('overdue', 'true');
    try {
      var apps = rows(await BST.api('GET', '/api/v1/intake/applications?' + q));
      BST.clear(box);
      apps.sort(function (a, b) { return due(a) < due(b) ? -1 : 1; });
      var list = el('ol', { class: 'list', id: 'applications' });
      apps.forEach(function (a) { list.appendChild(item(a)); });
      if (!apps.length) list.appendChild(el('li', { text: '没有待办申请。' }));
      box.appendChild(list);
    } catch (e) {
      if (BST.notYet(e)) BST.coming(box, '统一申办受理'); else BST.fail(e);
    }
  }

  function item(a) {
    var no = a.application_no, late = a.overdue || (due(a) && new Date(due(a)) < new Date());
    var textId = 'text-' + no;
    var li = el('li', { class: late ? 'overdue' : '' }, [
      el('strong', { text: no }), ' ', el('span', { class: 'tag', text: STATUS[a.status] || a.status }),
      late ? el('span', { class: 'tag red', text: '已超时' }) : null,
      el('div', { text: (a.item_name || a.item_code || '') + (a.applicant_name ? ' · ' + a.applicant_name : '') }),
      el('div', { class: 'small', text: '时限：' + BST.time(due(a)) }),
      el('label', { for: textId, text: '意见 / 缺少的材料（每行一项）/ 理由' }), el('textarea', { id: textId }),
    ]);
    function text() { return $(textId).value.trim(); }
    function btn(label, cls, path, body) {
      return el('button', { type: 'button', class: cls, onclick: function () { act(no, path, body()); } }, [label]);
    }
    if (a.status === 'submitted' || a.status === 'pre_review') {
      li.appendChild(btn('受理', 'primary', 'accept', function () { return text() ? { opinion: text() } : {}; }));
      li.appendChild(btn('补齐补正', 'secondary', 'request-correction', function () { return { missing: text().split(/\n+/).filter(Boolean) }; }));
      li.appendChild(btn('不予受理', 'danger', 'refuse', function () { return { reason: text() }; }));
    }
    if (a.status === 'accepted') {
      li.appendChild(btn('办结：准予', 'primary', 'conclude', function () { return { outcome: 'approved' }; }));
      li.appendChild(btn('办结：不予批准', 'danger', 'conclude', function () { return { outcome: 'denied', reasons: text() ? [text()] : [] }; }));
    }
    return li;
  }

  async function act(no, path, body) {
    try {
      await BST.api('POST', '/api/v1/intake/applications/' + encodeURIComponent(no) + '/' + path, body);
      BST.say('已处理：' + no);
      await load();
    } catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!BST.requireSignIn()) return;
    $('i-status').addEventListener('change', load);
    $('i-overdue').addEventListener('change', load);
    load();
  });
})();
