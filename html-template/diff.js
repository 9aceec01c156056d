/* diff.js - pyi-diff's HTML page: the totals, the call paths whose self
 * time grew or shrank the most, the diff tree as a table whose number
 * columns stay put however deep a path goes, and a differential flame
 * graph (width: new time; colour: red slower, blue faster). Threshold and
 * search are the page's own. Names reach the page only as text. */

var D, N = [], Q = '', thr = 0, view = null, tree, flame;

/* ---- model --------------------------------------------------------------- */

// Nodes from the data, parents first: totals, self times, and the
// largest change in each subtree (a backward pass sees children first).
function model() {
  D.nodes.forEach(function (a, i) {
    var p = a[0] >= 0 && a[0] < i ? N[a[0]] : i ? N[0] : null;
    var x = {i: i, parent: p, name: String(a[1]), loc: String(a[2]), v: [+a[3] || 0, +a[4] || 0],
      st: a[5], app: a[6] === 1, kids: [], d: p ? p.d + 1 : -1, sub: 0, open: true};
    x.delta = x.v[1] - x.v[0];
    x.self = x.v.slice();
    if (p) { p.kids.push(x); p.self[0] -= x.v[0]; p.self[1] -= x.v[1]; }
    x.lo = x.name.toLowerCase() + '\n' + x.loc.toLowerCase();
    N.push(x);
  });
  for (var i = N.length - 1; i >= 0; i--) {
    var x = N[i];
    x.sub = Math.max(x.sub, Math.abs(x.delta));
    if (x.parent) x.parent.sub = Math.max(x.parent.sub, x.sub);
  }
}

// pyi-diff's rule: a change counts from the threshold (a share of the
// larger total) up; smaller than a billionth of it is float noise.
function scale() { return D.normalize ? 1 : Math.max(D.base.total, D.new.total) || 0; }
function counts(c) { var s = scale(); return c !== 0 && Math.abs(c) >= Math.max(thr / 100 * s, 1e-9 * s); }
function shown(x) { return !x.parent || thr <= 0 || counts(x.sub); }

function val(v) { return D.normalize ? (100 * v).toFixed(1) + '%' : v.toFixed(D.precision); }

function dval(v) {
  var p = D.normalize ? 1 : D.precision, k = D.normalize ? 100 : 1;
  if (Math.abs(v * k) < 0.5 * Math.pow(10, -p)) return (0).toFixed(p);
  return (v > 0 ? '+' : '') + (v * k).toFixed(p);
}

function pct(x) {
  if (x.v[0] === 0) return x.v[1] === 0 ? '0.0%' : 'new';
  var p = x.delta / x.v[0] * 100;
  return Math.abs(p) < 0.05 ? '0.0%' : (p > 0 ? '+' : '') + p.toFixed(1) + '%';
}

var UNIT = function () { return D.normalize ? ' pts' : ' s'; };

function path(x) {
  var names = [];
  for (; x.parent; x = x.parent) names.push(x.name);
  return names.reverse().join(' \u203a ');
}

function hit(x) { return !!Q && x.lo.indexOf(Q) >= 0; }

/* ---- header and lists ---------------------------------------------------- */

function header() {
  var facts = $('facts'), r = N[0];
  $('prog').textContent = 'Profile diff: ' + D.base.name + ' \u2192 ' + D.new.name;
  doc.title = 'Profile diff \u2013 ' + D.new.name;
  [['base', D.base], ['new', D.new]].forEach(function (p) {
    var d = el('div', null, null, facts), when = new Date(p[1].start_time * 1000);
    el('dt', null, p[0] === 'base' ? 'Base' : 'New', d);
    el('dd', null, p[1].name + ', ' + (isNaN(when) ? '?' : when.toLocaleString()) + ', ' +
      p[1].sample_count + ' samples, ' + (+p[1].duration || 0).toFixed(3) + ' s', d);
  });
  var d = el('div', null, null, facts);
  el('dt', null, 'Total', d);
  var dd = el('dd', null, (+D.base.total || 0).toFixed(D.precision) + ' \u2192 ' + (+D.new.total || 0).toFixed(D.precision) + ' s ', d);
  if (D.normalize) dd.appendChild(doc.createTextNode('(times below are shares of each total)'));
  else el('b', r.delta > 0 ? 'slow' : r.delta < 0 ? 'fast' : null, dval(r.delta) + ' s (' + pct(r) + ')', dd);
}

