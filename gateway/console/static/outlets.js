// 维修网点: a county's outlets, switch one on or off, change its capacity, add one; link to the QR poster.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;

  async function counties() {
    var me = BST.me() || {}, sel = $('county');
    try {
      var list = await BST.api('GET', '/api/v1/repair/counties?within=' + (me.region || '53'));
      list.forEach(function (c) { sel.appendChild(el('option', { value: c.adcode, text: c.name + '（' + c.adcode + '）' })); });
    } catch (e) { BST.fail(e); }
    var asked = new URLSearchParams(location.search).get('county');
    if (asked) sel.value = asked;
  }

  async function load() {
    var county = $('county').value;
    $('poster-link').href = '/console/poster?county=' + county;
    var body = BST.clear($('outlets').tBodies[0]);
    try {
      (await BST.api('GET', '/api/v1/repair/outlets?county=' + county)).forEach(function (o) {
        var capId = 'cap-' + o.outlet_id;
        body.appendChild(el('tr', {}, [
          el('td', {}, [el('strong', { text: o.name }), el('div', { class: 'small', text: o.outlet_id + ' · ' + o.business_hours })]),
          el('td', { 'data-label': '业务', text: (o.kind === 'market' ? '市场化' : '运营商') + '：' + o.categories.map(function (c) { return BST.CATEGORY[c] || c; }).join('、') }),
          el('td', { 'data-label': '电话', text: o.phone }),
          el('td', { 'data-label': '在办' }, [o.open_tickets + ' / ', el('label', { for: capId, class: 'small', text: '容量' }),
            el('input', { type: 'number', id: capId, class: 'cap', value: o.capacity, min: 1, onchange: function (ev) { patch(o.outlet_id, { capacity: Number(ev.target.value) }, '已修改容量。'); } })]),
          el('td', {}, [el('span', { class: 'tag ' + (o.active ? 'green' : 'red'), id: 'state-' + o.outlet_id, text: o.active ? '启用' : '停用' }),
            el('button', { type: 'button', class: 'secondary', id: 'toggle-' + o.outlet_id, onclick: function () { patch(o.outlet_id, { active: !o.active }, o.active ? '已停用。' : '已启用。'); } }, [o.active ? '停用' : '启用'])]),
        ]));
      });
    } catch (e) { BST.fail(e); }
  }

  async function patch(id, body, done) {
    try { await BST.api('PATCH', '/api/v1/repair/outlets/' + encodeURIComponent(id), body); BST.say(done); await load(); }
    catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', async function () {
    if (!BST.requireSignIn()) return;
    await counties();
    $('county').addEventListener('change', load);
    $('new-outlet').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var cats = Array.prototype.map.call(document.querySelectorAll('input[name=cat]:checked'), function (c) { return c.value; });
      try {
        await BST.api('POST', '/api/v1/repair/outlets', { county: $('county').value, name: $('o-name').value.trim(),
          kind: $('o-kind').value, categories: cats, lat: Number($('o-lat').value), lng: Number($('o-lng').value),
          phone: $('o-phone').value.trim(), capacity: Number($('o-capacity').value) || 20 });
        BST.say('已新增网点。');
        ev.target.reset();
        await load();
      } catch (e) { BST.fail(e); }
    });
    load();
  });
})();
