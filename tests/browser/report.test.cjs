// Opens the HTML reports and diff pages that run.sh made in headless
// Chromium and checks what a reader sees: the default call tree row for
// row against pyinstrument's page (the corpus's html-rows files), the
// text-report style against pyi-render's text report, clicking rows,
// options kept across reloads and reports, the timeline's and flame
// graph's full stacks, group boxes, colours and axis, escaping of hostile
// names, 10,000-deep stacks, dark mode, page sizes, and the diff page
// (diff.test.cjs). Prints "N passed, M failed"; exits non-zero on any
// failure. Screenshots go to $ARTIFACTS.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const { count, check, open, clearOnFresh, pageRows, sameTime, textTree, canvasInk } = require('./lib.cjs');
const diffTests = require('./diff.test.cjs');

const REPORTS = process.env.REPORTS;
const ARTIFACTS = process.env.ARTIFACTS;
const CORPUS = process.env.CORPUS;
const CASES = process.env.CASES.split(/\s+/).filter(Boolean);
const ROW_CASES = process.env.ROW_CASES.split(/\s+/).filter(Boolean);
const report = (c) => path.join(REPORTS, c + '.html');

/* ---- the default tree: pyinstrument's page's rows ----------------------- */

function tsvRows(rows) {
  return rows.map((r) => [r.d, r.kind, r.kind === 'group' ? '' : r.time,
    r.kind === 'group' ? r.name + ' ' + r.libs : r.name, r.pos, r.state].join('\t'));
}

function sameLines(got, want, what) {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] !== want[i]) {
      return check(false, `${what}: row ${i} is ${JSON.stringify(got[i])}, pyinstrument's page has ${JSON.stringify(want[i])}` +
        ` (${got.length} rows, ${want.length} expected)`);
    }
  }
  check(true, what);
}

async function rowsTests(page) {
  for (const c of ROW_CASES) {
    await open(page, report(c));
    for (const [file, collapse] of [['html-rows.tsv', null], ['html-rows-showlib.tsv', 'off']]) {
      if (collapse) await page.selectOption('#o-collapse', collapse);
      const want = fs.readFileSync(path.join(CORPUS, c, 'expected', file), 'utf8').split('\n').slice(1).filter(Boolean);
      sameLines(tsvRows(await pageRows(page)), want, `${c} ${file}`);
    }
  }
}

/* ---- the text report's style: line by line against pyi-render ----------- */

// Siblings whose times print the same may come in either order: the page
// sums the data's 6-decimal times, the text report full-precision ones.
// Each run of such siblings is put in one order (by its text) first.
function canonical(rows) {
  const root = { kids: [] }, stack = [root];
  for (const r of rows) {
    const node = { r, kids: [] };
    stack.length = r.d + 1;
    (stack[r.d] || root).kids.push(node);
    stack[r.d + 1] = node;
  }
  const out = [];
  const text = (n) => JSON.stringify(n.r) + n.kids.map(text).join('');
  const walk = (n) => {
    if (n.r) out.push(n.r);
    const k = n.kids;
    for (let a = 0; a < k.length;) {
      let b = a + 1;
      while (b < k.length && k[b].r.time !== undefined && k[b].r.time === k[a].r.time) b++;
      const run = k.slice(a, b).sort((x, y) => (text(x) < text(y) ? -1 : text(x) > text(y) ? 1 : 0));
      run.forEach(walk);
      a = b;
    }
  };
  walk(root);
  return out;
}

function compareTrees(got, want, what) {
  got = canonical(got);
  want = canonical(want);
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i], w = want[i];
    const ok = g.d === w.d && (w.group ? g.group === w.group && g.libs === w.libs
      : g.name === w.name && g.pos === w.pos && sameTime(g.time, w.time));
    if (!ok) return check(false, `${what}: row ${i} is ${JSON.stringify(g)}, text report has ${JSON.stringify(w)}`);
  }
  check(got.length === want.length, `${what}: ${got.length} rows in the page, ${want.length} lines in the text report`);
}

