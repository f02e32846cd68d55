// 长辈模式: large text on every page that includes elder.css and this script; remembered on this device.
(function () {
  var KEY = 'bst.elder';
  var on = false;
  try { on = localStorage.getItem(KEY) === '1'; } catch (e) { /* storage off: default size */ }
  document.documentElement.classList.toggle('elder', on);
  function sync() {
    var pressed = document.documentElement.classList.contains('elder');
    document.querySelectorAll('[data-elder-toggle]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(pressed));
      b.textContent = pressed ? '标准字号' : '长辈模式';
    });
  }
  document.addEventListener('click', function (ev) {
    var t = ev.target.closest && ev.target.closest('[data-elder-toggle]');
    if (!t) return;
    var now = !document.documentElement.classList.contains('elder');
    document.documentElement.classList.toggle('elder', now);
    try { localStorage.setItem(KEY, now ? '1' : '0'); } catch (e) { /* not kept */ }
    sync();
  });
  document.addEventListener('DOMContentLoaded', sync);
})();
