/* frames.js - the report's data model: frame identifiers, short paths and
 * application code (as pyinstrument decides them), the frame tree built
 * from the embedded data, and the text report's processors in its order.
 * embed.sh wraps frames.js, tree.js, charts.js and app.js, in that order,
 * in one function: they share its scope. Walks over the tree use explicit
 * stacks, as Python stacks can be deeper than the JS call stack. */

var doc = document, $ = function (id) { return doc.getElementById(id); };
var data, meta, infos = new Map(), shortCache = new Map();
var opts = {group: true, importlib: true, tbhide: true, agg: true, thr: 0.01, pct: false, q: ''};
var views = {}, view = null, prec = 3;

function el(tag, cls, text, parent) {
  var e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

/* ---- frame identifiers ------------------------------------------------ */

var SYNTH = {'[self]': 1, '[await]': 1, '[out-of-context]': 1, '[root]': 1};

// One Info per distinct identifier "function\0file\0line"; frames share it.
function info(id) {
  var i = infos.get(id);
  if (i) return i;
  var p = id.split('\0'), file = p.length > 1 ? p[1] : null;
  var line = p.length > 2 && /^\s*[-+]?\d+\s*$/.test(p[2]) ? +p[2] : null;
  i = {id: id, n: infos.size, fn: p[0], file: file, line: line, syn: SYNTH[id] === 1,
    importlib: file != null && file.indexOf('<frozen importlib._bootstrap') >= 0};
  i.short = file ? shorten(file) : null;
  i.app = appCode(i);
  infos.set(id, i);
  return i;
}

// Path components with '.', '..' and empty pieces resolved lexically.
function norm(p) {
  var out = [];
  p.split('/').forEach(function (c) {
    if (c === '' || c === '.') return;
    if (c === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (c !== '..' || p[0] !== '/') out.push(c);
  });
  return out;
}

// Python's os.path.relpath: both made absolute against the working
// directory the report was written in. Without it (a page made by
// another tool) an entry is used only if it is as absolute as the path.
function relpath(path, start) {
  var cwd = data.cwd;
  if ((path[0] === '/') !== (start[0] === '/')) {
    if (typeof cwd !== 'string') return null;
    if (path[0] !== '/') path = cwd + '/' + path;
    if (start[0] !== '/') start = cwd + '/' + start;
  }
  var a = norm(path), b = norm(start), i = 0, r = [];
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  for (var j = i; j < b.length; j++) r.push('..');
  r = r.concat(a.slice(i));
  return r.length ? r.join('/') : '.';
}

// pyinstrument's short path: the relative path with the fewest parts
// over sys_path.
function shorten(path) {
  var r = shortCache.get(path);
  if (r != null) return r;
  r = path;
  if (path.indexOf('/') >= 0) {
    (meta.sys_path || []).forEach(function (e) {
      var c = typeof e === 'string' && relpath(path, e);
      if (c && c.split('/').length < r.split('/').length) r = c;
    });
  }
  shortCache.set(path, r);
  return r;
}

// 1 application code, 0 library, 2 "as the caller" (<string>, <stdin>).
function appCode(i) {
  var f = i.file;
  if (i.syn || !f) return 0;
  var pre = meta.sys_prefixes || [];
  for (var k = 0; k < pre.length; k++) if (typeof pre[k] === 'string' && f.startsWith(pre[k])) return 0;
  if (f[0] === '<') {
    if (f.startsWith('<ipython-input-')) return 1;
    return f === '<string>' || f === '<stdin>' ? 2 : 0;
  }
  return 1;
}

/* ---- frames ----------------------------------------------------------- */

function Frame(i, time, attrs, parent) {
  this.i = i; this.time = time; this.abs = 0; this.attrs = attrs; this.own = false;
  this.kids = []; this.parent = parent; this.group = null; this.k = -1;
  this.h = false; // has an 'h' (tracebackhide) attribute at all
}

function isApp(f) {
  for (; f; f = f.parent) if (f.i.app !== 2) return f.i.app === 1;
  return true;
}

// The attribute starting with 'marker' that collected the most time (the
// first one on a tie), without its marker.
function attr(f, marker) {
  var best = null, bv = 0, a = f.attrs;
  for (var key in a) {
    if (key[0] === marker && (best === null || a[key] > bv)) { best = key; bv = a[key]; }
  }
  return best === null ? null : best.slice(1);
}

function name(f) {
  var c = attr(f, 'c');
  return c ? c + '.' + f.i.fn : f.i.fn;
}

function shortOf(f) {
  while (f.i.syn && f.parent) f = f.parent;
  return f.i.short;
}

function position(f) {
  var s = shortOf(f);
  if (s == null) return '';
  return f.i.line && !f.i.syn ? s + ':' + f.i.line : s;
}

function selfTime(f) {
  var t = f.time;
  for (var k = 0; k < f.kids.length; k++) if (!f.kids[k].i.syn) t -= f.kids[k].time;
  return t;
}

// A fresh tree from the data (processors edit it). Each data node keeps its
// Info, so building again skips the identifier lookups.
function build(raw) {
  function mk(r, parent) {
    if (!r.info) {
      r.info = info(r.identifier);
      r.h = Object.keys(r.attributes || {}).some(function (a) { return a[0] === 'h'; });
    }
    var f = new Frame(r.info, r.time, r.attributes || {}, parent);
    f.h = r.h;
    return f;
  }
  var root = mk(raw, null), st = [root, raw];
  while (st.length) {
    var r = st.pop(), f = st.pop(), ch = r.children || [];
    for (var k = 0; k < ch.length; k++) {
      var c = mk(ch[k], f);
      f.kids.push(c);
      st.push(c, ch[k]);
    }
  }
  return root;
}

function preorder(root, fn) {
  var st = [root];
  while (st.length) {
    var f = st.pop();
    fn(f);
    for (var k = f.kids.length - 1; k >= 0; k--) st.push(f.kids[k]);
  }
}

// Calls fn(frame) after all its descendants: a frame then sees final children.
function postorder(root, fn) {
  var st = [root], at = [0];
  while (st.length) {
    var top = st.length - 1, f = st[top];
    if (at[top] < f.kids.length) { st.push(f.kids[at[top]++]); at.push(0); }
    else { st.pop(); at.pop(); fn(f); }
  }
}

/* ---- processors (the text report's pipeline, same order) --------------- */

// Deletes frames matching 'test'; their children take their place.
function removeIf(root, test) {
  postorder(root, function (f) {
    var kids = f.kids, k = 0;
    while (k < kids.length && !test(kids[k])) k++;
    if (k === kids.length) return; // the usual case: nothing to remove
    var out = kids.slice(0, k);
    for (; k < kids.length; k++) {
      var c = kids[k];
      if (!test(c)) { out.push(c); continue; }
      f.abs += c.abs;
      for (var j = 0; j < c.kids.length; j++) { c.kids[j].parent = f; out.push(c.kids[j]); }
    }
    f.kids = out;
  });
}

function mergeSelf(root) {
  preorder(root, function (f) {
    if (f.kids.length < 2) return;
    var prev = null, out = [];
    for (var k = 0; k < f.kids.length; k++) {
      var c = f.kids[k];
      if (c.i.id === '[self]') {
        if (prev) { prev.time += c.time; continue; }
        prev = c;
      } else prev = null;
      out.push(c);
    }
    f.kids = out;
  });
}

function combine(f, into) {
  into.abs += f.abs;
  into.time += f.time;
  if (!into.own) { into.attrs = Object.assign({}, into.attrs); into.own = true; }
  for (var key in f.attrs) into.attrs[key] = key in into.attrs ? into.attrs[key] + f.attrs[key] : f.attrs[key];
  f.kids.forEach(function (g) { g.parent = into; into.kids.push(g); });
}

function aggregate(root) {
  preorder(root, function (f) {
    if (f.kids.length < 2) return;
    var first = new Map(), out = [];
    f.kids.forEach(function (c) {
      var s = first.get(c.i);
      if (s) combine(c, s);
      else { first.set(c.i, c); out.push(c); }
    });
    f.kids = out.sort(function (a, b) { return b.time - a.time; });
  });
}

function removeIrrelevant(root, thr) {
  var total = root.time > 0 ? root.time : 1e-44;
  preorder(root, function (f) {
    f.kids = f.kids.filter(function (c) {
      if (c.time / total >= thr) return true;
      f.abs += c.time;
      f.abs += c.abs;
      return false;
    });
  });
}

function removeLoneSelf(root) {
  preorder(root, function (f) {
    if (f.kids.length === 1 && f.kids[0].i.id === '[self]') {
      f.abs += f.kids[0].time;
      f.abs += f.kids[0].abs;
      f.kids = [];
    }
  });
}

// Strips the frames of pyinstrument's command line above the program.
// 'min' skips tiny first children, which the charts keep but the text
// report has removed as irrelevant by then.
function removeLauncher(root, min) {
  function prop(f) { return f.time / f.parent.time; }
  function first(f) {
    for (var k = 0; k < f.kids.length; k++) if (f.kids[k].time >= min) return f.kids[k];
    return null;
  }
  var fp = root.i.file, r = first(root);
  if (!fp || !/^.*pyinstrument[\/\\]__main__.py/.test(fp) || !r) return root;
  if (!(prop(r) > 0.8 && r.i.file && r.i.file.indexOf('<string>') >= 0 && first(r))) return root;
  r = first(r);
  while (prop(r) > 0.8 && r.i.file && (/^.*runpy.py/.test(r.i.file) || r.i.file.indexOf('<frozen runpy>') >= 0) &&
         first(r)) r = first(r);
  r.parent = null;
  return r;
}

// Groups runs of library frames below application code, as the text report.
function groupLibrary(root) {
  function hidden(f) { return !isApp(f); }
  preorder(root, function (f) {
    f.kids.forEach(function (c) {
      if (c.group || !hidden(c) || !c.kids.some(hidden)) return;
      var g = {root: c, frames: [], exits: null, n: -1}, st = [c];
      while (st.length) {
        var x = st.pop();
        g.frames.push(x);
        x.group = g;
        for (var k = x.kids.length - 1; k >= 0; k--) if (hidden(x.kids[k])) st.push(x.kids[k]);
      }
    });
  });
}

// The tree after the text report's processors. 'agg' merges repeated
// calls; 'chart' keeps every frame, since a chart places frames by the
// time of the frames before them.
function processed(agg, chart) {
  if (!data.frame_tree) return null;
  var root = build(data.frame_tree), total = root.time;
  if (opts.importlib) removeIf(root, function (f) { return f.i.importlib; });
  if (opts.tbhide) removeIf(root, function (f) { return f.h && attr(f, 'h') === '1'; });
  mergeSelf(root);
  if (agg) aggregate(root);
  if (!chart) removeIrrelevant(root, opts.thr);
  removeLoneSelf(root);
  root = removeLauncher(root, chart ? 0.01 * total : 0);
  if (opts.group) groupLibrary(root);
  return root;
}
