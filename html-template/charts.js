/* charts.js - the canvas views (timeline and flame graph share one chart:
 * boxes by time and depth, zoom, pan, tooltips) and the top functions
 * table. */

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
