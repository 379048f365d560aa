/**
 * The page's one script, inlined and allowed by its hash. It builds every element with `textContent` (never
 * `innerHTML` from data), listens to one EventSource and asks the server only for a search.
 */
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var base = document.documentElement.getAttribute('data-base') || '/';
  if (location.search.indexOf('once=') >= 0) history.replaceState(null, '', location.pathname);
  var IMAGE_FAMILIES = { 'gpt4o-image': 1, 'flux-kontext': 1, mj: 1 };
  var $ = function (sel) { return document.querySelector(sel); };
  var last = null;
  var query = '';
  var searchedAt = 0;
  var searching = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmtNum(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : '-'; }
  function ago(t, now) {
    if (t === null || t === undefined) return '-';
    var s = Math.round((now - t) / 1000);
    if (s < 0) return 'in ' + dur(-s);
    return dur(s) + ' ago';
  }
  function dur(s) {
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    return Math.floor(s / 3600) + ' h';
  }
  function setMetric(name, v) {
    var e = document.querySelector('[data-metric="' + name + '"]');
    if (e) e.textContent = fmtNum(v);
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function row(cells) {
    var tr = el('tr');
    cells.forEach(function (c) { tr.appendChild(c instanceof Node ? c : el('td', null, c)); });
    return tr;
  }
  function td(child, cls) { var c = el('td', cls); c.appendChild(child); return c; }

  function chart(svg, values, label) {
    var NS = 'http://www.w3.org/2000/svg';
    clear(svg);
    var w = 300, h = 70, max = Math.max.apply(null, values.concat([1]));
    var pts = values.map(function (v, i) {
      return (i * w / Math.max(1, values.length - 1)).toFixed(1) + ',' + (h - 12 - (v / max) * (h - 20)).toFixed(1);
    });
    var line = document.createElementNS(NS, 'polyline');
    line.setAttribute('points', pts.join(' '));
    svg.appendChild(line);
    var t = document.createElementNS(NS, 'text');
    t.setAttribute('x', '2'); t.setAttribute('y', '10');
    t.textContent = label + ' (max ' + fmtNum(max) + ')';
    svg.appendChild(t);
    var t2 = document.createElementNS(NS, 'text');
    t2.setAttribute('x', '2'); t2.setAttribute('y', String(h - 1));
    t2.textContent = '15 min ago';
    svg.appendChild(t2);
  }

  function progressBar(p) {
    var b = el('span', 'bar');
    var i = el('i');
    i.style.width = Math.round((p || 0) * 100) + '%';
    b.appendChild(i);
    b.title = p === null ? 'no progress reported' : Math.round(p * 100) + '%';
    return b;
  }

  function renderTasks(tasks, now) {
    var body = $('[data-tasks]');
    clear(body);
    if (tasks.length === 0) {
      var empty = el('tr'); var c = el('td', 'muted', query ? 'no task matches ' + query : 'nothing pending');
      c.colSpan = 8; empty.appendChild(c); body.appendChild(empty);
      return;
    }
    tasks.forEach(function (t) {
      var tr = row([el('td', 'id', t.taskId), t.family, t.state, td(progressBar(t.progress)), ago(t.lastPollAt, now),
        t.nextDueAt === null ? '-' : ago(t.nextDueAt, now), t.owner || '-', t.retries + (t.lastReason ? ' (' + t.lastReason + ')' : '')]);
      tr.setAttribute('data-task-id', t.taskId);
      body.appendChild(tr);
    });
  }

  function renderRecent(recent, now) {
    var box = $('[data-recent]');
    var fails = $('[data-failures]');
    clear(box); clear(fails);
    recent.forEach(function (r) {
      if (r.outcome === 'completed') {
        var card = el('div', 'result');
        card.setAttribute('data-result', r.taskId);
        var url = r.resultUrls[0];
        var isImage = url && (IMAGE_FAMILIES[r.family] || /\\.(png|jpe?g|webp|gif)(\\?|$)/i.test(url));
        if (isImage) {
          var img = el('img');
          img.alt = r.taskId;
          img.loading = 'lazy';
          img.referrerPolicy = 'no-referrer';
          img.addEventListener('error', function () { img.replaceWith(el('div', 'ph', 'image unavailable')); });
          img.src = url;
          card.appendChild(img);
        } else {
          card.appendChild(el('div', 'ph', r.family));
        }
        var id = el('div', 'id', r.taskId);
        id.title = r.taskId;
        card.appendChild(id);
        card.appendChild(el('div', 'muted', r.family + ', ' + ago(r.at, now)));
        box.appendChild(card);
      } else {
        var tr = row([el('td', 'id', r.taskId), r.family, r.errorCode || '-', el('td', 'reason', r.reason || ''), ago(r.at, now)]);
        tr.className = 'fail';
        fails.appendChild(tr);
      }
    });
    if (!box.firstChild) box.appendChild(el('span', 'muted', 'no result yet'));
    if (!fails.firstChild) { var e = el('tr'); var c = el('td', 'muted', 'no failure'); c.colSpan = 5; e.appendChild(c); fails.appendChild(e); }
  }

  function render(s) {
    last = s;
    var now = s.at;
    setMetric('pending', s.pending);
    setMetric('inFlight', s.inFlight);
    setMetric('pollsPerSecond', s.pollsPerSecond);
    setMetric('rateLimited', s.rateLimited);
    setMetric('rateLimited15m', s.rateLimited15m);
    setMetric('completed', s.settled.completed);
    setMetric('failed', s.settled.failed);
    setMetric('timeout', s.settled.timeout);
    $('[data-card="rateLimited"]').classList.toggle('bad', s.rateLimited > 0);
    chart($('#polls-chart'), s.series.polls, 'polls/s');
    chart($('#limited-chart'), s.series.rateLimited, '429s per 10 s');

    var fam = $('[data-breakdown]');
    clear(fam);
    var counts = s.breakdown ? s.breakdown.counts : {};
    Object.keys(counts).sort().forEach(function (f) {
      var states = counts[f];
      var total = Object.keys(states).reduce(function (a, k) { return a + states[k]; }, 0);
      var parts = Object.keys(states).sort().map(function (k) { return k + ' ' + fmtNum(states[k]); }).join(', ');
      fam.appendChild(row([f, fmtNum(total), el('td', 'muted', parts)]));
    });
    if (!fam.firstChild) { var e = el('tr'); var c = el('td', 'muted', s.breakdown ? 'nothing pending' : 'counting...'); c.colSpan = 3; e.appendChild(c); fam.appendChild(e); }
    $('#breakdown-at').textContent = s.breakdown ? 'as of ' + ago(s.breakdown.at, now) : '';

    var acc = $('[data-accounts]');
    clear(acc);
    s.accounts.forEach(function (a) {
      acc.appendChild(row([el('td', 'id', a.account), fmtNum(a.pending), a.pausedMs > 0 ? 'paused ' + Math.ceil(a.pausedMs / 1000) + ' s' : 'no',
        a.budget ? a.budget.inUse + ' of ' + a.budget.burst + ' (' + a.budget.requestsPerSecond + '/s)' : 'none']));
    });

    var procs = $('[data-processes]');
    clear(procs);
    s.processes.forEach(function (p) {
      var st = el('span', p.alive ? 'pill' : 'pill gone', p.alive ? 'live' : 'gone');
      procs.appendChild(row([el('td', 'id', p.name), fmtNum(p.tasksHeld), p.capacity === null ? '-' : fmtNum(p.capacity), fmtNum(p.polls), fmtNum(p.rateLimited), ago(p.lastSeen, now), td(st)]));
    });
    if (!procs.firstChild) { var e2 = el('tr'); var c2 = el('td', 'muted', 'no process has reported'); c2.colSpan = 7; e2.appendChild(c2); procs.appendChild(e2); }

    if (!query) renderTasks(s.tasks, now);
    else if (!searching && Date.now() - searchedAt > 2000) search();
    renderRecent(s.recent, now);
    var status = $('#status');
    status.className = 'live';
    status.textContent = 'live, ' + s.source + ', updated ' + new Date(now).toLocaleTimeString();
  }

  function search() {
    if (!query) { if (last) renderTasks(last.tasks, last.at); return; }
    searching = true;
    var q = query;
    fetch(base + 'api/tasks?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (body) { if (q === query) renderTasks(body.tasks, last ? last.at : Date.now()); })
      .catch(function (e) { $('#status').textContent = 'search failed: ' + e.message; })
      .then(function () { searching = false; searchedAt = Date.now(); });
  }

  var timer = 0;
  $('[data-search]').addEventListener('input', function (ev) {
    query = ev.target.value.trim();
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });

  var es = new EventSource(base + 'api/events');
  es.onmessage = function (ev) { render(JSON.parse(ev.data)); };
  es.addEventListener('problem', function (ev) {
    var s = $('#status'); s.className = 'down'; s.textContent = 'cannot read the fleet: ' + JSON.parse(ev.data).message;
  });
  es.onerror = function () { var s = $('#status'); s.className = 'down'; s.textContent = 'disconnected, retrying...'; };
})();
`;
