// The printable county QR poster: the county's signed code from GET /api/v1/repair/counties/{county}/qr.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;
  document.addEventListener('DOMContentLoaded', async function () {
    if (!BST.requireSignIn()) return;
    var me = BST.me() || {}, sel = $('county');
    var names = {};
    try {
      (await BST.api('GET', '/api/v1/repair/counties?within=' + (me.region || '53'))).forEach(function (c) {
        names[c.adcode] = c.name;
        sel.appendChild(el('option', { value: c.adcode, text: c.name + '（' + c.adcode + '）' }));
      });
    } catch (e) { BST.fail(e); }
    var asked = new URLSearchParams(location.search).get('county');
    if (asked && names[asked]) sel.value = asked;
    function show() {
      $('county-name').textContent = names[sel.value] || sel.value;
      $('qr').src = '/api/v1/repair/counties/' + sel.value + '/qr?format=svg';
      $('qr').alt = (names[sel.value] || '') + '广电报修二维码';
    }
    sel.addEventListener('change', show);
    $('print').addEventListener('click', function () { window.print(); });
    show();
  });
})();
