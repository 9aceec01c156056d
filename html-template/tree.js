/* tree.js - the call tree view: which frames the text report draws (library
 * groups and their "[N frames hidden]" lines), time formatting, and a virtual
 * list of rows with expand/collapse, search and keyboard navigation. */

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