// The call paths whose self time changed most, side by side.
function lists() {
  var sum = $('sum');
  sum.textContent = '';
  [true, false].forEach(function (slower) {
    var sec = el('div', 'list', null, sum), all = [];
    el('h2', null, slower ? 'Slower (self time)' : 'Faster (self time)', sec);
    N.forEach(function (x) {
      var s = x.self[1] - x.self[0];
      if (x.parent && counts(s) && (slower ? s > 0 : s < 0)) all.push(x);
    });
    all.sort(function (a, b) {
      var c = (b.self[1] - b.self[0]) - (a.self[1] - a.self[0]);
      return (slower ? c : -c) || a.i - b.i;
    });
    if (!all.length) el('p', 'note', 'Nothing above the threshold.', sec);
    var ol = el('ol', null, null, sec);
    all.slice(0, D.top).forEach(function (x) {
      var li = el('li', null, null, ol);
      li.dataset.i = x.i;
      li.title = path(x);
      el('b', slower ? 'slow' : 'fast', dval(x.self[1] - x.self[0]) + UNIT(), li);
      el('span', 'nm' + (x.app ? ' app' : ''), x.name, li);
      el('span', 'pos', x.loc, li);
    });
  });
}

/* ---- the tree as a table ------------------------------------------------- */

var RH = 22, IND = 18;

function DiffTree(main) {
  var self = this;
  // the column headings stick to the top of the scrolled list
  this.box = this.list = el('div', 'tree dtree', null, main);
  this.head = el('div', 'dh', null, this.box);
  ['Base', 'New', 'Change', '%'].forEach(function (h) { el('span', 'n', h, self.head); });
  el('span', 'cp', 'Call path', this.head);
  this.list.tabIndex = 0;
  this.list.setAttribute('role', 'tree');
  this.sizer = el('div', 'sizer', null, this.list);
  this.sel = 0;
  this.list.addEventListener('scroll', function () { self.paint(); });
  this.list.addEventListener('click', function (e) {
    var row = e.target.closest('.row');
    if (!row || e.detail > 1 || String(window.getSelection())) return;
    self.select(+row.dataset.i);
    self.toggle(+row.dataset.i, undefined, e.altKey);
  });
  this.list.addEventListener('keydown', function (e) { self.key(e); });
}

// Rows: the shown nodes below the totals, depth first, open ones' children.
DiffTree.prototype.refresh = function () {
  var rows = this.rows = [], st = N[0].kids.slice().reverse(), max = 0, wide = 4;
  while (st.length) {
    var x = st.pop();
    if (!shown(x)) continue;
    rows.push(x);
    x.leaf = !x.kids.some(shown);
    if (!x.open || x.leaf) continue;
    for (var k = x.kids.length - 1; k >= 0; k--) st.push(x.kids[k]);
  }
  this.hits = Q ? N.filter(function (x) { return x.parent && shown(x) && hit(x); }) : [];
  this.hit = -1;
  rows.forEach(function (x) {
    if (counts(x.delta)) max = Math.max(max, Math.abs(x.delta));
    wide = Math.max(wide, val(x.v[0]).length, val(x.v[1]).length, dval(x.delta).length);
  });
  this.max = max;
  // the number columns fit the widest number; names are indented after them
  this.box.style.setProperty('--nw', wide + 2 + 'ch');
  this.sizer.style.height = rows.length * RH + 'px';
  this.sizer.style.width = rows.reduce(function (m, x) { return Math.max(m, x.d); }, 0) * IND + 900 + 'px';
  this.sel = Math.min(this.sel, Math.max(0, rows.length - 1));
  this.painted = null;
  this.paint();
  $('o-n').textContent = Q ? this.hits.length + (this.hits.length === 1 ? ' match' : ' matches') : '';
};

DiffTree.prototype.paint = function () {
  var b = this.list, from = Math.max(0, Math.floor(b.scrollTop / RH) - 11);
  var to = Math.min(this.rows.length, Math.ceil((b.scrollTop + b.clientHeight) / RH) + 10);
  var key = from + ':' + to + ':' + this.sel;
  if (this.painted === key) return;
  this.painted = key;
  this.sizer.textContent = '';
  if (!this.rows.length) el('p', 'note', 'No call path changed by the threshold or more.', this.sizer).id = 'msg';
  for (var i = from; i < to; i++) this.sizer.appendChild(this.rowEl(this.rows[i], i));
};

