/* tree.js - the call tree view: which rows a tree shows, in the style of
 * pyinstrument's page (the default) or of the text report (its library
 * groups and "[N frames hidden]" lines), time formatting, and a virtual
 * list of rows with expand/collapse, search and keyboard navigation. */

/* ---- the text report's rules ------------------------------------------ */

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

function drawnText(f, root, openGroups) {
  var g = f.group;
  return !g || groupIgnored(g, root) || inGroupDrawn(f, g, root) || (openGroups && openGroups.has(g.root.k));
}

// Children as drawn: hidden frames give way to their drawn descendants.
function drawnKids(f, root, openGroups) {
  var out = [], st = f.kids.slice().reverse();
  while (st.length) {
    var c = st.pop();
    if (drawnText(c, root, openGroups)) out.push(c);
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

/* ---- pyinstrument's page's rules --------------------------------------- */

// A frame of a closed group still shows where calls branch out of it.
function shownPage(f, openGroups) {
  var g = f.group;
  return !g || g.root === f || openGroups.has(g.root.k) ||
    f.kids.filter(function (c) { return !c.group; }).length > 1;
}

function pageLibs(g) {
  var l = groupLibs(g);
  return '(' + (l.length < 4 ? l.join(', ') : l.slice(0, 3).join(', ') + '...') + ')';
}

/* ---- rows -------------------------------------------------------------- */

// The rows of a tree: {f, d (depth), up (row of the parent), leaf, open},
// and {f, g} for a group line. 'st' says which frames are open (isOpen)
// and which groups are shown (groups, by their root's key).
function treeRows(root, style, st) {
  var rows = [], stack = root ? [{f: root, d: 0, up: -1}] : [];
  while (stack.length) {
    var r = stack.pop(), f = r.f, kids, k, d = r.d + 1, up = rows.length;
    if (style === 'page') {
      if (r.g) { rows.push(r); continue; }
      var shown = shownPage(f, st.groups);
      r.leaf = !f.kids.length;
      r.open = !r.leaf && (!shown || st.isOpen(f));
      if (shown) rows.push(r); else { d = r.d; up = r.up; }
      if (r.leaf || !r.open) continue;
      for (k = f.kids.length - 1; k >= 0; k--) stack.push({f: f.kids[k], d: d, up: up});
      if (f.group && f.group.root === f) stack.push({f: f, g: f.group, d: r.d + 1, up: up});
      continue;
    }
    rows.push(r);
    if (r.g) kids = drawnKids(f, root, st.groups);
    else if (f.group && f.group.root === f && !groupIgnored(f.group, root)) kids = [f];
    else kids = drawnKids(f, root, st.groups);
    // a group line always toggles, even when no frame below it is drawn
    r.leaf = !kids.length && !r.g;
    r.open = r.g ? true : !r.leaf && st.isOpen(f);
    if (!r.open) continue;
    for (k = kids.length - 1; k >= 0; k--) {
      var x = {f: kids[k], d: d, up: up};
      if (!r.g && kids[k] === f) x.g = f.group;
      stack.push(x);
    }
  }
  return rows;
}

/* ---- formatting -------------------------------------------------------- */

function fmtTime(t, total, p) {
  if (S.pct) return (total ? 100 * t / total : 100).toFixed(1) + '%';
  return t.toFixed(p);
}

function colour(p) {
  return p > 0.6 ? 'c-r' : p > 0.2 ? 'c-y' : p > 0.05 ? 'c-g' : 'c-d';
}

function matches(f) {
  return !!Q && !f.i.syn && (name(f).toLowerCase().indexOf(Q) >= 0 || position(f).toLowerCase().indexOf(Q) >= 0);
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
  var s = S.tree;
  this.style = s.style;
  this.root = s.style === 'text' ? textTree(s) : pageTree(s);
  if (this.root) assignKeys(this.root);
  this.search();
};

TreeView.prototype.search = function () {
  var hits = this.hits = [];
  this.hit = -1;
  if (this.root && Q) preorder(this.root, function (f) { if (matches(f)) hits.push(f); });
  this.layout();
};

// pyinstrument's page opens everything; the text report's style what
// takes over 5 % of the time.
TreeView.prototype.isOpen = function (f) {
  var k = f.k;
  if (this.decided.has(k)) return this.open.has(k);
  return this.style !== 'text' || f.time > 0.05 * this.root.time || !f.parent;
};

TreeView.prototype.layout = function () {
  var prev = this.rows[this.sel], rows = this.rows = treeRows(this.root, this.style, this);
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
  $('o-n').textContent = Q ? this.hits.length + (this.hits.length === 1 ? ' match' : ' matches') : '';
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
  var f = r.f, root = this.root, page = this.style !== 'text', e = el('div', 'row' + (i === this.sel ? ' sel' : ''));
  e.style.top = i * RH + 'px';
  e.dataset.i = i;
  e.setAttribute('role', 'treeitem');
  el('span', 'ind', null, e).style.width = r.d * IND + 'px';
  if (r.g) {
    var shown = this.groups.has(f.k);
    e.setAttribute('aria-expanded', shown);
    e.classList.add('gl');
    el('span', 'tg', shown ? '\u25be' : '\u25b8', e);
    el('span', 'grp', page ? r.g.frames.length - 1 + ' frames ' + (shown ? 'shown' : 'hidden')
      : '[' + r.g.n + ' frames ' + (shown ? 'shown' : 'hidden') + ']', e);
    el('span', 'libs', page ? pageLibs(r.g) : libNames(r.g, root), e);
    return e;
  }
  if (!r.leaf) e.setAttribute('aria-expanded', r.open);
  el('span', 'tg', r.leaf ? '' : r.open ? '\u25be' : '\u25b8', e);
  var p = root.time ? f.time / root.time : 1;
  el('span', 'tm ' + colour(p), fmtTime(f.time, root.time, page ? pagePrec : prec), e);
  hl(el('span', 'nm' + (isApp(f) ? ' app' : ''), null, e), name(f), Q);
  var pos = page ? pagePos(f) : position(f);
  if (pos) hl(el('span', 'pos', null, e), pos, Q);
  e.title = (f.i.file || f.i.fn) + '\nself ' + fmtSec(selfTime(f)) + ', total ' + fmtSec(f.time);
  return e;
};

TreeView.prototype.select = function (i) {
  if (i < 0 || i >= this.rows.length) return;
  this.sel = i;
  var b = this.box, top = i * RH;
  if (top < b.scrollTop) b.scrollTop = top;
  else if (top + RH > b.scrollTop + b.clientHeight) b.scrollTop = top + RH - b.clientHeight;
  this.painted = null;
  this.paint();
};

TreeView.prototype.setOpen = function (f, on) {
  this.decided.add(f.k);
  if (on) this.open.add(f.k); else this.open.delete(f.k);
};

// Opens or closes row i; 'deep' does the same to everything below it,
// library groups included.
TreeView.prototype.toggle = function (i, want, deep) {
  var r = this.rows[i], self = this;
  if (!r || r.leaf) return;
  if (r.g) {
    if (want === undefined) want = !this.groups.has(r.f.k);
    if (want) this.groups.add(r.f.k); else this.groups.delete(r.f.k);
  } else {
    if (want === undefined) want = !r.open;
    this.setOpen(r.f, want);
  }
  if (deep) {
    preorder(r.f, function (f) {
      self.setOpen(f, want);
      if (f.group && f.group.root === f) { if (want) self.groups.add(f.k); else self.groups.delete(f.k); }
    });
  }
  this.layout();
};

// Expand all opens every frame but leaves library groups as they are;
// Collapse all closes groups too.
TreeView.prototype.setAll = function (on) {
  var self = this;
  if (!this.root) return;
  preorder(this.root, function (f) { self.setOpen(f, on); });
  if (!on) { this.setOpen(this.root, true); this.groups.clear(); }
  this.layout();
};

// A click anywhere on a row toggles it (Alt: the whole subtree), unless it
// ends a text selection.
TreeView.prototype.click = function (e) {
  var row = e.target.closest('.row');
  if (!row || e.detail > 1 || String(window.getSelection())) return;
  var i = +row.dataset.i;
  this.select(i);
  this.toggle(i, undefined, e.altKey);
};

TreeView.prototype.key = function (e) {
  var i = this.sel, r = this.rows[i], page = Math.floor(this.box.clientHeight / RH) - 1;
  if (!r) return;
  var open = r.g ? this.groups.has(r.f.k) : r.open;
  switch (e.key) {
    case 'ArrowDown': case 'j': this.select(i + 1); break;
    case 'ArrowUp': case 'k': this.select(i - 1); break;
    case 'PageDown': this.select(Math.min(this.rows.length - 1, i + page)); break;
    case 'PageUp': this.select(Math.max(0, i - page)); break;
    case 'Home': this.select(0); break;
    case 'End': this.select(this.rows.length - 1); break;
    case 'ArrowRight': case 'l':
      if (!r.leaf && !open) this.toggle(i, true, e.altKey);
      else if (!r.leaf) this.select(i + 1);
      break;
    case 'ArrowLeft': case 'h':
      if (!r.leaf && open) this.toggle(i, false, e.altKey);
      else if (r.up >= 0) this.select(r.up);
      break;
    case 'Enter': case ' ': this.toggle(i, undefined, e.altKey); break;
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
  var f = this.hits[this.hit], root = this.root, page = this.style !== 'text';
  for (var a = f; a; a = a.parent) {
    if (a !== f) this.setOpen(a, true);
    if (a.group && !(page ? shownPage(a, this.groups) : drawnText(a, root, this.groups))) this.groups.add(a.group.root.k);
  }
  this.layout();
  for (var i = 0; i < this.rows.length; i++) {
    if (this.rows[i].f === f && !this.rows[i].g) return this.select(i);
  }
};

TreeView.prototype.show = function () { this.box.focus({preventScroll: true}); this.painted = null; this.paint(); };