function textRows(rows) {
  return rows.map((r) => (r.kind === 'group' ? { d: r.d, group: r.name, libs: r.libs }
    : { d: r.d, time: r.time, name: r.name, pos: r.pos }));
}

// The page's options that give the same tree as a text report variant.
const VARIANTS = {
  default: {},
  percent: { pct: true },
  showall: { collapse: 'off', importlib: false, tbhide: false, thr: 0 },
  thresh5: { thr: 5 },
  timeline: { agg: false },
};

async function setOptions(page, o) {
  await page.selectOption('#o-style', 'text');
  if (o.collapse) await page.selectOption('#o-collapse', o.collapse);
  if (o.importlib === false) await page.uncheck('#o-importlib');
  if (o.tbhide === false) await page.uncheck('#o-tbhide');
  if (o.agg === false) await page.uncheck('#o-agg');
  if (o.thr !== undefined) { await page.fill('#o-thr', String(o.thr)); await page.press('#o-thr', 'Tab'); }
  if (o.pct) await page.selectOption('#o-time', 'p');
  await page.click('#b-exp');
}

async function textTests(page) {
  for (const c of CASES) {
    for (const [v, o] of Object.entries(VARIANTS)) {
      await open(page, report(c));
      await setOptions(page, o);
      compareTrees(textRows(await pageRows(page)), textTree(path.join(REPORTS, `${c}.${v}.txt`)), `${c} text style ${v}`);
    }
  }
}

/* ---- the tree: header, clicks, groups, keys, search ---------------------- */

const row = (page, text) => page.locator('.tree .row', { hasText: text }).first();

