/* app.js - the report page: inflates the embedded session data, fills the
 * header, switches views and keeps each view's options, saved in the
 * browser's storage so that they carry over to the next report. Every
 * name from the data reaches the page through textContent or canvas text,
 * never as markup; nothing is fetched. */

var KEY = 'pyi-tools.report', S, Q = '', views = {}, view = null, prec = 3, pagePrec = 3;

// Each view's options; the call tree's are pyinstrument's page's defaults.
function defaults() {
  var rm = {importlib: true, tbhide: true, pyi: true};
  function chart() { return Object.assign({collapse: 'off', hide: '', show: ''}, rm); }
  return {
    tree: Object.assign({style: 'page', collapse: 'lib', hide: '', show: '', agg: true, thr: 0.001}, rm),
    timeline: chart(), flame: chart(),
    top: Object.assign({thr: 0.001}, rm),
    pct: false, view: 'tree'
  };
}

// Saved options, each only where it has the type of its default.
function loadSettings() {
  var d = defaults(), got = loadSaved(KEY);
  if (!got || typeof got !== 'object') return d;
  Object.keys(d).forEach(function (v) {
    if (typeof d[v] !== 'object') {
      if (typeof got[v] === typeof d[v]) d[v] = got[v];
      return;
    }
    var g = got[v];
    if (!g || typeof g !== 'object') return;
    Object.keys(d[v]).forEach(function (k) { if (typeof g[k] === typeof d[v][k]) d[v][k] = g[k]; });
  });
  if (['tree', 'timeline', 'flame', 'top'].indexOf(d.view) < 0) d.view = 'tree';
  return d;
}

function store() {
  save(KEY, JSON.parse(JSON.stringify(S, function (k, v) { return v instanceof RegExp ? undefined : v; })));
}

/* ---- page -------------------------------------------------------------- */

function header() {
  var s = meta, facts = $('facts'), dur = +s.duration, cpu = +s.cpu_time;
  $('prog').textContent = s.target_description || 'Profile';
  doc.title = (s.target_description || 'Profile') + ' \u2013 profile';
  var when = new Date(s.start_time * 1000);
  [['Recorded', isNaN(when) ? '?' : when.toLocaleString()],
    ['Duration', (dur || 0).toFixed(3) + ' s'],
    ['Samples', String(s.sample_count)],
    ['CPU time', (cpu || 0).toFixed(3) + ' s'],
    ['CPU utilisation', dur > 0 && cpu >= 0 ? Math.round(100 * cpu / dur) + '%' : '?']].forEach(function (p) {
    var d = el('div', null, null, facts);
    el('dt', null, p[0], d);
    el('dd', null, p[1], d);
  });
  // the text report prints times to its largest sampling interval,
  // pyinstrument's page to its smallest (3 decimals when unknown)
  var mi = Math.min(Math.max(1e-9, +s.max_interval || 0), 1);
  prec = Math.ceil(-Math.log10(mi));
  pagePrec = Math.max(0, Math.ceil(-Math.log10(Math.abs(s.min_interval))));
  if (!isFinite(pagePrec) || pagePrec > 9) pagePrec = 3;
}

function show(name) {
  doc.body.dataset.view = name;
  doc.querySelectorAll('#tabs > button').forEach(function (b) {
    b.setAttribute('aria-selected', b.dataset.view === name);
  });
  Object.keys(views).forEach(function (k) { views[k].box.hidden = k !== name; });
  view = views[name];
  S.view = name;
  store();
  formFill();
  if (view.stale) { view.stale = false; view.refresh(); }
  view.show();
  try { history.replaceState(null, '', '#' + name); } catch (e) { /* some file:// pages refuse */ }
}

/* ---- options ----------------------------------------------------------- */

var CHECKS = {importlib: 'o-importlib', tbhide: 'o-tbhide', pyi: 'o-pyi', agg: 'o-agg'};

// The form shows the options of the current view.
function formFill() {
  var s = S[S.view];
  Object.keys(CHECKS).forEach(function (k) { if (k in s) $(CHECKS[k]).checked = s[k]; });
  if ('style' in s) $('o-style').value = s.style;
  if ('collapse' in s) {
    $('o-collapse').value = s.collapse;
    $('opts').dataset.collapse = s.collapse;
    $('o-hide').value = s.hide;
    $('o-show').value = s.show;
    s.hideRe = userRegex($('o-hide'), s.hide);
    s.showRe = userRegex($('o-show'), s.show);
  }
  if ('thr' in s) $('o-thr').value = +(s.thr * 100).toPrecision(6);
  $('o-time').value = S.pct ? 'p' : 's';
}

