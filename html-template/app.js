/* app.js - the page: inflates the embedded session data, fills the header,
 * switches views and wires the options. Every name from the data reaches the
 * page through textContent or canvas text, never as markup; nothing is
 * fetched. */

/* ---- page -------------------------------------------------------------- */

function header() {
  var s = meta, facts = $('facts');
  $('prog').textContent = s.target_description || 'Profile';
  doc.title = (s.target_description || 'Profile') + ' \u2013 profile';
  var when = new Date(s.start_time * 1000);
  [['Recorded', isNaN(when) ? '?' : when.toLocaleString()],
    ['Duration', (+s.duration).toFixed(3) + ' s'],
    ['Samples', String(s.sample_count)],
    ['CPU time', (+s.cpu_time || 0).toFixed(3) + ' s']].forEach(function (p) {
    var d = el('div', null, null, facts);
    el('dt', null, p[0], d);
    el('dd', null, p[1], d);
  });
  var mi = Math.min(Math.max(1e-9, +s.max_interval || 0), 1);
  prec = Math.ceil(-Math.log10(mi));
}

function show(name) {
  doc.body.dataset.view = name;
  doc.querySelectorAll('#tabs > button').forEach(function (b) {
    b.setAttribute('aria-selected', b.dataset.view === name);
  });
  Object.keys(views).forEach(function (k) { views[k].box.hidden = k !== name; });
  view = views[name];
  if (view.stale) { view.stale = false; view.refresh(); }
  view.show();
  try { history.replaceState(null, '', '#' + name); } catch (e) { /* some file:// pages refuse */ }
}

// Options changed: redo the current view now, the others when shown.
function changed() {
  Object.keys(views).forEach(function (k) { views[k].stale = true; });
  view.stale = false;
  view.refresh();
}

function wire() {
  function box(id, k) {
    $(id).addEventListener('change', function (e) { opts[k] = e.target.checked; changed(); });
  }
  box('o-group', 'group'); box('o-importlib', 'importlib'); box('o-tbhide', 'tbhide'); box('o-agg', 'agg');
  $('o-thr').addEventListener('change', function (e) {
    var v = parseFloat(e.target.value);
    opts.thr = isFinite(v) && v >= 0 ? v / 100 : 0.01;
    changed();
  });
  $('o-time').addEventListener('change', function (e) {
    opts.pct = e.target.value === 'p';
    views.tree.layout();
    if (views.top.fns) views.top.paint();
  });
  var qt;
  $('o-q').addEventListener('input', function (e) {
    clearTimeout(qt);
    qt = setTimeout(function () {
      opts.q = e.target.value.trim().toLowerCase();
      views.tree.search();
      views.top.stale = true;
      if (view === views.top) views.top.paint();
      if (view.draw) view.draw();
    }, 120);
  });
  $('o-q').addEventListener('keydown', function (e) {
    if (e.key !== 'Enter') return;
    if (view !== views.tree) show('tree');
    views.tree.next(e.shiftKey ? -1 : 1);
  });
  $('b-exp').addEventListener('click', function () { views.tree.setAll(true); });
  $('b-col').addEventListener('click', function () { views.tree.setAll(false); });
  $('b-zin').addEventListener('click', function () { view.zoom && view.zoom(0.5); });
  $('b-zout').addEventListener('click', function () { view.zoom && view.zoom(2); });
  $('b-zr').addEventListener('click', function () { view.reset && view.reset(); });
  doc.querySelectorAll('#tabs > button').forEach(function (b) {
    b.addEventListener('click', function () { show(b.dataset.view); });
  });
  doc.addEventListener('keydown', function (e) {
    var typing = /^(INPUT|SELECT)$/.test(e.target.tagName);
    if (e.key === '/' && !typing) { e.preventDefault(); $('o-q').focus(); }
    if (typing || !view.zoom) return;
    if (e.key === '+' || e.key === '=') view.zoom(0.5);
    else if (e.key === '-') view.zoom(2);
    else if (e.key === '0') view.reset();
  });
  function redraw() {
    if (view.draw) view.draw();
    else if (view.paint && view.root !== undefined) { view.painted = null; view.paint(); }
  }
  window.addEventListener('resize', redraw);
  // the charts take their colours from the stylesheet when they draw
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
  window.addEventListener('hashchange', function () {
    var v = location.hash.slice(1);
    if (views[v] && views[v] !== view) show(v);
  });
}

async function inflate(b64) {
  var bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (var k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return JSON.parse(await new Response(stream).text());
}

async function start() {
  var main = $('main');
  try {
    if (typeof DecompressionStream === 'undefined') throw new Error('this browser lacks DecompressionStream; use a current Chrome, Firefox or Safari');
    data = await inflate($('pyi-data').textContent.replace(/\s+/g, ''));
    meta = data.session || {};
  } catch (err) {
    $('msg').textContent = 'Cannot read the profile data: ' + err.message;
    return;
  }
  main.textContent = '';
  header();
  views.tree = new TreeView(main);
  views.timeline = new Chart(main, 'timeline');
  views.flame = new Chart(main, 'flame');
  views.top = new TopView(main);
  Object.keys(views).forEach(function (k) { views[k].stale = true; });
  wire();
  var first = location.hash.slice(1);
  show(views[first] ? first : 'tree');
  doc.body.dataset.ready = '1';
}

// Read by the browser test and handy in the console: the inputs as parsed.
window.pyiReport = {opts: opts, views: views, data: function () { return data; }};
start();
