/* The pyi-tools HTML report. It inflates the session data embedded in the
 * page (pyinstrument's {"session", "frame_tree"} object), runs the text
 * report's processors on the frame tree with the options chosen in the page
 * and draws four views: call tree, timeline, flame graph, top functions.
 * Nothing is fetched; every name from the data reaches the page through
 * textContent or canvas text, never as markup. Walks over the tree use
 * explicit stacks: Python stacks can be deeper than the JS call stack. */
(function () {
  'use strict';
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

  function build(raw) {
    var root = new Frame(info(raw.identifier), raw.time, raw.attributes, null);
    var st = [root, raw];
    while (st.length) {
      var r = st.pop(), f = st.pop();
      (r.children || []).forEach(function (c) {
        var k = new Frame(info(c.identifier), c.time, c.attributes || {}, f);
        f.kids.push(k);
        st.push(k, c);
      });
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
      var out = [], hit = false;
      f.kids.forEach(function (c) {
        if (!test(c)) return out.push(c);
        hit = true;
        f.abs += c.abs;
        c.kids.forEach(function (g) { g.parent = f; out.push(g); });
      });
      if (hit) f.kids = out;
    });
  }

  function mergeSelf(root) {
    preorder(root, function (f) {
      var prev = null, out = [];
      f.kids.forEach(function (c) {
        if (c.i.id === '[self]') {
          if (prev) { prev.time += c.time; return; }
          prev = c;
        } else prev = null;
        out.push(c);
      });
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
    if (opts.tbhide) removeIf(root, function (f) { return attr(f, 'h') === '1'; });
    mergeSelf(root);
    if (agg) aggregate(root);
    if (!chart) removeIrrelevant(root, opts.thr);
    removeLoneSelf(root);
    root = removeLauncher(root, chart ? 0.01 * total : 0);
    if (opts.group) groupLibrary(root);
    return root;
  }

  /* ---- which frames the tree draws (the text report's rules) ----------- */

  function inGroupDrawn(f, g, root) {
    if (!g.exits) {
      g.exits = new Set(g.frames.filter(function (x) {
        return x.kids.some(function (c) { return c.group !== g; });
      }));
    }
    return f === g.root || selfTime(f) > 0.2 * root.time || g.exits.has(f);
  }

  function groupIgnored(g, root) {
    if (g.n < 0) g.n = g.frames.filter(function (x) { return !inGroupDrawn(x, g, root); }).length;
    return g.n < 2;
  }

  function drawn(f, root, openGroups) {
    var g = f.group;
    return !g || groupIgnored(g, root) || inGroupDrawn(f, g, root) || (openGroups && openGroups.has(g.root.k));
  }

  // Children as drawn: hidden frames give way to their drawn descendants.
  function drawnKids(f, root, openGroups) {
    var out = [], st = f.kids.slice().reverse();
    while (st.length) {
      var c = st.pop();
      if (drawn(c, root, openGroups)) out.push(c);
      else for (var k = c.kids.length - 1; k >= 0; k--) st.push(c.kids[k]);
    }
    return out;
  }

  function libNames(g, root) {
    var seen = [], s;
    g.frames.forEach(function (f) {
      if (inGroupDrawn(f, g, root) || !(s = shortOf(f))) return;
      var m = s.split(/[\/\\.]/)[0];
      if (m && seen.indexOf(m) < 0) seen.push(m);
    });
    var all = seen.join(', '), cp = Array.from(all);
    return cp.length > 40 ? cp.slice(0, 37).join('') + '...' : all;
  }

  /* ---- formatting -------------------------------------------------------- */

  function fmtTime(t, total) {
    if (opts.pct) return (total ? 100 * t / total : 100).toFixed(1) + '%';
    return t.toFixed(prec);
  }

  function fmtSec(t) {
    if (!t) return '0 s';
    if (t >= 10) return t.toFixed(1) + ' s';
    if (t >= 1) return t.toFixed(2) + ' s';
    if (t >= 0.001) return (t * 1000).toPrecision(3) + ' ms';
    return (t * 1e6).toPrecision(3) + ' \u00b5s';
  }

  function colour(p) {
    return p > 0.6 ? 'c-r' : p > 0.2 ? 'c-y' : p > 0.05 ? 'c-g' : 'c-d';
  }

  // Appends 'text' to 'parent', marking occurrences of the search query.
  function hl(parent, text) {
    var q = opts.q, lo = text.toLowerCase(), at = 0, i;
    if (q) {
      while ((i = lo.indexOf(q, at)) >= 0) {
        parent.appendChild(doc.createTextNode(text.slice(at, i)));
        el('mark', null, text.slice(i, i + q.length), parent);
        at = i + q.length;
      }
    }
    parent.appendChild(doc.createTextNode(text.slice(at)));
  }

  function matches(f) {
    var q = opts.q;
    return !!q && !f.i.syn && (name(f).toLowerCase().indexOf(q) >= 0 || position(f).toLowerCase().indexOf(q) >= 0);
  }

  /* ---- call tree view ---------------------------------------------------- */

  var RH = 22, IND = 18, pathIds = new Map();

  // A stable number per call path (the n-th call of a function among its
  // siblings counts apart), so open nodes stay open when the tree is
  // processed again with other options.
  function assignKeys(root) {
    function id(path) {
      var k = pathIds.get(path);
      if (k === undefined) pathIds.set(path, k = pathIds.size);
      return k;
    }
    root.k = id(',' + root.i.n);
    preorder(root, function (f) {
      var seen = new Map();
      f.kids.forEach(function (c) {
        var n = seen.get(c.i) || 0;
        seen.set(c.i, n + 1);
        c.k = id(f.k + ',' + c.i.n + (n ? '#' + n : ''));
      });
    });
  }

  function TreeView(main) {
    var self = this;
    this.box = el('div', 'tree', null, main);
    this.box.tabIndex = 0;
    this.box.setAttribute('role', 'tree');
    this.sizer = el('div', 'sizer', null, this.box);
    this.open = new Set(); this.decided = new Set(); this.groups = new Set();
    this.rows = []; this.sel = 0; this.hits = []; this.hit = -1;
    this.box.addEventListener('scroll', function () { self.paint(); });
    this.box.addEventListener('click', function (e) { self.click(e); });
    this.box.addEventListener('keydown', function (e) { self.key(e); });
  }

  TreeView.prototype.refresh = function () {
    this.root = processed(opts.agg, false);
    if (this.root) assignKeys(this.root);
    this.search();
  };

  TreeView.prototype.search = function () {
    var hits = this.hits = [];
    this.hit = -1;
    if (this.root && opts.q) preorder(this.root, function (f) { if (matches(f)) hits.push(f); });
    this.layout();
  };

  TreeView.prototype.isOpen = function (f) {
    var k = f.k;
    if (this.decided.has(k)) return this.open.has(k);
    return f.time > 0.05 * this.root.time || !f.parent;
  };

  // Children of a row: a frame, or a group line (g) holding its root's children.
  TreeView.prototype.kidsOf = function (r) {
    var root = this.root, f = r.f;
    if (r.g) return drawnKids(f, root, this.groups).map(function (c) { return {f: c}; });
    if (f.group && f.group.root === f && !groupIgnored(f.group, root)) return [{f: f, g: f.group}];
    return drawnKids(f, root, this.groups).map(function (c) { return {f: c}; });
  };

  TreeView.prototype.layout = function () {
    var rows = [], prev = this.rows[this.sel];
    if (this.root) {
      var st = [{f: this.root, d: 0, up: -1}];
      while (st.length) {
        var r = st.pop();
        rows.push(r);
        var kids = this.kidsOf(r);
        // a group line always toggles, even when no frame below it is drawn
        r.leaf = !kids.length && !r.g;
        r.open = r.g ? true : !r.leaf && this.isOpen(r.f);
        if (!r.open) continue;
        for (var k = kids.length - 1; k >= 0; k--) {
          kids[k].d = r.d + 1;
          kids[k].up = rows.length - 1;
          st.push(kids[k]);
        }
      }
    }
    this.rows = rows;
    this.sel = 0;
    if (prev) {
      for (var i = 0; i < rows.length; i++) {
        if (rows[i].f.k === prev.f.k && !rows[i].g === !prev.g) { this.sel = i; break; }
      }
    }
    var deepest = rows.reduce(function (m, x) { return Math.max(m, x.d); }, 0);
    this.sizer.style.height = rows.length * RH + 'px';
    this.sizer.style.width = deepest * IND + 700 + 'px';
    this.painted = null;
    this.paint();
    $('o-n').textContent = opts.q ? this.hits.length + (this.hits.length === 1 ? ' match' : ' matches') : '';
  };

  TreeView.prototype.paint = function () {
    var b = this.box, from = Math.max(0, Math.floor(b.scrollTop / RH) - 10);
    var to = Math.min(this.rows.length, Math.ceil((b.scrollTop + b.clientHeight) / RH) + 10);
    var key = from + ':' + to + ':' + this.sel;
    if (this.painted === key) return;
    this.painted = key;
    this.sizer.textContent = '';
    if (!this.root) el('p', null, 'No samples were recorded.', this.sizer).id = 'msg';
    for (var i = from; i < to; i++) this.sizer.appendChild(this.rowEl(this.rows[i], i));
  };

  TreeView.prototype.rowEl = function (r, i) {
    var f = r.f, root = this.root, e = el('div', 'row' + (i === this.sel ? ' sel' : ''));
    e.style.top = i * RH + 'px';
    e.dataset.i = i;
    e.setAttribute('role', 'treeitem');
    if (!r.leaf) e.setAttribute('aria-expanded', r.g ? this.groups.has(f.k) : r.open);
    el('span', 'ind', null, e).style.width = r.d * IND + 'px';
    var tg = el('span', 'tg', r.leaf ? '' : r.open && !r.g ? '\u25be' : '\u25b8', e);
    if (r.g) {
      var shown = this.groups.has(f.k);
      tg.textContent = shown ? '\u25be' : '\u25b8';
      el('span', 'grp', '[' + r.g.n + ' frames ' + (shown ? 'shown' : 'hidden') + ']', e);
      el('span', 'libs', libNames(r.g, root), e);
      return e;
    }
    var p = root.time ? f.time / root.time : 1;
    el('span', 'tm ' + colour(p), fmtTime(f.time, root.time), e);
    hl(el('span', 'nm' + (isApp(f) ? ' app' : ''), null, e), name(f));
    var pos = position(f);
    if (pos) hl(el('span', 'pos', null, e), pos);
    e.title = (f.i.file || f.i.fn) + '\nself ' + fmtSec(selfTime(f)) + ', total ' + fmtSec(f.time);
    return e;
  };

  TreeView.prototype.select = function (i, toggle) {
    if (i < 0 || i >= this.rows.length) return;
    this.sel = i;
    var b = this.box, top = i * RH;
    if (top < b.scrollTop) b.scrollTop = top;
    else if (top + RH > b.scrollTop + b.clientHeight) b.scrollTop = top + RH - b.clientHeight;
    if (toggle) this.toggle(i);
    else { this.painted = null; this.paint(); }
  };

  TreeView.prototype.toggle = function (i, want) {
    var r = this.rows[i];
    if (!r || r.leaf) return;
    if (r.g) {
      if (want === undefined) want = !this.groups.has(r.f.k);
      if (want) this.groups.add(r.f.k); else this.groups.delete(r.f.k);
    } else {
      if (want === undefined) want = !r.open;
      this.decided.add(r.f.k);
      if (want) this.open.add(r.f.k); else this.open.delete(r.f.k);
    }
    this.layout();
  };

  TreeView.prototype.setAll = function (on) {
    var self = this;
    if (!this.root) return;
    preorder(this.root, function (f) {
      self.decided.add(f.k);
      if (on) self.open.add(f.k); else self.open.delete(f.k);
    });
    if (!on) { this.open.add(this.root.k); this.groups.clear(); }
    this.layout();
  };

  TreeView.prototype.click = function (e) {
    var row = e.target.closest('.row');
    if (!row) return;
    var i = +row.dataset.i, r = this.rows[i];
    this.select(i, e.target.classList.contains('tg') || !!r.g || e.detail === 2);
  };

  TreeView.prototype.key = function (e) {
    var i = this.sel, r = this.rows[i], page = Math.floor(this.box.clientHeight / RH) - 1;
    if (!r) return;
    switch (e.key) {
      case 'ArrowDown': case 'j': this.select(i + 1); break;
      case 'ArrowUp': case 'k': this.select(i - 1); break;
      case 'PageDown': this.select(Math.min(this.rows.length - 1, i + page)); break;
      case 'PageUp': this.select(Math.max(0, i - page)); break;
      case 'Home': this.select(0); break;
      case 'End': this.select(this.rows.length - 1); break;
      case 'ArrowRight': case 'l':
        if (!r.leaf && !(r.g ? this.groups.has(r.f.k) : r.open)) this.toggle(i, true);
        else if (!r.leaf) this.select(i + 1);
        break;
      case 'ArrowLeft': case 'h':
        if (!r.leaf && !r.g && r.open) this.toggle(i, false);
        else if (r.g && this.groups.has(r.f.k)) this.toggle(i, false);
        else if (r.up >= 0) this.select(r.up);
        break;
      case 'Enter': case ' ': this.toggle(i); break;
      case 'n': this.next(e.shiftKey ? -1 : 1); break;
      case '*': this.setAll(true); break;
      default: return;
    }
    e.preventDefault();
  };

  // Moves to the next search hit, opening its ancestors and hidden groups.
  TreeView.prototype.next = function (dir) {
    if (!this.hits.length) return;
    this.hit = (this.hit + dir + this.hits.length) % this.hits.length;
    var f = this.hits[this.hit];
    for (var a = f; a; a = a.parent) {
      if (a !== f) { this.decided.add(a.k); this.open.add(a.k); }
      if (a.group && !drawn(a, this.root, this.groups)) this.groups.add(a.group.root.k);
    }
    this.layout();
    for (var i = 0; i < this.rows.length; i++) {
      if (this.rows[i].f === f && !this.rows[i].g) return this.select(i);
    }
  };

  TreeView.prototype.show = function () { this.box.focus({preventScroll: true}); this.painted = null; this.paint(); };

  /* ---- canvas views: timeline and flame graph --------------------------- */

  var BH = 18;

  function hash(s) {
    var h = 2166136261;
    for (var k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
    return h >>> 0;
  }

  // Boxes per depth, each list in time order (start, duration, frame).
  function layoutBoxes(root, grouped) {
    var rows = [], st = [root, 0, 0];
    while (st.length) {
      var d = st.pop(), t = st.pop(), f = st.pop(), show = !f.i.syn && (!grouped || drawn(f, root, null));
      if (show) {
        (rows[d] || (rows[d] = [])).push({t: t, w: f.time, f: f});
        d++;
      }
      var at = t, next = [];
      f.kids.forEach(function (c) { next.push(c, at, d); at += c.time; });
      for (var k = next.length - 3; k >= 0; k -= 3) st.push(next[k], next[k + 1], next[k + 2]);
    }
    return rows;
  }

  function Chart(main, kind) {
    var self = this;
    this.kind = kind;
    this.box = el('div', 'chart', null, main);
    this.cv = el('canvas', null, null, this.box);
    this.tip = el('div', 'tip', null, this.box);
    this.tip.hidden = true;
    this.y = 0;
    var drag = null;
    this.box.addEventListener('wheel', function (e) {
      e.preventDefault();
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) self.pan((e.deltaX || e.deltaY) / self.w * (self.x1 - self.x0));
      else self.zoom(Math.pow(1.0015, e.deltaY), e.offsetX);
    }, {passive: false});
    this.box.addEventListener('mousedown', function (e) {
      drag = {x: e.clientX, y: e.clientY, moved: false};
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return self.hover(e);
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true;
      self.box.classList.add('drag');
      self.tip.hidden = true;
      self.pan(-dx / self.w * (self.x1 - self.x0), -dy);
      drag.x = e.clientX; drag.y = e.clientY;
    });
    window.addEventListener('mouseup', function (e) {
      if (drag && !drag.moved && e.target === self.cv) self.clickAt(e.offsetX, e.offsetY);
      drag = null;
      self.box.classList.remove('drag');
    });
    this.cv.addEventListener('mouseleave', function () { self.tip.hidden = true; self.hot = null; self.draw(); });
    this.cv.addEventListener('dblclick', function () { self.reset(); });
  }

  Chart.prototype.refresh = function () {
    this.root = processed(this.kind === 'flame', true);
    this.rows = this.root ? layoutBoxes(this.root, opts.group) : [];
    this.total = this.root ? this.root.time : 0;
    this.reset();
  };

  Chart.prototype.reset = function () {
    this.x0 = 0;
    this.x1 = this.total || 1;
    this.y = 0;
    this.draw();
  };

  Chart.prototype.zoom = function (factor, px) {
    var span = this.x1 - this.x0, at = this.x0 + span * (px == null ? 0.5 : px / this.w);
    span = Math.min(this.total || 1, Math.max(span * factor, 1e-7));
    this.x0 = at - (at - this.x0) * span / (this.x1 - this.x0);
    this.x1 = this.x0 + span;
    this.clamp();
  };

  Chart.prototype.pan = function (dt, dy) {
    this.x0 += dt; this.x1 += dt;
    if (dy) this.y += dy;
    this.clamp();
  };

  Chart.prototype.clamp = function () {
    var span = this.x1 - this.x0, end = this.total || 1;
    if (this.x0 < 0) { this.x0 = 0; this.x1 = span; }
    if (this.x1 > end) { this.x1 = end; this.x0 = Math.max(0, end - span); }
    var maxY = Math.max(0, (this.rows.length + 2) * BH - this.h);
    this.y = Math.max(0, Math.min(this.y, maxY));
    this.draw();
  };

  Chart.prototype.at = function (px, py) {
    var d = Math.floor((py + this.y - BH) / BH), row = this.rows[d];
    if (!row) return null;
    var t = this.x0 + px / this.w * (this.x1 - this.x0), lo = 0, hi = row.length - 1;
    while (lo < hi) { // last box starting at or before t
      var mid = (lo + hi + 1) >> 1;
      if (row[mid].t <= t) lo = mid; else hi = mid - 1;
    }
    var b = row[lo];
    return b && b.t <= t && t <= b.t + b.w ? b : null;
  };

  Chart.prototype.clickAt = function (px, py) {
    var b = this.at(px, py);
    if (!b) return;
    var pad = b.w * 0.02;
    this.x0 = b.t - pad;
    this.x1 = b.t + b.w + pad;
    this.clamp();
  };

  Chart.prototype.hover = function (e) {
    if (e.target !== this.cv) return;
    var b = this.at(e.offsetX, e.offsetY), tip = this.tip;
    if (b !== this.hot) { this.hot = b; this.draw(); }
    if (!b) { tip.hidden = true; return; }
    var f = b.f, total = this.total || 1;
    tip.textContent = '';
    el('b', null, name(f), tip);
    el('span', null, position(f) || f.i.file || '', tip);
    el('span', null, 'duration ' + fmtSec(f.time) + ' (' + (100 * f.time / total).toFixed(1) + '%)' +
      (this.kind === 'flame' ? ', self ' + fmtSec(selfTime(f)) : ', at ' + fmtSec(b.t)), tip);
    tip.hidden = false;
    var x = e.offsetX + 14, y = e.offsetY + 14;
    if (x + tip.offsetWidth > this.w) x = Math.max(0, e.offsetX - tip.offsetWidth - 8);
    if (y + tip.offsetHeight > this.h) y = Math.max(0, e.offsetY - tip.offsetHeight - 8);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  };

  Chart.prototype.draw = function () {
    var cv = this.cv, dpr = window.devicePixelRatio || 1;
    this.w = this.box.clientWidth;
    this.h = this.box.clientHeight;
    if (!this.w || !this.h) return;
    if (cv.width !== Math.round(this.w * dpr) || cv.height !== Math.round(this.h * dpr)) {
      cv.width = Math.round(this.w * dpr);
      cv.height = Math.round(this.h * dpr);
      cv.style.width = this.w + 'px';
      cv.style.height = this.h + 'px';
    }
    var c = cv.getContext('2d'), css = getComputedStyle(doc.documentElement);
    var L = css.getPropertyValue('--chart-l').trim(), fg = css.getPropertyValue('--chart-t').trim();
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.fillStyle = css.getPropertyValue('--bg').trim();
    c.fillRect(0, 0, this.w, this.h);
    c.font = '11px ui-monospace, Menlo, Consolas, monospace';
    c.textBaseline = 'middle';
    if (!this.root) {
      c.fillStyle = fg;
      c.fillText('No samples were recorded.', 16, 30);
      return;
    }
    var x0 = this.x0, scale = this.w / (this.x1 - this.x0), cw = c.measureText('m').width;
    var first = Math.max(0, Math.floor(this.y / BH) - 1), last = Math.min(this.rows.length, first + Math.ceil(this.h / BH) + 2);
    for (var d = first; d < last; d++) {
      var row = this.rows[d], y = BH + d * BH - this.y, lo = 0, hi = row.length;
      while (lo < hi) { // first box ending after x0
        var mid = (lo + hi) >> 1;
        if (row[mid].t + row[mid].w < x0) lo = mid + 1; else hi = mid;
      }
      for (var k = lo; k < row.length; k++) {
        var b = row[k], px = (b.t - x0) * scale, pw = b.w * scale;
        if (px > this.w) break;
        var f = b.f, app = isApp(f), s = shortOf(f) || f.i.fn;
        c.fillStyle = 'hsl(' + (hash(s) % 360) + ',' + (app ? 58 : 10) + '%,' + L + ')';
        c.globalAlpha = opts.q && !matches(f) ? 0.25 : 1; // searching: matches stand out
        if (pw < 1) {
          // many boxes share this pixel: draw one sliver and skip to the next pixel
          c.fillRect(Math.floor(px), y, 1, BH - 1);
          var tNext = x0 + (Math.floor(px) + 1) / scale, a = k + 1, z = row.length;
          while (a < z) { var m2 = (a + z) >> 1; if (row[m2].t < tNext) a = m2 + 1; else z = m2; }
          k = a - 1;
          continue;
        }
        var left = Math.max(px, -1), right = Math.min(px + pw, this.w + 1);
        c.fillRect(left, y, right - left - 0.5, BH - 1);
        if (b === this.hot) {
          c.strokeStyle = fg;
          c.strokeRect(left + 0.5, y + 0.5, right - left - 1.5, BH - 2);
        }
        var room = Math.floor((right - left - 6) / cw);
        if (room >= 3) {
          var label = name(f);
          if (label.length > room) label = label.slice(0, room - 1) + '\u2026';
          c.fillStyle = fg;
          c.fillText(label, left + 3, y + BH / 2);
        }
      }
    }
    c.globalAlpha = 1;
    this.axis(c, fg);
  };

  Chart.prototype.axis = function (c, fg) {
    var span = this.x1 - this.x0, step = Math.pow(10, Math.floor(Math.log10(span / 8)));
    if (span / step > 40) step *= 5; else if (span / step > 16) step *= 2;
    var u = step >= 1 ? 1 : step >= 1e-3 ? 1e-3 : 1e-6, unit = u === 1 ? ' s' : u === 1e-3 ? ' ms' : ' \u00b5s';
    var dec = Math.max(0, Math.ceil(-Math.log10(step / u) - 1e-9));
    c.fillStyle = getComputedStyle(doc.documentElement).getPropertyValue('--panel');
    c.fillRect(0, 0, this.w, BH);
    c.fillStyle = fg;
    c.strokeStyle = fg;
    c.globalAlpha = 0.6;
    for (var n = Math.ceil(this.x0 / step); n * step <= this.x1; n++) {
      var x = Math.round((n * step - this.x0) / span * this.w) + 0.5;
      c.beginPath(); c.moveTo(x, BH - 5); c.lineTo(x, BH); c.stroke();
      c.fillText((n * step / u).toFixed(dec) + unit, x + 3, BH / 2 - 1);
    }
    c.globalAlpha = 1;
  };

  Chart.prototype.show = function () { this.draw(); };

  /* ---- top functions ----------------------------------------------------- */

  function TopView(main) {
    var self = this;
    this.box = el('div', 'top', null, main);
    this.by = 'self';
    this.limit = 200;
    this.opened = new Set();
    this.box.addEventListener('click', function (e) { self.click(e); });
  }

  // Self and total time per function (recursion counted once) and callers.
  TopView.prototype.refresh = function () {
    var root = processed(true, false), fns = new Map(), onStack = new Map();
    this.total = root ? root.time : 0;
    function rec(i) {
      var r = fns.get(i);
      if (!r) fns.set(i, r = {i: i, self: 0, total: 0, callers: new Map(), f: null});
      return r;
    }
    if (root) {
      var st = [root, 1];
      while (st.length) {
        var enter = st.pop(), f = st.pop();
        if (!enter) { onStack.set(f.i, onStack.get(f.i) - 1); continue; }
        if (f.i.syn) continue;
        var r = rec(f.i), s = selfTime(f), outer = !onStack.get(f.i);
        r.f = r.f || f;
        r.self += s;
        if (outer) r.total += f.time;
        if (f.parent) {
          var c = r.callers.get(f.parent.i);
          if (!c) r.callers.set(f.parent.i, c = {f: f.parent, self: 0, total: 0});
          c.self += s;
          if (outer) c.total += f.time;
        }
        onStack.set(f.i, (onStack.get(f.i) || 0) + 1);
        st.push(f, 0);
        for (var k = f.kids.length - 1; k >= 0; k--) st.push(f.kids[k], 1);
      }
    }
    this.fns = Array.from(fns.values());
    this.paint();
  };

  TopView.prototype.paint = function () {
    var by = this.by, total = this.total, q = opts.q, self = this;
    var list = this.fns.filter(function (r) { return !q || matches(r.f); });
    list.sort(function (a, b) { return b[by] - a[by] || a.i.n - b.i.n; });
    this.box.textContent = '';
    var tb = el('table', null, null, this.box), hd = el('tr', null, null, el('thead', null, null, tb));
    [['self', 'Self'], ['total', 'Total'], ['', 'Function'], ['', 'Location']].forEach(function (h) {
      var th = el('th', h[0] ? 'num' + (h[0] === by ? ' on' : '') : null, h[1], hd);
      if (h[0]) th.dataset.k = h[0];
    });
    var body = el('tbody', null, null, tb);
    this.shown = list.slice(0, this.limit);
    this.shown.forEach(function (r, n) {
      var tr = el('tr', 'fn', null, body), f = r.f;
      tr.dataset.n = n;
      el('td', 'num ' + colour(r.self / (total || 1)), fmtTime(r.self, total), tr);
      el('td', 'num', fmtTime(r.total, total), tr);
      hl(el('td', 'nm' + (isApp(f) ? ' app' : ''), null, tr), (self.opened.has(r.i) ? '\u25be ' : '\u25b8 ') + name(f));
      hl(el('td', 'pos', null, tr), position(f));
      if (!self.opened.has(r.i)) return;
      Array.from(r.callers.values()).sort(function (a, b) { return b.total - a.total; }).forEach(function (c) {
        var cr = el('tr', 'cl', null, body);
        cr.dataset.fn = c.f.i.n;
        el('td', 'num', fmtTime(c.self, total), cr);
        el('td', 'num', fmtTime(c.total, total), cr);
        el('td', 'nm', 'called from ' + name(c.f), cr);
        el('td', 'pos', position(c.f), cr);
      });
    });
    if (list.length > this.limit) el('button', 'more', 'Show all ' + list.length + ' functions', this.box).type = 'button';
    if (!this.total) el('p', null, 'No samples were recorded.', this.box).id = 'msg';
  };

  TopView.prototype.click = function (e) {
    var t = e.target, th = t.closest('th[data-k]'), tr = t.closest('tr');
    if (th) { this.by = th.dataset.k; return this.paint(); }
    if (t.classList.contains('more')) { this.limit = Infinity; return this.paint(); }
    if (!tr) return;
    if (tr.classList.contains('fn')) {
      var r = this.shown[+tr.dataset.n];
      if (this.opened.has(r.i)) this.opened.delete(r.i); else this.opened.add(r.i);
      return this.paint();
    }
    if (tr.classList.contains('cl')) { // jump to the caller's own row
      var n = +tr.dataset.fn, rows = this.box.querySelectorAll('tr.fn');
      for (var k = 0; k < this.shown.length; k++) {
        if (this.shown[k].i.n === n) {
          rows[k].classList.add('sel');
          rows[k].scrollIntoView({block: 'center'});
        }
      }
    }
  };

  TopView.prototype.show = function () {};

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
    window.addEventListener('resize', function () { if (view.draw) view.draw(); else view.show(); });
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
})();