async function treeTests(page) {
  await open(page, report('stdlib-fine'));
  check(await page.textContent('#prog') === 'Program: stdlib.py', 'header shows the program');
  const facts = await page.textContent('#facts');
  check(/Samples\s*619/.test(facts), 'header shows the sample count');
  check(/CPU utilisation\s*100%/.test(facts), `header shows the CPU utilisation: ${facts}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'tree.png') });

  // a click anywhere on a row toggles it
  const before = await pageRows(page);
  const js = row(page, 'stdlib.py:2');
  check(await js.getAttribute('aria-expanded') === 'true', 'js starts expanded');
  await js.locator('.nm').click();
  const closed = await pageRows(page);
  check(await js.getAttribute('aria-expanded') === 'false', 'a click on the name collapses');
  check(closed.length < before.length && !closed.some((r) => r.name === 'dumps'), 'collapsing hides the children');
  await js.locator('.tm').click();
  check((await pageRows(page)).length === before.length, 'a click on the time expands again');
  await js.locator('.pos').click();
  await js.locator('.ind').click({ force: true, position: { x: 5, y: 5 } });
  check((await pageRows(page)).length === before.length, 'two clicks on other parts toggle twice');

  // a group line opens its frames
  check(before.some((r) => r.kind === 'group' && r.name + ' ' + r.libs === '2 frames hidden (json)'), 'library frames are grouped');
  check(!before.some((r) => r.name === 'JSONDecoder.raw_decode'), 'grouped frames are hidden');
  await row(page, '2 frames hidden').click();
  let rows = await pageRows(page);
  check(rows.some((r) => r.name === 'JSONDecoder.raw_decode') && rows.some((r) => r.name === '2 frames shown'), 'a group line opens');

  // Alt-click: the whole subtree, groups included
  const top = row(page, 'stdlib.py:1');
  await top.click({ modifiers: ['Alt'] });
  rows = await pageRows(page);
  check(rows.length === 1 && rows[0].state === 'collapsed', `Alt-click closes everything below (${rows.length} rows)`);
  await top.click();
  rows = await pageRows(page);
  check(rows.some((r) => r.name === 'js' && r.state === 'collapsed'), 'a plain click opens one level only');
  await top.click({ modifiers: ['Alt'] });
  await top.click({ modifiers: ['Alt'] });
  rows = await pageRows(page);
  check(rows.every((r) => r.state !== 'collapsed') && !rows.some((r) => / hidden$/.test(r.name)) &&
    rows.some((r) => r.name === 'JSONEncoder.iterencode'), 'Alt-click opens everything below, groups too');

  // keyboard: Home, down, left collapses, right expands, left goes up
  await open(page, report('stdlib-fine'));
  await page.focus('.tree');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  check(await page.locator('.row.sel').getAttribute('data-i') === '1', 'ArrowDown selects the next row');
  check(/js/.test(await page.locator('.row.sel').textContent()), 'the second row is js');
  await page.keyboard.press('ArrowLeft');
  check(await page.locator('.row.sel').getAttribute('aria-expanded') === 'false', 'ArrowLeft collapses');
  await page.keyboard.press('ArrowRight');
  check(await page.locator('.row.sel').getAttribute('aria-expanded') === 'true', 'ArrowRight expands');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  check(await page.locator('.row.sel').getAttribute('data-i') === '0', 'ArrowLeft on a closed node goes to its parent');

  // search marks matches and Enter goes to the next one, opening its group
  await page.fill('#o-q', 'iterencode');
  await page.waitForFunction(() => /match/.test(document.getElementById('o-n').textContent));
  check(/^1 match$/.test(await page.textContent('#o-n')), 'search counts matches');
  await page.press('#o-q', 'Enter');
  check(await page.locator('.row.sel mark').textContent() === 'iterencode', 'the found row, inside a group, is selected and marked');
  await page.fill('#o-q', '');
}

/* ---- options: per view, kept across reloads and reports, reset ---------- */

async function optionsTests(page) {
  await open(page, report('stdlib-fine'));
  await page.fill('#o-thr', '1');
  await page.press('#o-thr', 'Tab');
  await page.selectOption('#o-collapse', 'off');
  await page.uncheck('#o-importlib');
  await page.uncheck('#o-pyi');
  await page.selectOption('#o-time', 'p');
  await page.click('#tabs button[data-view=timeline]');
  check(await page.inputValue('#o-collapse') === 'off' && await page.isChecked('#o-importlib'),
    'the timeline has options of its own');
  await page.selectOption('#o-collapse', 'lib');
  await page.click('#tabs button[data-view=tree]');
  const rows = await pageRows(page);
  check(rows[0].name === 'main' && rows[0].pos === 'pyinstrument/__main__.py:29', `pyinstrument's frames stay when asked: ${rows[0].name}`);
  check(rows[0].time === '100.0%' && !rows.some((r) => r.kind === 'group'), 'percent, nothing collapsed');

  await open(page, report('stdlib-fine'), true); // a reload that keeps the storage
  check(await page.inputValue('#o-thr') === '1' && await page.inputValue('#o-collapse') === 'off' &&
    !await page.isChecked('#o-importlib') && !await page.isChecked('#o-pyi') && await page.inputValue('#o-time') === 'p',
  'the tree\'s options survive a reload');
  const again = await pageRows(page);
  check(JSON.stringify(again) === JSON.stringify(rows), 'the same rows after the reload');
  await page.click('#tabs button[data-view=timeline]');
  check(await page.inputValue('#o-collapse') === 'lib', 'the timeline\'s options survive a reload');
  check((await page.evaluate(() => pyiReport.boxes('timeline'))).some((b) => b.group), 'and the timeline draws group boxes');

  // another report starts with the same options
  await open(page, report('asyncio'), true);
  check(await page.inputValue('#o-collapse') === 'lib', 'another report opens on the last view, with its options');
  await page.click('#tabs button[data-view=tree]');
  const other = await pageRows(page);
  check(await page.inputValue('#o-thr') === '1' && !other.some((r) => r.kind === 'group') && /%$/.test(other[0].time),
    'another report uses the kept tree options');

  // Reset: pyinstrument's page's rows again, now and after a reload
  await page.click('#b-reset');
  const want = fs.readFileSync(path.join(CORPUS, 'asyncio', 'expected', 'html-rows.tsv'), 'utf8').split('\n').slice(1).filter(Boolean);
  sameLines(tsvRows(await pageRows(page)), want, 'Reset gives the default rows');
  check(await page.isChecked('#o-importlib') && await page.inputValue('#o-thr') === '0.1', 'Reset sets the form back');
  await open(page, report('asyncio'), true);
  sameLines(tsvRows(await pageRows(page)), want, 'the defaults are kept after Reset and a reload');

  // custom regexes: hide one library's files, show another's
  await open(page, report('stdlib-fine'));
  await page.selectOption('#o-collapse', 'custom');
  check(await page.isVisible('#o-hide') && await page.isVisible('#o-show'), 'custom collapsing shows the regex fields');
  await page.fill('#o-show', 'textwrap');
  await page.fill('#o-hide', '/json/');
  await page.waitForFunction(() => document.querySelector('.tree').textContent.includes('TextWrapper.fill'));
  let r = await pageRows(page);
  check(r.some((x) => x.name === 'TextWrapper.fill') && r.some((x) => x.name + ' ' + x.libs === '4 frames hidden (json, <built-in>)'),
    'show regex wins over library hiding; hide regex groups');
  check(!r.some((x) => x.name === 'fill' && x.state === 'expanded' && r.some((y) => y.name === '12 frames hidden (textwrap, <built-in>)')),
    'frames the show regex matches are not grouped');
  await page.fill('#o-hide', '(');
  await page.waitForFunction(() => document.getElementById('o-hide').classList.contains('bad'));
  check(/Invalid|unterminated|missing/i.test(await page.getAttribute('#o-hide', 'title')), 'a bad regex is marked, with its error');
  await open(page, report('stdlib-fine'), true);
  check(await page.inputValue('#o-collapse') === 'custom' && await page.inputValue('#o-show') === 'textwrap',
    'the regexes are kept too');
  await page.click('#b-reset');
}

/* ---- timeline and flame graph -------------------------------------------- */

const boxes = (page, v) => page.evaluate((v) => pyiReport.boxes(v), v);

// Where box i of a chart is on the screen (its middle, or its left end
// when it starts off screen).
async function boxPoint(page, v, i) {
  return page.evaluate(([v, i]) => {
    const c = pyiReport.views[v].chart, b = c.list[i], r = c.cv.getBoundingClientRect();
    const l = Math.max(b.t, c.x0), rt = Math.min(b.t + b.w, c.x1);
    return { x: r.left + ((l + rt) / 2 - c.x0) / (c.x1 - c.x0) * c.w, y: r.top + 18 + b.d * 18 - c.y + 9 };
  }, [v, i]);
}

// Boxes as text report lines: preorder, [self] has no box; equal-time
// siblings in one order.
function compareBoxes(got, want, what) {
  want = canonical(want.filter((w) => w.name !== '[self]' && !w.group));
  got = canonical(got.map((g) => ({ d: g.d, time: g.time, name: g.name, pos: g.pos })));
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i], w = want[i];
    if (g.d !== w.d || g.name !== w.name || g.pos !== w.pos || !sameTime(g.time, w.time)) {
      return check(false, `${what}: box ${i} is ${JSON.stringify(g)}, text report has ${JSON.stringify(w)}`);
    }
  }
  check(got.length === want.length, `${what}: ${got.length} boxes, ${want.length} frames in the text report`);
}

