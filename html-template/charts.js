/* charts.js - the report's timeline and flame graph: every frame of every
 * sample as a box (pyinstrument's timeline), coloured by library with a
 * legend; with library code collapsed, each group of hidden frames is one
 * hatched box that opens in place when clicked. */

// Colours per library, fixed for the report: libraries ranked by their
// self time in the whole recording take hues spread by halving the gaps
// (the busiest ones furthest apart), application code among the blues,
// libraries among the other hues, built-in functions grey.
var libRanks = null;

function vdc(i) { // 0, 1/2, 1/4, 3/4, 1/8, ...
  var r = 0;
  for (var b = 0.5; i; i >>= 1, b /= 2) if (i & 1) r += b;
  return r;
}

function libFill(l, app) {
  if (!libRanks) {
    var by = new Map(), n = [0, 0];
    if (data.frame_tree) {
      preorder(build(data.frame_tree), function (f) {
        var k = lib(f), e = by.get(k);
        if (!e) by.set(k, e = {k: k, app: isApp(f) ? 1 : 0, t: 0});
        if (!f.i.syn) e.t += selfTime(f);
      });
    }
    libRanks = new Map();
    Array.from(by.values()).sort(function (a, b) { return b.t - a.t || (a.k < b.k ? -1 : 1); })
      .forEach(function (e) { if (!libRanks.has(e.k)) libRanks.set(e.k, n[e.app]++); });
  }
  var L = parseFloat(cssVar('--chart-l')), i = libRanks.get(l) || 0;
  if (l === '<built-in>') return 'hsl(0,0%,' + L + '%)';
  if (i >= 8) L += i & 1 ? -8 : 6;
  if (app) return 'hsl(' + (200 + 50 * vdc(i)) + ',70%,' + L + '%)';
  return 'hsl(' + (275 + 270 * vdc(i)) % 360 + ',62%,' + L + '%)';
}

// Boxes in depth-first order; [self] has none (its time is the gap under
// its caller). A closed group's frames give way to one box at its root.
function frameBoxes(root, open) {
  var rows = [], list = [], st = root ? [root, 0, 0] : [];
  while (st.length) {
    var d = st.pop(), t = st.pop(), f = st.pop(), g = f.group, closed = g && !open.has(g.root.k);
    if (f.i.id !== '[self]' && (!closed || g.root === f)) {
      var b = {t: t, w: f.time, f: f, d: d, g: closed ? g : null, open: !!g && !closed && g.root === f};
      (rows[d] || (rows[d] = [])).push(b);
      list.push(b);
      d++;
    }
    var at = t, next = [];
    f.kids.forEach(function (c) { next.push(c, at, d); at += c.time; });
    for (var k = next.length - 3; k >= 0; k -= 3) st.push(next[k], next[k + 1], next[k + 2]);
  }
  return {rows: rows, list: list, total: root ? root.time : 0};
}

function FrameChart(main, kind) {
  var self = this;
  this.kind = kind;
  this.open = new Set();
  this.chart = new Chart(main, kind, this);
  this.box = this.chart.box;
  this.legend = el('div', 'legend', null, this.box);
  this.legend.addEventListener('mouseover', function (e) {
    var it = e.target.closest('[data-lib]');
    self.focus = it ? it.dataset.lib : null;
    self.chart.draw();
  });
  this.legend.addEventListener('mouseleave', function () { self.focus = null; self.chart.draw(); });
}

FrameChart.prototype.refresh = function () {
  this.root = chartTree(S[this.kind], this.kind === 'flame');
  if (this.root) assignKeys(this.root);
  this.open.clear();
  this.chart.refresh();
  this.legendFill();
};

FrameChart.prototype.layout = function () { return frameBoxes(this.root, this.open); };

FrameChart.prototype.fill = function (b) { return libFill(lib(b.f), isApp(b.f)); };

FrameChart.prototype.label = function (b) {
  var f = b.f;
  if (b.g) return name(f) + ' [+' + (b.g.frames.length - 1) + ']';
  return (b.open ? '\u25be ' : '') + (f.i.fn === '<module>' && f.i.short ? f.i.short : name(f));
};

FrameChart.prototype.dim = function (b) {
  if (this.focus != null) return lib(b.f) !== this.focus;
  return Q && !matches(b.f);
};

FrameChart.prototype.tip = function (b, tip) {
  var f = b.f, total = this.root.time || 1, l = lib(b.f);
  el('b', null, b.g ? b.g.frames.length - 1 + ' frames hidden ' + pageLibs(b.g) : name(f), tip);
  if (b.g) el('span', null, 'below ' + name(f) + '; click to show them', tip);
  el('span', null, position(f) || f.i.file || '', tip);
  if (l) el('span', null, l + (isApp(f) ? ' (application code)' : ' (library)'), tip);
  el('span', null, 'duration ' + fmtSec(f.time) + ' (' + (100 * f.time / total).toFixed(1) + '%)' +
    (this.kind === 'flame' ? ', self ' + fmtSec(selfTime(f)) : ', at ' + fmtSec(b.t)), tip);
  if (b.open) el('span', null, 'click to hide its library frames again', tip);
};

// A group box opens in place; the first box of an open group closes it.
FrameChart.prototype.click = function (b) {
  if (!b.g && !b.open) return false;
  var k = (b.g || b.f.group).root.k;
  if (b.g) this.open.add(k); else this.open.delete(k);
  this.chart.refresh(true);
  return true;
};

// The libraries of the chart by self time, application code marked.
FrameChart.prototype.legendFill = function () {
  var by = new Map(), lg = this.legend, total = this.root ? this.root.time || 1 : 1;
  if (this.root) {
    preorder(this.root, function (f) {
      var l = lib(f), e = by.get(l);
      if (!e) by.set(l, e = {l: l, app: isApp(f), t: 0});
      e.t += f.i.syn ? 0 : selfTime(f);
    });
  }
  var all = Array.from(by.values()).filter(function (e) { return e.l && e.t / total >= 5e-4; });
  all.sort(function (a, b) { return b.t - a.t || (a.l < b.l ? -1 : 1); });
  lg.textContent = '';
  lg.hidden = !all.length;
  all.slice(0, 12).forEach(function (e) {
    var it = el('span', 'lg' + (e.app ? ' app' : ''), null, lg);
    it.dataset.lib = e.l;
    el('i', null, null, it).style.background = libFill(e.l, e.app);
    it.appendChild(doc.createTextNode(e.l + ' ' + (100 * e.t / total).toFixed(1) + '%'));
  });
  if (all.length > 12) el('span', 'lg more', '+' + (all.length - 12) + ' more', lg);
};

FrameChart.prototype.show = function () { this.legendFill(); this.chart.draw(); };
FrameChart.prototype.draw = function () { this.chart.draw(); };
FrameChart.prototype.zoom = function (f) { this.chart.zoom(f); };
FrameChart.prototype.reset = function () { this.chart.reset(); };