DiffTree.prototype.rowEl = function (x, i) {
  var e = el('div', 'row' + (i === this.sel ? ' sel' : '')), c = counts(x.delta);
  e.style.top = i * RH + 'px';
  e.dataset.i = i;
  e.setAttribute('role', 'treeitem');
  if (!x.leaf) e.setAttribute('aria-expanded', x.open);
  if (c && this.max) {
    e.style.background = 'rgba(' + cssVar(x.delta > 0 ? '--slow' : '--fast') + ',' +
      (0.06 + 0.3 * Math.abs(x.delta) / this.max).toFixed(3) + ')';
  }
  el('span', 'n', val(x.v[0]), e);
  el('span', 'n', val(x.v[1]), e);
  el('span', 'n' + (c ? x.delta > 0 ? ' slow' : ' fast' : ''), dval(x.delta), e);
  el('span', 'n', pct(x), e);
  el('span', 'ind', null, e).style.width = x.d * IND + 'px';
  el('span', 'tg', x.leaf ? '' : x.open ? '\u25be' : '\u25b8', e);
  hl(el('span', 'nm' + (x.app ? ' app' : ''), null, e), x.name, Q);
  if (x.loc) hl(el('span', 'pos', null, e), x.loc, Q);
  if (x.st) el('span', 'tag ' + (x.st === 1 ? 'slow' : 'fast'), x.st === 1 ? 'added' : 'removed', e);
  e.title = path(x) + '\nself ' + val(x.self[0]) + ' \u2192 ' + val(x.self[1]);
  return e;
};

DiffTree.prototype.select = function (i) {
  if (i < 0 || i >= this.rows.length) return;
  this.sel = i;
  var b = this.list, top = i * RH;
  if (top < b.scrollTop) b.scrollTop = top;
  else if (top + 2 * RH > b.scrollTop + b.clientHeight) b.scrollTop = top + 2 * RH - b.clientHeight;
  this.painted = null;
  this.paint();
};

DiffTree.prototype.toggle = function (i, want, deep) {
  var x = this.rows[i];
  if (!x || x.leaf) return;
  if (want === undefined) want = !x.open;
  var st = [x];
  while (st.length) {
    var y = st.pop();
    y.open = want;
    if (deep) st.push.apply(st, y.kids);
  }
  this.refresh();
};

DiffTree.prototype.key = function (e) {
  var i = this.sel, x = this.rows[i];
  if (!x) return;
  switch (e.key) {
    case 'ArrowDown': case 'j': this.select(i + 1); break;
    case 'ArrowUp': case 'k': this.select(i - 1); break;
    case 'Home': this.select(0); break;
    case 'End': this.select(this.rows.length - 1); break;
    case 'ArrowRight': case 'l': if (!x.leaf && !x.open) this.toggle(i, true, e.altKey); else this.select(i + 1); break;
    case 'ArrowLeft': case 'h':
      if (!x.leaf && x.open) this.toggle(i, false, e.altKey);
      else if (x.parent !== N[0]) this.select(this.rows.indexOf(x.parent));
      break;
    case 'Enter': case ' ': this.toggle(i, undefined, e.altKey); break;
    case 'n': this.next(e.shiftKey ? -1 : 1); break;
    default: return;
  }
  e.preventDefault();
};

// Opens the way to node x and selects its row.
DiffTree.prototype.reveal = function (x) {
  for (var a = x.parent; a; a = a.parent) a.open = true;
  this.refresh();
  var i = this.rows.indexOf(x);
  if (i >= 0) this.select(i);
};

DiffTree.prototype.next = function (dir) {
  if (!this.hits.length) return;
  var h = (this.hit + dir + this.hits.length) % this.hits.length, x = this.hits[h];
  this.reveal(x);
  this.hit = h;
};

DiffTree.prototype.show = function () { this.list.focus({preventScroll: true}); this.painted = null; this.paint(); };

/* ---- differential flame graph ------------------------------------------- */

// Boxes as wide as the new time, the widest child first; removed paths
// take no room.
var diffFlame = {
  layout: function () {
    var rows = [], list = [], st = [N[0], 0, 0];
    while (st.length) {
      var d = st.pop(), t = st.pop(), x = st.pop();
      if (!(x.v[1] > 0)) continue;
      var b = {t: t, w: x.v[1], x: x};
      (rows[d] || (rows[d] = [])).push(b);
      list.push(b);
      var at = t, next = [];
      x.kids.slice().sort(function (a, c) { return c.v[1] - a.v[1]; }).forEach(function (c) {
        next.push(c, at, d + 1);
        at += c.v[1] > 0 ? c.v[1] : 0;
      });
      for (var k = next.length - 3; k >= 0; k -= 3) st.push(next[k], next[k + 1], next[k + 2]);
    }
    // each depth in time order, for the chart's searches
    rows.forEach(function (r) { r.sort(function (a, c) { return a.t - c.t; }); });
    this.max = N.reduce(function (m, x) { return x.parent && counts(x.delta) ? Math.max(m, Math.abs(x.delta)) : m; }, 0);
    return {rows: rows, list: list, total: N[0].v[1]};
  },
  fill: function (b) {
    var x = b.x;
    if (!counts(x.delta) || !this.max) return 'rgba(' + cssVar('--same') + ')';
    return 'rgba(' + cssVar(x.delta > 0 ? '--slow' : '--fast') + ',' +
      (0.3 + 0.7 * Math.sqrt(Math.abs(x.delta) / this.max)).toFixed(3) + ')';
  },
  label: function (b) { return b.x.parent ? b.x.name : 'total'; },
  dim: function (b) { return Q && !hit(b.x); },
  tip: function (b, tip) {
    var x = b.x;
    el('b', null, x.parent ? x.name : 'total', tip);
    if (x.loc) el('span', null, x.loc, tip);
    el('span', null, 'base ' + val(x.v[0]) + ', new ' + val(x.v[1]) + (D.normalize ? '' : ' s'), tip);
    el('span', null, 'change ' + dval(x.delta) + UNIT() + ' (' + pct(x) + ')' +
      (x.st ? ', ' + (x.st === 1 ? 'added' : 'removed') : ''), tip);
    el('span', null, 'self ' + val(x.self[0]) + ' \u2192 ' + val(x.self[1]), tip);
  },
  empty: 'Nothing ran in the new session.'
};