// Every frame of the page's data, the tree of the samples as recorded,
// preorder without [self]: what a timeline without removals draws.
function dataFrames(c) {
  const html = fs.readFileSync(report(c), 'latin1');
  const m = /id="pyi-data" type="application\/octet-stream">([^<]*)</.exec(html);
  const tree = JSON.parse(zlib.inflateSync(Buffer.from(m[1], 'base64')).toString('utf8')).frame_tree;
  const out = [], st = [[tree, 0, 0]];
  while (st.length) {
    const [f, d, t] = st.pop();
    if (f.identifier !== '[self]') out.push({ d, id: f.identifier, t: +t.toFixed(6), w: f.time });
    let at = t;
    const next = (f.children || []).map((c) => { const x = [c, d + (f.identifier === '[self]' ? 0 : 1), at]; at += c.time; return x; });
    st.push(...next.reverse());
  }
  return out;
}

async function chartTests(page) {
  // full stacks: with nothing removed, the timeline is every frame of
  // every sample in its place, the flame graph the text report's tree
  for (const c of ['stdlib-fine', 'asyncio', 'recursion', 'threads-sleep']) {
    for (const v of ['timeline', 'flame']) {
      await open(page, report(c));
      await page.click(`#tabs button[data-view=${v}]`);
      check((await boxes(page, v)).every((x) => !x.group), `${c} ${v}: no group boxes by default`);
      await page.uncheck('#o-importlib');
      await page.uncheck('#o-tbhide');
      if (v === 'flame') {
        compareBoxes(await boxes(page, v), textTree(path.join(REPORTS, `${c}.showall.txt`)), `${c} flame graph full stacks`);
        continue;
      }
      await page.uncheck('#o-pyi');
      const b = await boxes(page, v), want = dataFrames(c);
      const bad = want.findIndex((w, i) => !b[i] || b[i].d !== w.d || b[i].id !== w.id || Math.abs(b[i].t - w.t) > 2e-6 || b[i].w !== w.w);
      check(b.length === want.length && bad < 0, `${c} timeline: every frame of every sample (${b.length} boxes, ` +
        `${want.length} frames; first difference ${bad}: ${JSON.stringify(b[bad])} ${JSON.stringify(want[bad])})`);
      if (c === 'stdlib-fine') compareBoxes(b, textTree(path.join(REPORTS, `${c}.tlall.txt`)), `${c} timeline as the text report's`);
    }
  }

  await open(page, report('stdlib-fine'));
  await page.click('#tabs button[data-view=timeline]');
  let b = await boxes(page, 'timeline');
  check(b[0].name === '<module>' && b[0].pos === 'stdlib.py:1' && b[0].d === 0, 'the timeline starts at the program (pyinstrument\'s frames removed)');
  const loads = b.findIndex((x) => x.name === 'loads' && x.pos === 'json/__init__.py:299');
  check(loads >= 0 && b[loads + 1].name === 'JSONDecoder.decode' && b[loads + 2].name === 'JSONDecoder.raw_decode' &&
    b[loads + 2].d === b[loads].d + 2, 'library frames are drawn: loads > decode > raw_decode');
  const tl = await canvasInk(page);
  check(tl.ink > 5000, `the timeline drew (${tl.ink} pixels)`);

  // colours: one per library, the same in both charts, with a legend
  const fills = new Map();
  let stable = true;
  for (const x of b) { if (fills.has(x.lib) && fills.get(x.lib) !== x.fill) stable = false; fills.set(x.lib, x.fill); }
  check(stable && fills.get('json') !== fills.get('stdlib') && fills.get('json') !== fills.get('textwrap'),
    `one colour per library: ${JSON.stringify([...fills])}`);
  const legend = await page.locator('.chart:not([hidden]) .legend .lg').allTextContents();
  check(/^json \d/.test(legend[0]) && legend.some((t) => /^stdlib \d/.test(t)), `the legend names the libraries: ${legend.join(', ')}`);
  check(await page.locator('.chart:not([hidden]) .legend .lg.app').first().textContent() === legend.find((t) => /^stdlib/.test(t)),
    'the legend marks application code');

  // the axis: no label past the right edge, at any width or zoom
  const labelsFit = () => page.evaluate(() => {
    const c = pyiReport.views.timeline.chart;
    return c.labels.length > 1 && c.labels.every((l) => l.x >= 0 && l.x + l.w <= c.w);
  });
  let fit = true;
  for (const w of [1280, 1003, 777]) {
    await page.setViewportSize({ width: w, height: 760 });
    await page.click('#b-zr');
    fit = fit && await labelsFit();
    await page.click('#b-zin');
    fit = fit && await labelsFit();
  }
  check(fit, 'every axis label fits inside the timeline');
  await page.setViewportSize({ width: 1280, height: 760 });
  await page.click('#b-zr');

  // hover, wheel, drag, reset
  const box = await page.locator('.chart:not([hidden]) canvas').boundingBox();
  await page.mouse.move(box.x + 200, box.y + 18 + 9);
  const tip = page.locator('.chart:not([hidden]) .tip');
  await tip.waitFor({ state: 'visible' });
  const tipText = await tip.textContent();
  check(/^<module>stdlib\.py:1stdlib \(application code\)duration /.test(tipText), `the tooltip names the frame: ${tipText}`);
  await page.mouse.move(box.x + 600, box.y + 400);
  await page.screenshot({ path: path.join(ARTIFACTS, 'timeline.png') });
  const before = await canvasInk(page);
  await page.mouse.move(box.x + 600, box.y + 300);
  await page.mouse.wheel(0, -400);
  const zoomed = await canvasInk(page);
  check(zoomed.url !== before.url, 'the wheel zooms the timeline');
  await page.mouse.down();
  await page.mouse.move(box.x + 400, box.y + 300, { steps: 5 });
  await page.mouse.up();
  check((await canvasInk(page)).url !== zoomed.url, 'dragging pans the timeline');
  await page.click('#b-zr');
  await page.mouse.move(box.x + 600, box.y + 400);
  check((await canvasInk(page)).url === before.url, 'Reset shows everything again');

  // group boxes: hatched boxes for hidden library frames, opening in place
  await page.selectOption('#o-collapse', 'lib');
  b = await boxes(page, 'timeline');
  const g = b.findIndex((x) => x.group && x.name === 'loads');
  check(g >= 0 && b[g].group >= 2, `a group box stands for the hidden frames below loads: ${JSON.stringify(b[g])}`);
  check(!b.some((x) => x.name === 'JSONDecoder.raw_decode'), 'the hidden frames have no boxes of their own');
  await page.screenshot({ path: path.join(ARTIFACTS, 'timeline-groups.png') });
  let p = await boxPoint(page, 'timeline', g);
  await page.mouse.click(p.x, p.y);
  const opened = await boxes(page, 'timeline');
  check(opened.length === b.length + 2 && opened[g].open && opened[g + 1].name === 'JSONDecoder.decode' &&
    opened[g + 2].name === 'JSONDecoder.raw_decode', 'clicking a group box shows its frames');
  p = await boxPoint(page, 'timeline', g);
  await page.mouse.click(p.x, p.y);
  check((await boxes(page, 'timeline')).length === b.length, 'clicking the first frame of an open group closes it');

  // flame graph: aggregated, same colours, click zooms into a box
  await page.click('#tabs button[data-view=flame]');
  const fb = await boxes(page, 'flame');
  check(fb.filter((x) => x.lib === 'json').every((x) => x.fill === fills.get('json')), 'the flame graph colours libraries as the timeline');
  const fl = await canvasInk(page);
  check(fl.ink > 5000, `the flame graph drew (${fl.ink} pixels)`);
  await page.mouse.click(box.x + 40, box.y + 18 + 18 + 9); // js, at depth 1
  check((await canvasInk(page)).url !== fl.url, 'clicking a box zooms into it');
  await page.mouse.move(box.x + 600, box.y + 400);
  await page.screenshot({ path: path.join(ARTIFACTS, 'flame.png') });

  await page.click('#tabs button[data-view=top]');
  const first = await page.locator('.top tr.fn').first().textContent();
  check(/^0\.07390\.0739.*JSONEncoder\.iterencodejson\/encoder\.py:205$/.test(first), `top function by self time: ${first}`);
  // self times add up to the root's time: every sample counted once
  const sum = await page.evaluate(() => {
    let s = 0;
    document.querySelector('.more') && document.querySelector('.more').click();
    for (const td of document.querySelectorAll('.top tr.fn td:first-child')) s += parseFloat(td.textContent);
    return s;
  });
  check(Math.abs(sum - 0.2196) < 0.002, `self times sum to the total (${sum})`);
  await page.locator('.top tr.fn').first().click();
  check(/called from JSONEncoder\.encode/.test(await page.locator('.top tr.cl').first().textContent()), 'callers listed');
  await page.screenshot({ path: path.join(ARTIFACTS, 'top.png') });
}

