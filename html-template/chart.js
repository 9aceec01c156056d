/* chart.js - the canvas chart of the timeline, the flame graph and the
 * diff's flame graph: boxes by time (across) and depth (down), zoom, pan,
 * tooltips and a time axis. What the boxes are comes from a source:
 *   layout()  -> {rows: boxes per depth in time order ({t, w, ...}),
 *                 list: every box, total: the time across}
 *   fill(b), label(b), tip(b, element), dim(b) (faded while searching),
 *   click(b) (true when it handled the click; else the chart zooms),
 *   pct (the axis shows percent of the total), empty (the no-data text).
 * A box with 'g' set is a group of hidden frames: hatched, dashed edge. */

var BH = 18;

function Chart(main, cls, src) {
  var self = this;
  this.src = src;
  this.box = el('div', 'chart ' + cls, null, main);
  this.cv = el('canvas', null, null, this.box);
  this.tip = el('div', 'tip', null, this.box);
  this.tip.hidden = true;
  this.y = 0;
  this.rows = []; this.list = []; this.total = 0;
  var drag = null;
  this.box.addEventListener('wheel', function (e) {
    e.preventDefault();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) self.pan((e.deltaX || e.deltaY) / self.w * (self.x1 - self.x0));
    else self.zoom(Math.pow(1.0015, e.deltaY), e.offsetX);
  }, {passive: false});
  this.cv.addEventListener('mousedown', function (e) {
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

// New boxes; 'keep' keeps the zoom (a group opened in place).
Chart.prototype.refresh = function (keep) {
  var l = this.src.layout();
  this.rows = l.rows; this.list = l.list; this.total = l.total;
  this.hot = null;
  if (keep && this.x1 <= (this.total || 1)) this.clamp();
  else this.reset();
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
  if (!b || (this.src.click && this.src.click(b))) return;
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
  tip.textContent = '';
  this.src.tip(b, tip);
  tip.hidden = false;
  var x = e.offsetX + 14, y = e.offsetY + 14;
  if (x + tip.offsetWidth > this.w) x = Math.max(0, e.offsetX - tip.offsetWidth - 8);
  if (y + tip.offsetHeight > this.h) y = Math.max(0, e.offsetY - tip.offsetHeight - 8);
  tip.style.left = x + 'px';
  tip.style.top = y + 'px';
};

// Diagonal stripes over a group box, in the text colour.
Chart.prototype.hatch = function (c, fg) {
  if (this.hatchFg !== fg) {
    var p = el('canvas'), g = p.getContext('2d');
    p.width = p.height = 6;
    g.strokeStyle = fg;
    g.globalAlpha = 0.35;
    g.beginPath(); g.moveTo(0, 6); g.lineTo(6, 0); g.stroke();
    this.hatchFg = fg;
    this.pattern = c.createPattern(p, 'repeat');
  }
  return this.pattern;
};

Chart.prototype.draw = function () {
  var cv = this.cv, dpr = window.devicePixelRatio || 1, src = this.src;
  this.w = this.box.clientWidth;
  this.h = this.box.clientHeight;
  if (!this.w || !this.h) return;
  if (cv.width !== Math.round(this.w * dpr) || cv.height !== Math.round(this.h * dpr)) {
    cv.width = Math.round(this.w * dpr);
    cv.height = Math.round(this.h * dpr);
    cv.style.width = this.w + 'px';
    cv.style.height = this.h + 'px';
  }
  var c = cv.getContext('2d'), fg = cssVar('--chart-t');
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  c.fillStyle = cssVar('--bg');
  c.fillRect(0, 0, this.w, this.h);
  c.font = '11px ui-monospace, Menlo, Consolas, monospace';
  c.textBaseline = 'middle';
  if (!this.list.length) {
    c.fillStyle = fg;
    c.fillText(src.empty || 'No samples were recorded.', 16, 30);
    return;
  }
  var x0 = this.x0, scale = this.w / (this.x1 - this.x0), cw = c.measureText('m').width;
  var first = Math.max(0, Math.floor(this.y / BH) - 1), last = Math.min(this.rows.length, first + Math.ceil(this.h / BH) + 2);
  for (var d = first; d < last; d++) {
    var row = this.rows[d] || [], y = BH + d * BH - this.y, lo = 0, hi = row.length;
    while (lo < hi) { // first box ending after x0
      var mid = (lo + hi) >> 1;
      if (row[mid].t + row[mid].w < x0) lo = mid + 1; else hi = mid;
    }
    for (var k = lo; k < row.length; k++) {
      var b = row[k], px = (b.t - x0) * scale, pw = b.w * scale;
      if (px > this.w) break;
      c.fillStyle = src.fill(b);
      c.globalAlpha = src.dim && src.dim(b) ? 0.25 : 1;
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
      if (b.g) {
        c.fillStyle = this.hatch(c, fg);
        c.fillRect(left, y, right - left - 0.5, BH - 1);
        c.setLineDash([3, 2]);
        c.strokeStyle = fg;
        c.strokeRect(left + 0.5, y + 0.5, right - left - 1.5, BH - 2);
        c.setLineDash([]);
      }
      if (b === this.hot) {
        c.strokeStyle = fg;
        c.strokeRect(left + 0.5, y + 0.5, right - left - 1.5, BH - 2);
      }
      var room = Math.floor((right - left - 6) / cw);
      if (room >= 3) {
        var label = src.label(b);
        if (label.length > room) label = label.slice(0, room - 1) + '\u2026';
        c.fillStyle = fg;
        c.fillText(label, left + 3, y + BH / 2);
      }
    }
  }
  c.globalAlpha = 1;
  this.axis(c, fg);
};

// Ticks at 1, 2 or 5 times a power of ten; a label that would pass the
// right edge goes on the left of its tick instead.
Chart.prototype.axis = function (c, fg) {
  var span = this.x1 - this.x0, step = Math.pow(10, Math.floor(Math.log10(span / 8)));
  if (span / step > 40) step *= 5; else if (span / step > 16) step *= 2;
  var u, unit;
  if (this.src.pct) { u = this.total / 100 || 1; unit = '%'; step = Math.max(step, u / 1e4); }
  else if (step >= 1) { u = 1; unit = ' s'; }
  else if (step >= 1e-3) { u = 1e-3; unit = ' ms'; }
  else { u = 1e-6; unit = ' \u00b5s'; }
  var dec = Math.max(0, Math.ceil(-Math.log10(step / u) - 1e-9));
  c.fillStyle = cssVar('--panel');
  c.fillRect(0, 0, this.w, BH);
  c.fillStyle = fg;
  c.strokeStyle = fg;
  c.globalAlpha = 0.6;
  this.labels = [];
  for (var n = Math.ceil(this.x0 / step); n * step <= this.x1; n++) {
    var x = Math.round((n * step - this.x0) / span * this.w) + 0.5;
    var text = (n * step / u).toFixed(dec) + unit, tw = c.measureText(text).width;
    var tx = x + 3 + tw > this.w - 2 ? x - 3 - tw : x + 3;
    c.beginPath(); c.moveTo(x, BH - 5); c.lineTo(x, BH); c.stroke();
    c.fillText(text, tx, BH / 2 - 1);
    this.labels.push({text: text, x: tx, w: tw});
  }
  c.globalAlpha = 1;
};

Chart.prototype.show = function () { this.draw(); };
