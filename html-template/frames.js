/* frames.js - the report's data model: frame identifiers, short paths,
 * libraries and application code (as pyinstrument decides them), and the
 * frame tree built from the embedded data. Walks over the tree use explicit
 * stacks, as Python stacks can be deeper than the JS call stack. */

var data, meta, infos = new Map(), shortCache = new Map();

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
  i.pshort = file ? pageShort(file) : null;
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

// pyinstrument's page shortens paths its own way: it compares parts
// without resolving them, so an empty sys_path entry only drops the
// leading "/" ("/srv/app/main.py" becomes "srv/app/main.py").
function pageShort(path) {
  var r = shortCache.get('\0' + path);
  if (r != null) return r;
  function parts(p) { return p.split(/[\/\\]/); }
  function drive(p) { var d = parts(p)[0]; return /:$/.test(d) ? d : null; }
  var a = parts(path);
  r = path;
  if (a.length > 1) {
    (meta.sys_path || []).forEach(function (e) {
      if (typeof e !== 'string' || drive(path) !== drive(e)) return;
      var b = parts(e), i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      var c = b.slice(i).map(function () { return '..'; }).concat(a.slice(i));
      if (c.length < parts(r).length) r = c.join('/');
    });
  }
  shortCache.set('\0' + path, r);
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

// file:line as the text report prints it ([self] shows its caller's file)
function position(f) {
  var s = shortOf(f);
  if (s == null) return '';
  return f.i.line && !f.i.syn ? s + ':' + f.i.line : s;
}

// file:line as pyinstrument's page prints it (nothing for [self])
function pagePos(f) {
  var s = f.i.pshort;
  if (f.i.syn || s == null) return '';
  return f.i.line ? s + ':' + f.i.line : s;
}

// The library a frame belongs to, as pyinstrument's page names it: the
// first part of its short path ("json", "<built-in>", "app.py").
function lib(f) {
  while (f.i.syn && f.parent) f = f.parent;
  var s = f.i.pshort;
  return s == null ? '' : /^[\\/.]*[^\\/.]*/.exec(s)[0];
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