/* ---- hostile names, deep stacks, sizes --------------------------------- */

async function escapeTests(page, dialogs) {
  const html = fs.readFileSync(report('xss'), 'latin1');
  check(!html.includes('alert('), 'hostile names do not appear as text in the file');
  await open(page, report('xss'));
  const rows = await pageRows(page);
  check(rows.some((r) => r.name === '</script><script>alert(1)</script>'), 'a hostile function name shows as text');
  check(rows.some((r) => r.pos === '<img src=x onerror=alert(2)>.py:1'), 'a hostile file name shows as text');
  check(await page.textContent('#prog') === 'Program: </script><script>alert(1)</script><b id="inj">x</b>', 'the description shows as text');
  for (const v of ['timeline', 'flame', 'top']) await page.click(`#tabs button[data-view=${v}]`);
  await page.click('#tabs button[data-view=timeline]');
  check((await page.locator('.chart:not([hidden]) .legend').textContent()).includes('<img src=x onerror=alert(2)>'), 'the legend shows a hostile library name as text');
  check(await page.locator('#inj, img').count() === 0 && dialogs.length === 0, 'no element or script was injected');
}

// deep.html holds an 8,000-deep stack (the loader's limit is 8,192); the
// same page with a 12,000-deep tree put in its data checks the app alone.
function deeperPage() {
  const html = fs.readFileSync(report('deep'), 'latin1');
  const re = /(id="pyi-data" type="application\/octet-stream">)([^<]*)</;
  const old = JSON.parse(zlib.inflateSync(Buffer.from(re.exec(html)[2], 'base64')).toString('utf8'));
  const n = 12000, parts = [];
  for (let i = 0; i < n; i++) {
    parts.push(`{"identifier": "f${i % 7}\\u0000/app/deep.py\\u0000${1 + i % 7}","time": 0.003,"attributes": {},"children": [`);
  }
  parts.push('{"identifier": "[self]","time": 0.003,"attributes": {},"children": []}');
  for (let i = 0; i < n; i++) parts.push(']}');
  const data = `{"session": ${JSON.stringify(old.session)}, "frame_tree": ${parts.join('')}}`;
  const out = html.replace(re, (m, a) => a + zlib.deflateSync(Buffer.from(data)).toString('base64') + '<');
  fs.writeFileSync(report('deeper'), out, 'latin1');
}