/* ---- page ---------------------------------------------------------------- */

function show(name) {
  doc.body.dataset.view = name;
  doc.querySelectorAll('#tabs > button').forEach(function (b) { b.setAttribute('aria-selected', b.dataset.view === name); });
  tree.box.hidden = name !== 'tree';
  flame.box.hidden = name !== 'flame';
  view = name === 'tree' ? tree : flame;
  view.show();
}

function apply() {
  lists();
  tree.refresh();
  flame.refresh(true);
  var n = N.filter(function (x) { return x.parent && !shown(x) && Math.abs(x.delta) > 1e-9 * scale(); }).length;
  $('o-hid').textContent = n ? n + ' smaller change' + (n === 1 ? '' : 's') + ' left out' : '';
}

function wire() {
  $('o-thr').value = thr;
  $('o-thr').addEventListener('change', function (e) {
    var v = parseFloat(e.target.value);
    thr = isFinite(v) && v >= 0 ? Math.min(v, 100) : +D.threshold || 0;
    e.target.value = thr;
    apply();
  });
  var qt;
  $('o-q').addEventListener('input', function (e) {
    clearTimeout(qt);
    qt = setTimeout(function () {
      Q = e.target.value.trim().toLowerCase();
      tree.refresh();
      flame.draw();
    }, 120);
  });
  $('o-q').addEventListener('keydown', function (e) {
    if (e.key !== 'Enter') return;
    if (view !== tree) show('tree');
    tree.next(e.shiftKey ? -1 : 1);
  });
  $('sum').addEventListener('click', function (e) {
    var li = e.target.closest('li');
    if (!li) return;
    show('tree');
    tree.reveal(N[+li.dataset.i]);
  });
  $('b-exp').addEventListener('click', function () { N.forEach(function (x) { x.open = true; }); tree.refresh(); });
  $('b-col').addEventListener('click', function () { N.forEach(function (x) { x.open = !x.parent; }); tree.refresh(); });
  $('b-zr').addEventListener('click', function () { flame.reset(); });
  doc.querySelectorAll('#tabs > button').forEach(function (b) {
    b.addEventListener('click', function () { show(b.dataset.view); });
  });
  doc.addEventListener('keydown', function (e) {
    var typing = /^(INPUT|SELECT)$/.test(e.target.tagName);
    if (e.key === '/' && !typing) { e.preventDefault(); $('o-q').focus(); }
    if (!typing && view === flame && e.key === '0') flame.reset();
  });
  function redraw() { tree.refresh(); flame.draw(); }
  window.addEventListener('resize', redraw);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
}

async function start() {
  try {
    if (typeof DecompressionStream === 'undefined') throw new Error('this browser lacks DecompressionStream; use a current Chrome, Firefox or Safari');
    D = await inflate($('pyi-data').textContent);
    if (!Array.isArray(D.nodes) || !D.nodes.length) throw new Error('no diff tree');
    model();
  } catch (err) {
    $('msg').textContent = 'Cannot read the diff data: ' + err.message;
    return;
  }
  var main = $('main');
  main.textContent = '';
  thr = +D.threshold || 0;
  header();
  tree = new DiffTree(main);
  flame = new Chart(main, 'flame', diffFlame);
  wire();
  apply();
  show(location.hash === '#flame' ? 'flame' : 'tree');
  doc.body.dataset.ready = '1';
}

// Read by the browser test and handy in the console.
window.pyiDiff = {nodes: N, tree: function () { return tree; }, flame: function () { return flame; }};
start();
