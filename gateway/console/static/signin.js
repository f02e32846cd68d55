// Staff sign-in: username and password (grant_type password), then /api/v1/me for the menu.
(function () {
  'use strict';
  var $ = BST.$;
  var FIRST = [['app_reviewer', 'review'], ['outlet_technician', 'technician'], ['county_admin', 'dashboard'],
    ['department_staff', 'intake'], ['window_staff', 'intake'], ['platform_admin', 'dashboard'],
    ['village_agent', 'dashboard']];

  function next(me) {
    var wanted = new URLSearchParams(location.search).get('next');
    if (wanted && /^\/console\/[a-z]+/.test(wanted)) return wanted;
    for (var i = 0; i < FIRST.length; i++) if (me.roles.indexOf(FIRST[i][0]) >= 0) return '/console/' + FIRST[i][1];
    return null;
  }

  document.addEventListener('DOMContentLoaded', function () {
    var s = BST.session();
    if (s && s.me) { $('signed-in').hidden = false; }
    $('signin-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var username = $('username').value.trim(), password = $('password').value;
      $('err-username').textContent = username ? '' : '请输入用户名';
      $('err-password').textContent = password ? '' : '请输入密码';
      if (!username || !password) return;
      $('signin-btn').disabled = true;
      BST.say('正在登录…');
      try {
        var t = await BST.api('POST', '/api/v1/auth/token', { grant_type: 'password', username: username, password: password });
        BST.saveSession({ access: t.access_token, refresh: t.refresh_token });
        var me = await BST.api('GET', '/api/v1/me');
        if (me.kind !== 'staff') { BST.saveSession(null); throw { detail: '工作台只供工作人员使用。' }; }
        BST.saveSession({ access: t.access_token, refresh: t.refresh_token, me: me });
        var to = next(me);
        if (to) location.assign(to); else { BST.say('登录成功。'); location.reload(); }
      } catch (e) {
        BST.saveSession(null);
        BST.fail(e);
        $('password').focus();
      } finally { $('signin-btn').disabled = false; }
    });
  });
})();