async function deepTests(page) {
  deeperPage();
  for (const [c, depth] of [['deep', 8000], ['deeper', 12000]]) {
    await open(page, report(c));
    const n = await page.evaluate(() => pyiReport.views.tree.rows.length);
    check(n >= depth, `${c}: a ${depth}-deep stack gives ${n} rows`);
    await page.evaluate(() => { const t = document.querySelector('.tree'); t.scrollTop = t.scrollHeight; t.dispatchEvent(new Event('scroll')); });
    check(await page.locator('.tree .row').count() > 0, `${c}: the deepest rows are drawn`);
    await page.evaluate(() => { const t = document.querySelector('.tree'); t.scrollTop = 0; t.dispatchEvent(new Event('scroll')); });
    await page.locator('.tree .row').first().click({ modifiers: ['Alt'] });
    check(await page.evaluate(() => pyiReport.views.tree.rows.length) === 1, `${c}: Alt-click closes every level`);
    await page.locator('.tree .row').first().click({ modifiers: ['Alt'] });
    check(await page.evaluate(() => pyiReport.views.tree.rows.length) === n, `${c}: and opens them again`);
    await page.selectOption('#o-style', 'text');
    await page.click('#b-exp');
    check(await page.evaluate(() => pyiReport.views.tree.rows.length) > 1, `${c}: the text report's style copes too`);
    await page.fill('#o-q', c === 'deep' ? 'descend' : 'f6');
    await page.waitForFunction(() => /match/.test(document.getElementById('o-n').textContent));
    await page.press('#o-q', 'Shift+Enter'); // backwards: the last match, deepest down
    check(await page.locator('.row.sel mark').count() === 1 &&
      await page.evaluate(() => { const t = pyiReport.views.tree; return t.rows[t.sel].d > 7000; }), `${c}: search finds a frame deep down`);
    await page.fill('#o-q', '');
    for (const v of ['timeline', 'flame']) {
      await page.click(`#tabs button[data-view=${v}]`);
      await page.selectOption('#o-collapse', 'lib');
      check((await boxes(page, v)).length >= depth && (await canvasInk(page)).ink > 1000, `${c}: the ${v} draws every level`);
    }
    await page.click('#tabs button[data-view=top]');
    check(await page.locator('.top tr.fn').count() > 0, `${c}: top functions`);
  }
}

