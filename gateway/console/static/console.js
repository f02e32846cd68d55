// The console's shared helpers: the session (sessionStorage), API calls with the Bearer token and one refresh on
// 401, the role-based menu, a small DOM builder (text only, never HTML from the API) and Chinese labels.
(function () {
  'use strict';
  var KEY = 'bst.console';
  var BST = window.BST = {};

  BST.session = function () {
    try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (e) { return null; }
  };
  BST.saveSession = function (s) {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s)); else sessionStorage.removeItem(KEY);
  };

  function problemOf(status, body) {
    body = body || {};
    return { status: status, code: body.code || '', detail: body.detail || ('请求失败（' + status + '）'),
      errors: body.errors || [] };
  }

  async function send(method, path, body, token) {
    var headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    var init = { method: method, headers: headers };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined && body !== null) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var reply;
    try { reply = await fetch(path, init); } catch (e) { throw problemOf(0, { detail: '网络连接失败，请检查网络后重试。' }); }
    var text = await reply.text();
    var data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (!reply.ok) throw problemOf(reply.status, data);
    return data;
  }

  async function refresh() {
    var s = BST.session();
    if (!s || !s.refresh) return false;
    try {
      var t = await send('POST', '/api/v1/auth/token', { grant_type: 'refresh_token', refresh_token: s.refresh });
      s.access = t.access_token; s.refresh = t.refresh_token; BST.saveSession(s);
      return true;
    } catch (e) { return false; }
  }

  BST.api = async function (method, path, body) {
    var s = BST.session();
    try {
      return await send(method, path, body, s && s.access);
    } catch (e) {
      if (e.status === 401 && s && await refresh()) return send(method, path, body, BST.session().access);
      if (e.status === 401 && s && s.access) BST.signOut(true);
      throw e;
    }
  };

  // A route that is not in this deployment yet answers 404/405/501 with a generic code.
  BST.notYet = function (e) {
    return (e.status === 404 && (e.code === 'not_found' || !e.code)) || e.status === 405 || e.status === 501;
  };

  BST.signOut = function (expired) {
    var s = BST.session();
    BST.saveSession(null);
    if (s && s.refresh && !expired) send('POST', '/api/v1/auth/logout', null, s.access).catch(function () {});
    var next = expired ? '?next=' + encodeURIComponent(location.pathname + location.search) : '';
    location.assign('/console/' + next);
  };

  BST.hasRole = function () {
    var s = BST.session();
    var roles = (s && s.me && s.me.roles) || [];
    return Array.prototype.some.call(arguments, function (r) { return roles.indexOf(r) >= 0; });
  };

  BST.me = function () { var s = BST.session(); return (s && s.me) || null; };

  BST.requireSignIn = function () {
    var s = BST.session();
    if (!s || !s.access) {
      location.replace('/console/?next=' + encodeURIComponent(location.pathname + location.search));
      return false;
    }
    return true;
  };

  BST.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return node;
  };
  BST.clear = function (node) { while (node.firstChild) node.removeChild(node.firstChild); return node; };
  BST.$ = function (id) { return document.getElementById(id); };

  BST.say = function (text, isError) {
    var s = BST.$('status');
    if (!s) return;
    s.textContent = text || '';
    s.className = 'status' + (isError ? ' error' : '');
  };
  BST.fail = function (e) {
    var fields = (e.errors || []).map(function (f) { return f.field + '：' + f.message; }).join('；');
    BST.say(e.detail + (fields ? '（' + fields + '）' : ''), true);
  };

  BST.time = function (iso) {
    if (!iso) return '—';
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    function p(n) { return (n < 10 ? '0' : '') + n; }
    return (d.getMonth() + 1) + '月' + d.getDate() + '日 ' + p(d.getHours()) + ':' + p(d.getMinutes());
  };

  BST.coming = function (container, what) {
    BST.clear(container).appendChild(BST.el('div', { class: 'coming', role: 'note', 'data-coming': '1' }, [
      BST.el('strong', { text: '此功能即将上线' }), BST.el('br'),
      (what || '') + '的接口在本部署中尚未开通，开通后此处自动显示。']));
  };

  BST.STATUS = { pending_dispatch: '待派单', dispatched: '已派单', accepted: '已接单', resolved: '已修复',
    closed: '已办结', cancelled: '已撤销' };
  BST.CATEGORY = { satellite: '户户通/卫星电视', dtmb: '地面数字电视', transmitter: '发射转播台',
    emergency_broadcast: '应急广播', cable: '有线电视', iptv: 'IPTV', ott: '互联网电视' };
  BST.ROLE = { platform_admin: '平台管理员', app_reviewer: '应用审核员', app_developer: '应用开发者',
    county_admin: '县级管理员', outlet_technician: '网点技术员', village_agent: '村级代办员',
    window_staff: '窗口人员', department_staff: '部门人员', license_issuer: '证照签发人员' };

  function header() {
    var s = BST.session();
    var me = s && s.me;
    document.querySelectorAll('#nav a[data-roles]').forEach(function (a) {
      var roles = a.getAttribute('data-roles').split(' ');
      a.hidden = !(me && me.roles.some(function (r) { return roles.indexOf(r) >= 0; }));
    });
    var who = BST.$('who');
    if (who && me) who.textContent = me.display_name + ' · ' + me.roles.map(function (r) { return BST.ROLE[r] || r; }).join('、') + ' · 地区 ' + (me.region || '—');
    var out = BST.$('sign-out');
    if (out && me) { out.hidden = false; out.addEventListener('click', function () { BST.signOut(false); }); }
  }
  document.addEventListener('DOMContentLoaded', header);
})();
