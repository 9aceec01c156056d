/* top.js - the top functions view: self and total time per function
 * (recursion counted once), and the callers of each. */

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
  var root = pageTree(Object.assign({}, S.top, {agg: true, collapse: 'off'})), fns = new Map(), onStack = new Map();
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
  var by = this.by, total = this.total, q = Q, self = this;
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
    el('td', 'num ' + colour(r.self / (total || 1)), fmtTime(r.self, total, pagePrec), tr);
    el('td', 'num', fmtTime(r.total, total, pagePrec), tr);
    hl(el('td', 'nm' + (isApp(f) ? ' app' : ''), null, tr), (self.opened.has(r.i) ? '\u25be ' : '\u25b8 ') + name(f), q);
    hl(el('td', 'pos', null, tr), position(f), q);
    if (!self.opened.has(r.i)) return;
    Array.from(r.callers.values()).sort(function (a, b) { return b.total - a.total; }).forEach(function (c) {
      var cr = el('tr', 'cl', null, body);
      cr.dataset.fn = c.f.i.n;
      el('td', 'num', fmtTime(c.self, total, pagePrec), cr);
      el('td', 'num', fmtTime(c.total, total, pagePrec), cr);
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
