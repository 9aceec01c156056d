/* procs.js - the processors the page runs on the frame tree, in two
 * orders: pyinstrument's HTML page's (the call tree's default, so that it
 * shows the rows pyinstrument's page shows) and the text report's
 * (render_text.c's, so that the tree can match pyi-render's output line
 * for line); the trees of the charts; and the library groups. */

/* ---- processors -------------------------------------------------------- */

function isImportlib(f) { return f.i.importlib; }
function isTbHide(f) { return f.h && attr(f, 'h') === '1'; }

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

// Merges repeated calls of a function under one caller; children by time.
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

// The text report's removal of pyinstrument's command line above the
// program (processors.md 2.7).
function removeLauncher(root) {
  function prop(f) { return f.time / f.parent.time; }
  var fp = root.i.file, r = root.kids[0];
  if (!fp || !/^.*pyinstrument[\/\\]__main__.py/.test(fp) || !r) return root;
  if (!(prop(r) > 0.8 && r.i.file && r.i.file.indexOf('<string>') >= 0 && r.kids.length)) return root;
  r = r.kids[0];
  while (prop(r) > 0.8 && r.i.file && (/^.*runpy.py/.test(r.i.file) || r.i.file.indexOf('<frozen runpy>') >= 0) &&
         r.kids.length) r = r.kids[0];
  r.parent = null;
  return r;
}

// pyinstrument's page's variant: the same frames, but only when at least
// one runpy frame follows the exec (so "-c" programs keep them). It
// follows first children; 'widest' follows the longest ones instead, for
// trees in time order, where a first child can be a moment of [self].
function removePyiFrames(root, widest) {
  function has(f, s) { return f.i.file != null && f.i.file.indexOf(s) >= 0; }
  function big(f) { return f.time / f.parent.time > 0.8 && f.kids.length > 0; }
  function runpy(f) { return big(f) && (/runpy.py/.test(f.i.file || '') || has(f, '<frozen runpy>')); }
  function next(f) {
    return widest ? f.kids.reduce(function (a, b) { return b.time > a.time ? b : a; }, f.kids[0]) : f.kids[0];
  }
  var r = root.kids.length ? next(root) : null;
  if (!has(root, 'pyinstrument/__main__.py') || !r || !big(r) || !has(r, '<string>') || !runpy(next(r))) return root;
  for (r = next(r); runpy(r);) r = next(r);
  r.parent = null;
  return r;
}

/* ---- library groups ----------------------------------------------------- */

// Which frames a view's settings fold away: library code, or what the
// custom regexes say (searched in the file path, show before hide, as
// pyinstrument's page does); null when nothing is folded.
function hider(s) {
  if (s.collapse === 'off') return null;
  var hide = s.collapse === 'custom' ? s.hideRe : null, show = s.collapse === 'custom' ? s.showRe : null;
  return function (f) {
    var p = f.i.file || '';
    if (show && show.test(p)) return false;
    if (hide && hide.test(p)) return true;
    return !isApp(f);
  };
}

// Marks runs of hidden frames below a shown one as groups (the processor
// of both the text report and pyinstrument's page). pyinstrument's page
// shows no group of fewer than three frames: 'min' says so.
function groupLibrary(root, hidden, min) {
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
      if (g.frames.length < min) g.frames.forEach(function (x) { x.group = null; });
    });
  });
}

// The libraries of a group's frames, in order of first appearance.
function groupLibs(g) {
  var seen = [];
  g.frames.forEach(function (f) {
    var l = lib(f);
    if (l && seen.indexOf(l) < 0) seen.push(l);
  });
  return seen;
}

/* ---- trees of the views ------------------------------------------------ */

// The call tree of pyinstrument's page, with its processors in its order.
function pageTree(s) {
  if (!data.frame_tree) return null;
  var root = build(data.frame_tree), h = hider(s);
  if (s.importlib) removeIf(root, isImportlib);
  if (s.tbhide) removeIf(root, isTbHide);
  mergeSelf(root);
  if (s.agg) aggregate(root);
  removeLoneSelf(root);
  if (s.thr > 0) removeIrrelevant(root, s.thr);
  if (s.pyi) root = removePyiFrames(root);
  if (h) groupLibrary(root, h, 3);
  return root;
}

// The call tree of the text report (render_text.c's order).
function textTree(s) {
  if (!data.frame_tree) return null;
  var root = build(data.frame_tree), h = hider(s);
  if (s.importlib) removeIf(root, isImportlib);
  if (s.tbhide) removeIf(root, isTbHide);
  mergeSelf(root);
  if (s.agg) aggregate(root);
  removeIrrelevant(root, s.thr);
  removeLoneSelf(root);
  if (s.pyi) root = removeLauncher(root);
  if (h) groupLibrary(root, h, 2);
  return root;
}

// Timeline and flame graph: every frame of every sample (pyinstrument's
// timeline removes only importlib, tracebackhide and its own frames).
function chartTree(s, agg) {
  if (!data.frame_tree) return null;
  var root = build(data.frame_tree), h = hider(s);
  if (s.importlib) removeIf(root, isImportlib);
  if (s.tbhide) removeIf(root, isTbHide);
  mergeSelf(root);
  if (agg) aggregate(root);
  if (s.pyi) root = removePyiFrames(root, true);
  if (h) groupLibrary(root, h, 3);
  return root;
}