// Options changed: save them and redo the view.
function changed() {
  store();
  view.refresh();
}

function wire() {
  Object.keys(CHECKS).forEach(function (k) {
    $(CHECKS[k]).addEventListener('change', function (e) { S[S.view][k] = e.target.checked; changed(); });
  });
  $('o-style').addEventListener('change', function (e) {
    var s = S.tree, thr = {page: 0.001, text: 0.01};
    // each style starts from its own threshold unless one was chosen
    if (s.thr === thr[s.style]) s.thr = thr[e.target.value];
    s.style = e.target.value;
    formFill();
    changed();
  });
  $('o-collapse').addEventListener('change', function (e) {
    S[S.view].collapse = e.target.value;
    formFill();
    changed();
  });
  ['hide', 'show'].forEach(function (k) {
    var t;
    $('o-' + k).addEventListener('input', function (e) {
      clearTimeout(t);
      t = setTimeout(function () {
        var s = S[S.view];
        s[k] = e.target.value;
        s[k + 'Re'] = userRegex(e.target, s[k]);
        changed();
      }, 300);
    });
  });
  $('o-thr').addEventListener('change', function (e) {
    var v = parseFloat(e.target.value), s = S[S.view];
    s.thr = isFinite(v) && v >= 0 ? Math.min(v, 100) / 100 : defaults()[S.view].thr;
    formFill();
    changed();
  });
  $('o-time').addEventListener('change', function (e) {
    S.pct = e.target.value === 'p';
    store();
    views.tree.layout();
    if (views.top.fns) views.top.paint();
  });
  $('b-reset').addEventListener('click', function () {
    save(KEY, null);
    var v = S.view;
    S = defaults();
    S.view = v;
    Object.keys(views).forEach(function (k) { views[k].stale = k !== v; });
    formFill();
    view.refresh();
  });
  var qt;
  $('o-q').addEventListener('input', function (e) {
    clearTimeout(qt);
    qt = setTimeout(function () {
      Q = e.target.value.trim().toLowerCase();
      views.tree.search();
      if (views.top.fns) views.top.paint();
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
    if (view.legendFill) view.legendFill();
    if (view.draw) view.draw();
    else { view.painted = null; view.paint(); }
  }
  window.addEventListener('resize', redraw);
  // the charts take their colours from the stylesheet when they draw
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
  window.addEventListener('hashchange', function () {
    var v = location.hash.slice(1);
    if (views[v] && views[v] !== view) show(v);
  });
}

async function start() {
  var main = $('main');
  try {
    if (typeof DecompressionStream === 'undefined') throw new Error('this browser lacks DecompressionStream; use a current Chrome, Firefox or Safari');
    data = await inflate($('pyi-data').textContent);
    meta = data.session || {};
  } catch (err) {
    $('msg').textContent = 'Cannot read the profile data: ' + err.message;
    return;
  }
  main.textContent = '';
  S = loadSettings();
  header();
  views.tree = new TreeView(main);
  views.timeline = new FrameChart(main, 'timeline');
  views.flame = new FrameChart(main, 'flame');
  views.top = new TopView(main);
  Object.keys(views).forEach(function (k) { views[k].stale = true; });
  wire();
  var first = location.hash.slice(1);
  show(views[first] ? first : S.view);
  doc.body.dataset.ready = '1';
}

// Read by the browser test and handy in the console: the options, and a
// chart's boxes as drawn (depth, frame, place, library, colour).
window.pyiReport = {
  settings: function () { return S; }, views: views, data: function () { return data; },
  boxes: function (v) {
    var c = views[v];
    return c.chart.list.map(function (b) {
      return {d: b.d, t: b.t, w: b.w, id: b.f.i.id, name: name(b.f), pos: position(b.f), time: b.f.time.toFixed(prec),
        group: b.g ? b.g.frames.length - 1 : 0, open: b.open, lib: lib(b.f), app: isApp(b.f), fill: c.fill(b)};
    });
  }
};
start();