async function sizeTests() {
  // pyinstrument's page: its app (app.js 67,104 + app.css 7,778 characters),
  // the data uncompressed and 476 characters of page around them (renderers.md 7.1)
  const sizes = [];
  for (const c of CASES) {
    const html = fs.readFileSync(report(c), 'latin1');
    const m = /id="pyi-data" type="application\/octet-stream">([^<]*)</.exec(html);
    const data = zlib.inflateSync(Buffer.from(m[1], 'base64'));
    const obj = JSON.parse(data.toString('utf8'));
    check('session' in obj && 'frame_tree' in obj, `${c}: the page carries the data object`);
    check(m[1].length * 3 < data.length || data.length < 4096, `${c}: data compressed ${data.length} -> ${m[1].length}`);
    sizes.push({ c, page: html.length, data: data.length, theirs: 67104 + 7778 + 476 + data.length,
      file: fs.statSync(path.join(CORPUS, c, 'session.pyisession')).size });
  }
  // the largest session file, and the one with the most data
  const biggest = [sizes.reduce((a, b) => (b.file > a.file ? b : a)), sizes.reduce((a, b) => (b.data > a.data ? b : a))];
  for (const s of biggest) {
    console.log(`size: ${s.c} (session file ${s.file} bytes): our page ${s.page} bytes, pyinstrument's ${s.theirs} ` +
      `(its data ${s.data} bytes uncompressed), ratio ${(s.theirs / s.page).toFixed(2)}`);
    check(s.page * 5 <= s.theirs, `${s.c}: page at most a fifth of pyinstrument's`);
  }
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pyi-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 760 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await browser.addInitScript(clearOnFresh);
    const page = await browser.newPage();
    const errors = [], dialogs = [];
    page.on('pageerror', (e) => { errors.push(e.message); console.log('page error: ' + e.message); });
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('blob:')) errors.push('request ' + r.url()); });
    await rowsTests(page);
    await textTests(page);
    await open(page, report('edge-empty'));
    check(/No samples were recorded/.test(await page.textContent('main')), 'an empty session says so');
    await treeTests(page);
    await optionsTests(page);
    await chartTests(page);
    await page.emulateMedia({ colorScheme: 'dark' });
    await open(page, report('stdlib-fine'));
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(bg.match(/\d+/g).slice(0, 3).every((v) => +v < 60), `dark mode background (${bg})`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'tree-dark.png') });
    await page.click('#tabs button[data-view=timeline]');
    await page.screenshot({ path: path.join(ARTIFACTS, 'timeline-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await escapeTests(page, dialogs);
    await deepTests(page);
    await sizeTests();
    await diffTests(page, { REPORTS, ARTIFACTS });
    check(errors.length === 0, 'no script errors or network requests: ' + errors.join('; '));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => {
  console.log(`${count.passed} passed, ${count.failed} failed`);
  process.exit(count.failed ? 1 : 0);
}, (e) => {
  console.log('FAIL: ' + (e && e.stack || e));
  console.log(`${count.passed} passed, ${count.failed + 1} failed`);
  process.exit(1);
});
