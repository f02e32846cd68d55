// 应用审核: the pending versions with a diff against the listed one, scopes in plain words, approve / reject,
// delist / relist, the health the monitor reads and the decision trail.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;
  var SCOPES = { profile: '您的 openid 和显示名称', phone: '您的手机号（脱敏，如 138****5678）',
    'repair.tickets': '您的广电报修工单（状态、维修网点、办结时限）' };
  var APP_STATUS = { listed: '已上架', delisted: '已下架', registered: '未上架', pending: '待审核' };
  var EVENTS = { registered: '登记应用', draft_saved: '保存草稿', submitted: '提交审核', approved: '审核通过',
    rejected: '驳回', delisted: '下架', relisted: '重新上架', flagged: '监测标记', flag_cleared: '解除标记',
    gray_changed: '灰度调整', gray_rolled_back: '灰度回滚', member_added: '添加成员', member_removed: '移除成员' };
  var FIELDS = [['entry_url', '入口地址'], ['scopes', '授权范围'], ['category', '分类'], ['regions', '服务地区'],
    ['service_items', '关联事项'], ['min_client_version', '最低客户端版本'], ['changelog', '更新说明']];
  var current = null;

  function show(v) { return Array.isArray(v) ? v.join('、') || '（无）' : (v === null || v === undefined || v === '') ? '（无）' : String(v); }

  async function loadList(selectId) {
    var f = $('filter').value;
    var q = f === 'pending' ? '?pending=true' : f === 'flagged' ? '?flagged=true' : f === 'all' ? '' : '?status=' + f;
    var list = BST.clear($('apps'));
    try {
      var apps = await BST.api('GET', '/api/v1/admin/mini-apps' + q);
      if (!apps.length) list.appendChild(el('li', { text: f === 'pending' ? '没有待审核的版本。' : '没有应用。' }));
      apps.forEach(function (a) {
        var tags = [el('span', { class: 'tag' + (a.status === 'listed' ? ' green' : a.status === 'delisted' ? ' red' : ''), text: APP_STATUS[a.status] || a.status })];
        if (a.pending_version) tags.push(el('span', { class: 'tag amber', text: '待审 ' + a.pending_version }));
        if (a.flagged) tags.push(el('span', { class: 'tag red', text: '监测异常' }));
        list.appendChild(el('li', { 'data-app': a.app_id, class: a.app_id === selectId ? 'selected' : '' }, [
          el('button', { type: 'button', class: 'item', onclick: function () { open(a.app_id); } }, [
            el('strong', { text: a.name }), ' ', el('span', { class: 'small', text: a.app_id }), el('br'),
            el('span', { class: 'small', text: a.department + ' · ' }), ...tags])]));
      });
    } catch (e) { BST.fail(e); }
  }

  async function open(appId) {
    BST.say('');
    document.querySelectorAll('#apps li').forEach(function (li) { li.classList.toggle('selected', li.getAttribute('data-app') === appId); });
    try {
      var r = await Promise.all([
        BST.api('GET', '/api/v1/admin/mini-apps/' + encodeURIComponent(appId)),
        BST.api('GET', '/api/v1/mini-apps/' + encodeURIComponent(appId) + '/versions'),
        BST.api('GET', '/api/v1/mini-apps/' + encodeURIComponent(appId) + '/events?limit=50'),
        BST.api('GET', '/api/v1/admin/mini-apps/' + encodeURIComponent(appId) + '/monitoring').catch(function () { return null; }),
      ]);
      current = r[0];
      render(r[0], r[1], r[2], r[3]);
    } catch (e) { BST.fail(e); }
  }

  function render(app, versions, events, monitoring) {
    $('detail').hidden = false;
    $('app-name').textContent = app.name + '（' + app.app_id + '）';
    $('app-meta').textContent = app.department + ' · ' + app.category + ' · 使用 ' + app.use_count + ' 次 · ' + app.description;
    var state = '状态：' + (APP_STATUS[app.status] || app.status) + (app.listed_version ? '，上架版本 ' + app.listed_version : '');
    if (app.status === 'delisted' && app.status_reason) state += '；下架理由：' + app.status_reason;
    if (app.flagged) state += '；监测标记：' + (app.flag_reason || '');
    $('app-state').textContent = state;
    var byVersion = {};
    versions.forEach(function (v) { byVersion[v.version] = v; });
    var pending = app.pending_version && byVersion[app.pending_version];
    var listed = app.listed_version && byVersion[app.listed_version];
    $('pending-box').hidden = !pending;
    if (pending) {
      $('pending-version').textContent = pending.version;
      $('listed-version').textContent = listed ? listed.version : '（无，首次上架）';
      var body = BST.clear($('diff').tBodies[0]);
      FIELDS.forEach(function (f) {
        var before = listed ? show(listed[f[0]]) : '—', after = show(pending[f[0]]);
        var changed = !listed || before !== after;
        body.appendChild(el('tr', { class: changed ? 'changed' : '' }, [
          el('th', { scope: 'row', text: f[1] + (changed && listed ? ' ●' : '') }),
          el('td', { class: 'diff' }, [el('span', { class: changed && listed ? 'del' : '', text: before })]),
          el('td', { class: 'diff' }, [el('span', { class: changed ? 'add' : '', text: after })])]));
      });
      var had = listed ? listed.scopes : [];
      var scopes = BST.clear($('scopes'));
      pending.scopes.forEach(function (s) {
        scopes.appendChild(el('li', {}, [SCOPES[s] || s, ' ', el('span', { class: 'small', text: '(' + s + ')' }),
          had.indexOf(s) < 0 ? el('span', { class: 'tag amber', text: '新增' }) : null]));
      });
      if (!pending.scopes.length) scopes.appendChild(el('li', { text: '不申请任何用户信息' }));
    }
    $('delist').hidden = app.status !== 'listed';
    $('relist').hidden = app.status !== 'delisted';
    $('listing-box').hidden = app.status !== 'listed' && app.status !== 'delisted';
    var h = BST.clear($('health'));
    if (monitoring) {
      var hs = monitoring.health, tr = monitoring.traffic;
      var up = { up: '正常', down: '无法访问', unknown: '尚未检测' }[hs.status] || hs.status;
      h.appendChild(el('p', { text: '入口探测：' + up + (hs.http_status ? '（HTTP ' + hs.http_status + '）' : '') +
        (hs.latency_ms ? '，' + Math.round(hs.latency_ms) + ' 毫秒' : '') + (hs.error ? '，' + hs.error : '') }));
      h.appendChild(el('p', { text: '调用 ' + tr.requests + ' 次，客户端错误 ' + tr.client_errors + '，服务端错误 ' +
        tr.server_errors + '，错误率 ' + (tr.error_rate * 100).toFixed(1) + '%' +
        (tr.latency_ms_avg !== null && tr.latency_ms_avg !== undefined ? '，平均 ' + Math.round(tr.latency_ms_avg) + ' 毫秒' : '') }));
    } else h.textContent = '暂无运行数据。';
    var trail = BST.clear($('trail'));
    events.forEach(function (ev) {
      trail.appendChild(el('li', {}, [el('strong', { text: EVENTS[ev.event] || ev.event }),
        ev.version ? ' ' + ev.version : '', ' · ', BST.time(ev.at), ' · ', el('span', { class: 'small', text: ev.actor }),
        ev.reason ? el('div', { text: '理由：' + ev.reason }) : null]));
    });
    if (!events.length) trail.appendChild(el('li', { text: '暂无记录' }));
  }

  async function act(path, body, done) {
    try {
      await BST.api('POST', '/api/v1/admin/mini-apps/' + encodeURIComponent(current.app_id) + path, body);
      BST.say(done);
      $('decision-text').value = ''; $('listing-reason').value = '';
      await loadList(current.app_id);
      await open(current.app_id);
      BST.say(done);
    } catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!BST.requireSignIn()) return;
    $('filter').addEventListener('change', function () { loadList(); });
    $('approve').addEventListener('click', function () {
      var c = $('decision-text').value.trim();
      act('/versions/' + encodeURIComponent(current.pending_version) + '/approve', c ? { comment: c } : {}, '已通过，应用已上架。');
    });
    $('reject').addEventListener('click', function () {
      var r = $('decision-text').value.trim();
      if (!r) { BST.say('驳回必须填写理由。', true); $('decision-text').focus(); return; }
      act('/versions/' + encodeURIComponent(current.pending_version) + '/reject', { reason: r }, '已驳回，开发者会看到理由。');
    });
    $('delist').addEventListener('click', function () {
      var r = $('listing-reason').value.trim();
      if (!r) { BST.say('下架必须填写理由。', true); $('listing-reason').focus(); return; }
      act('/delist', { reason: r }, '已下架。');
    });
    $('relist').addEventListener('click', function () {
      var c = $('listing-reason').value.trim();
      act('/relist', c ? { comment: c } : {}, '已重新上架。');
    });
    var asked = new URLSearchParams(location.search).get('app');
    loadList(asked);
    if (asked) open(asked);
  });
})();
