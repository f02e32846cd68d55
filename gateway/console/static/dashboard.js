// 报修大屏: a county's (or a prefecture's, or the province's) repair figures, refreshed by polling so a new ticket
// appears without reloading. Charts and the map are inline SVG drawn here; nothing is fetched from elsewhere.
(function () {
  'use strict';
  var $ = BST.$, el = BST.el;
  var NS = 'http://www.w3.org/2000/svg';
  var EVERY = Math.max(1, Number(new URLSearchParams(location.search).get('every')) || 5) * 1000;
  var seen = null;
  var trendsAt = 0;

  function svg(tag, attrs, children) {
    var n = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return n;
  }
  function region() { return $('region').value; }
  function countyOnly() { return /^\d{6}$/.test(region()) ? region() : ''; }
  function pct(x) { return (x * 100).toFixed(1) + '%'; }

  async function regions() {
    var me = BST.me() || {};
    var sel = $('region');
    var mine = me.region || '53';
    sel.appendChild(el('option', { value: mine, text: mine.length === 6 ? '本县（' + mine + '）' : '本辖区全部（' + mine + '）' }));
    if (mine.length < 6) {
      try {
        var counties = await BST.api('GET', '/api/v1/repair/counties?within=' + mine);
        counties.forEach(function (c) { sel.appendChild(el('option', { value: c.adcode, text: c.name + '（' + c.adcode + '）' })); });
      } catch (e) { BST.fail(e); }
    }
    var asked = new URLSearchParams(location.search).get('county');
    if (asked && sel.querySelector('option[value="' + asked + '"]')) sel.value = asked;
  }

  async function map(tickets) {
    var box = BST.clear($('map'));
    var points = [], county = countyOnly();
    try {
      if (county) {
        (await BST.api('GET', '/api/v1/repair/outlets?county=' + county)).forEach(function (o) {
          points.push({ lat: o.lat, lng: o.lng, kind: 'outlet', label: o.name + (o.active ? '' : '（停用）') + ' · 在办 ' + o.open_tickets });
        });
      } else {
        (await BST.api('GET', '/api/v1/repair/counties?within=' + region())).forEach(function (c) {
          points.push({ lat: c.lat, lng: c.lng, kind: 'outlet', label: c.name + ' · 网点 ' + c.active_outlets, r: 3 + Math.min(6, c.active_outlets) });
        });
      }
    } catch (e) { /* the figures still show */ }
    tickets.forEach(function (t) {
      if (t.lat !== null && t.lat !== undefined && ['pending_dispatch', 'dispatched', 'accepted'].indexOf(t.status) >= 0) {
        points.push({ lat: t.lat, lng: t.lng, kind: 'ticket', label: t.ticket_no + ' ' + (BST.STATUS[t.status] || '') });
      }
    });
    if (!points.length) { box.appendChild(el('p', { class: 'small', text: '暂无位置数据。' })); return; }
    var lats = points.map(function (p) { return p.lat; }), lngs = points.map(function (p) { return p.lng; });
    var minLat = Math.min.apply(null, lats), maxLat = Math.max.apply(null, lats);
    var minLng = Math.min.apply(null, lngs), maxLng = Math.max.apply(null, lngs);
    var spanLat = Math.max(maxLat - minLat, 0.02), spanLng = Math.max(maxLng - minLng, 0.02);
    var W = 600, H = 380, pad = 24;
    var kx = (W - 2 * pad) / spanLng, ky = (H - 2 * pad) / spanLat, k = Math.min(kx, ky);
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, id: 'map-svg' });
    s.appendChild(svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#f7f9fc', stroke: '#d9dee5' }));
    points.forEach(function (p) {
      var x = pad + (p.lng - minLng) * k + ((W - 2 * pad) - spanLng * k) / 2;
      var y = H - pad - (p.lat - minLat) * k - ((H - 2 * pad) - spanLat * k) / 2;
      var c = svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: p.kind === 'ticket' ? 7 : (p.r || 9),
        fill: p.kind === 'ticket' ? '#c8102e' : '#0b5cad', 'fill-opacity': p.kind === 'ticket' ? 0.85 : 0.7,
        class: p.kind }, [svg('title', {}, [p.label])]);
      s.appendChild(c);
    });
    box.appendChild(s);
  }

  function bars(container, rows) {
    var box = BST.clear(container);
    var max = Math.max.apply(null, rows.map(function (r) { return r[1]; }).concat([1]));
    rows.forEach(function (r) {
      var fill = el('span', { class: 'fill ' + (r[2] || '') });
      fill.style.width = (80 * r[1] / max) + '%';
      box.appendChild(el('div', { class: 'barrow' }, [el('span', { text: r[0] }),
        el('span', { class: 'track' }, [fill, el('b', { text: String(r[1]) })])]));
    });
  }

  function line(container, values, fmt, color) {
    var box = BST.clear(container);
    var W = 600, H = 220, pad = 36;
    var max = Math.max.apply(null, values.map(function (v) { return v.y; }).concat([1e-9]));
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H });
    s.appendChild(svg('line', { x1: pad, y1: H - pad, x2: W - 4, y2: H - pad, stroke: '#aab3bf' }));
    var step = (W - pad - 8) / Math.max(values.length - 1, 1);
    var pts = values.map(function (v, i) { return [pad + i * step, H - pad - (H - 2 * pad) * v.y / max]; });
    s.appendChild(svg('polyline', { points: pts.map(function (p) { return p[0].toFixed(1) + ',' + p[1].toFixed(1); }).join(' '),
      fill: 'none', stroke: color, 'stroke-width': 2.5 }));
    pts.forEach(function (p, i) {
      s.appendChild(svg('circle', { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 2.5, fill: color }, [svg('title', {}, [values[i].x + '：' + fmt(values[i].y)])]));
    });
    s.appendChild(svg('text', { x: 0, y: 20, 'font-size': 20 }, ['最高 ' + fmt(max)]));
    if (values.length) {
      s.appendChild(svg('text', { x: pad, y: H - 8, 'font-size': 20 }, [values[0].x]));
      s.appendChild(svg('text', { x: W - 70, y: H - 8, 'font-size': 20 }, [values[values.length - 1].x]));
    }
    box.appendChild(s);
  }

  async function trends() {
    var days = [], today = new Date();
    today.setHours(0, 0, 0, 0);
    for (var i = 29; i >= 0; i--) {
      var from = new Date(today.getTime() - i * 86400000), to = new Date(from.getTime() + 86400000);
      days.push({ x: (from.getMonth() + 1) + '/' + from.getDate(), since: from.toISOString(), until: to.toISOString() });
    }
    var out = [];
    for (var j = 0; j < days.length; j += 6) {
      out = out.concat(await Promise.all(days.slice(j, j + 6).map(function (d) {
        return BST.api('GET', '/api/v1/repair/stats?county=' + region() + '&since=' + encodeURIComponent(d.since) + '&until=' + encodeURIComponent(d.until))
          .then(function (s) { return { x: d.x, total: s.total, share: s.restored_within_24h_share }; });
      })));
    }
    line($('trend-count'), out.map(function (d) { return { x: d.x, y: d.total }; }), function (v) { return Math.round(v) + ' 件'; }, '#0b5cad');
    line($('trend-share'), out.map(function (d) { return { x: d.x, y: d.share }; }), pct, '#237804');
  }

  async function refresh() {
    try {
      var r = await Promise.all([
        BST.api('GET', '/api/v1/repair/stats?county=' + region()),
        BST.api('GET', '/api/v1/repair/tickets?limit=100' + (countyOnly() ? '&county=' + countyOnly() : '')),
      ]);
      var stats = r[0], tickets = r[1].tickets;
      var count = {};
      stats.by_status.forEach(function (c) { count[c.key] = c.count; });
      $('k-open').textContent = (count.pending_dispatch || 0) + (count.dispatched || 0) + (count.accepted || 0);
      $('k-overdue').textContent = stats.overdue;
      $('k-24h').textContent = pct(stats.restored_within_24h_share);
      $('k-hours').textContent = stats.mean_hours_to_restore.toFixed(1) + ' 小时';
      $('k-rating').textContent = stats.ratings ? stats.mean_rating.toFixed(2) + ' 分' : '—';
      bars($('by-status'), ['pending_dispatch', 'dispatched', 'accepted', 'resolved', 'closed', 'cancelled'].map(function (k) {
        return [BST.STATUS[k], count[k] || 0, k === 'pending_dispatch' ? 'amber' : k === 'resolved' || k === 'closed' ? 'green' : ''];
      }));
      var latest = BST.clear($('latest'));
      tickets.slice(0, 8).forEach(function (t) {
        var fresh = seen && !seen[t.ticket_no];
        latest.appendChild(el('li', { 'data-ticket': t.ticket_no, class: (fresh ? 'new-row ' : '') + (t.overdue ? 'overdue' : '') }, [
          el('strong', { text: t.ticket_no }), ' ', el('span', { class: 'tag', text: BST.STATUS[t.status] || t.status }),
          fresh ? el('span', { class: 'tag amber', text: '新' }) : null,
          el('div', { class: 'small', text: BST.time(t.created_at) + ' · ' + (BST.CATEGORY[t.category] || t.category) + ' · ' + (t.assignee ? t.assignee.name : '待派单') })]));
      });
      if (!tickets.length) latest.appendChild(el('li', { text: '暂无报修。' }));
      seen = {};
      tickets.forEach(function (t) { seen[t.ticket_no] = true; });
      var overdue = BST.clear($('overdue'));
      tickets.filter(function (t) { return t.overdue; }).forEach(function (t) {
        overdue.appendChild(el('li', { class: 'overdue' }, [el('strong', { text: t.ticket_no }), ' 应于 ' + BST.time(t.due_at) + ' 前修好 · ' +
          (t.assignee ? t.assignee.name + ' ' + t.assignee.phone : '待派单')]));
      });
      if (!overdue.firstChild) overdue.appendChild(el('li', { text: '没有超时工单。' }));
      var body = BST.clear($('workload').tBodies[0]);
      stats.outlets.forEach(function (o) {
        body.appendChild(el('tr', {}, [el('td', { text: o.name }), el('td', { text: o.assigned }), el('td', { text: o.open }),
          el('td', { text: o.resolved }), el('td', { text: o.ratings ? o.mean_rating.toFixed(1) + '（' + o.ratings + '条）' : '—' })]));
      });
      await map(tickets);
      $('updated').textContent = '更新于 ' + new Date().toLocaleTimeString('zh-CN', { hour12: false }) + '，每 ' + EVERY / 1000 + ' 秒自动刷新';
      if (Date.now() - trendsAt > 600000) { trendsAt = Date.now(); trends().catch(function () {}); }
      BST.say('');
    } catch (e) { BST.fail(e); }
  }

  document.addEventListener('DOMContentLoaded', async function () {
    if (!BST.requireSignIn()) return;
    await regions();
    $('region').addEventListener('change', function () { seen = null; trendsAt = 0; refresh(); });
    await refresh();
    setInterval(refresh, EVERY);
  });
})();
