// Opens the HTML reports that run.sh made in headless Chromium and checks
// what a reader sees: the call tree against pyi-render's text report for
// the same options, expanding and collapsing, library hiding, search,
// keyboard navigation, the canvas views, escaping of hostile names, dark
// mode and the page size. Prints "N passed, M failed"; exits non-zero on
// any failure. Screenshots go to $ARTIFACTS.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const REPORTS = process.env.REPORTS;
const ARTIFACTS = process.env.ARTIFACTS;
const CASES = process.env.CASES.split(/\s+/).filter(Boolean);
let passed = 0, failed = 0;

function check(ok, what) {
  if (ok) passed++;
  else { failed++; console.log('FAIL: ' + what); }
}

// The tree lines of a text report: depth (3 columns per level) and fields.
function textTree(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let i = lines.indexOf('', 5) + 1; // after the banner and the description
  const out = [];
  for (; i < lines.length && lines[i] !== '' && lines[i] !== 'No samples were recorded.'; i++) {
    const m = /^([\u2502\u251c\u2514\u2500 ]*)(.*)$/u.exec(lines[i]);
    const d = Array.from(m[1]).length / 3, rest = m[2];
    const g = /^(\[\d+ frames hidden\])  (.*)$/.exec(rest);
    if (g) { out.push({ d, group: g[1], libs: g[2] }); continue; }
    const sp = rest.indexOf(' '), cut = rest.lastIndexOf('  ');
    out.push({ d, time: rest.slice(0, sp), name: rest.slice(sp + 1, cut), pos: rest.slice(cut + 2) });
  }
  return out;
}

// Every row of the page's tree, scrolling through the virtual list.
async function pageTree(page) {
  return page.evaluate(async () => {
    const box = document.querySelector('.tree:not([hidden])'), rows = new Map();
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    for (let top = 0; ; top += Math.max(1, box.clientHeight - 44)) {
      box.scrollTop = top;
      box.dispatchEvent(new Event('scroll'));
      await frame();
      for (const r of box.querySelectorAll('.row')) {
        const d = parseFloat(r.querySelector('.ind').style.width) / 18, g = r.querySelector('.grp');
        const text = (s) => (r.querySelector(s) || { textContent: '' }).textContent;
        rows.set(+r.dataset.i, g ? { d, group: g.textContent, libs: text('.libs') }
          : { d, time: text('.tm'), name: text('.nm'), pos: text('.pos') });
      }
      if (top + box.clientHeight >= box.scrollHeight) break;
    }
    box.scrollTop = 0;
    return [...rows.keys()].sort((a, b) => a - b).map((k) => rows.get(k));
  });
}

// Times may differ by one unit in the last digit (sums in another order).
function sameTime(a, b) {
  if (a === b) return true;
  const dec = (a.split('.')[1] || '').replace('%', '').length;
  return Math.abs(parseFloat(a) - parseFloat(b)) <= Math.pow(10, -dec) * 1.0001;
}

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
  if (got.length !== want.length) {
    check(false, `${what}: ${got.length} rows in the page, ${want.length} lines in the text report`);
  }
  got = canonical(got);
  want = canonical(want);
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i], w = want[i];
    const ok = g.d === w.d && (w.group ? g.group === w.group && g.libs === w.libs
      : g.name === w.name && g.pos === w.pos && sameTime(g.time, w.time));
    if (!ok) {
      return check(false, `${what}: row ${i} is ${JSON.stringify(g)}, text report has ${JSON.stringify(w)}`);
    }
  }
  check(got.length === want.length, `${what}: same length`);
}

async function open(page, file) {
  await page.goto('file://' + file);
  await page.waitForSelector('body[data-ready]', { timeout: 15000 });
}

async function setOptions(page, o) {
  if (o.group === false) await page.uncheck('#o-group');
  if (o.importlib === false) await page.uncheck('#o-importlib');
  if (o.tbhide === false) await page.uncheck('#o-tbhide');
  if (o.agg === false) await page.uncheck('#o-agg');
  if (o.thr !== undefined) { await page.fill('#o-thr', String(o.thr)); await page.press('#o-thr', 'Tab'); }
  if (o.pct) await page.selectOption('#o-time', 'p');
  await page.click('#b-exp');
}

// The page's options that give the same tree as a text report variant.
const VARIANTS = {
  default: {},
  percent: { pct: true },
  showall: { group: false, importlib: false, tbhide: false, thr: 0 },
  thresh5: { thr: 5 },
  timeline: { agg: false },
};

async function canvasInk(page) {
  return page.evaluate(() => {
    const cv = document.querySelector('.chart:not([hidden]) canvas');
    const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let ink = 0;
    for (let k = 0; k < px.length; k += 4) if (Math.abs(px[k] - px[0]) + Math.abs(px[k + 1] - px[1]) + Math.abs(px[k + 2] - px[2]) > 30) ink++;
    return { ink, url: cv.toDataURL() };
  });
}

async function treeTests(page) {
  const file = path.join(REPORTS, 'stdlib-fine.html');
  await open(page, file);
  // the header, set from the session
  check(await page.textContent('#prog') === 'Program: stdlib.py', 'header shows the program');
  check(/Samples\s*619/.test(await page.textContent('#facts')), 'header shows the sample count');
  await page.screenshot({ path: path.join(ARTIFACTS, 'tree.png') });

  // collapse and expand one node
  const before = await pageTree(page);
  const js = page.locator('.row', { hasText: 'stdlib.py:2' }).first();
  check(await js.getAttribute('aria-expanded') === 'true', 'js starts expanded');
  await js.locator('.tg').click();
  const closed = await pageTree(page);
  check(await js.getAttribute('aria-expanded') === 'false', 'js collapsed');
  check(closed.length < before.length && !closed.some((r) => r.name === 'dumps'), 'collapsing hides the children');
  await js.locator('.tg').click();
  check((await pageTree(page)).length === before.length, 'expanding brings them back');

  // library hiding on and off
  await page.click('#b-exp');
  let rows = await pageTree(page);
  check(rows.some((r) => r.group === '[2 frames hidden]'), 'library frames are grouped');
  check(!rows.some((r) => r.name === 'JSONDecoder.raw_decode'), 'grouped frames are hidden');
  await page.locator('.row', { hasText: '[2 frames hidden]' }).first().click();
  rows = await pageTree(page);
  check(rows.some((r) => r.name === 'JSONDecoder.raw_decode'), 'a group line opens');
  await page.uncheck('#o-group');
  await page.click('#b-exp');
  rows = await pageTree(page);
  check(!rows.some((r) => r.group) && rows.some((r) => r.name === 'JSONDecoder.raw_decode'), 'hide library code off');
  await page.check('#o-group');

  // keyboard: Home, down, left collapses, right expands, left goes up
  await page.focus('.tree');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  const sel = page.locator('.row.sel');
  check(await sel.getAttribute('data-i') === '1', 'ArrowDown selects the next row');
  check(/js/.test(await sel.textContent()), 'the second row is js');
  await page.keyboard.press('ArrowLeft');
  check(await page.locator('.row.sel').getAttribute('aria-expanded') === 'false', 'ArrowLeft collapses');
  await page.keyboard.press('ArrowRight');
  check(await page.locator('.row.sel').getAttribute('aria-expanded') === 'true', 'ArrowRight expands');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  check(await page.locator('.row.sel').getAttribute('data-i') === '0', 'ArrowLeft on a closed node goes to its parent');

  // search highlights matches and Enter goes to the next one
  await page.fill('#o-q', 'iterencode');
  await page.waitForFunction(() => /match/.test(document.getElementById('o-n').textContent));
  check(/^1 match$/.test(await page.textContent('#o-n')), 'search counts matches');
  await page.press('#o-q', 'Enter');
  const hit = page.locator('.row.sel');
  check(await hit.locator('mark').textContent() === 'iterencode', 'the found row is selected and marked');
  await page.fill('#o-q', '');
}

async function chartTests(page) {
  await open(page, path.join(REPORTS, 'stdlib-fine.html'));
  await page.click('#tabs button[data-view=timeline]');
  const tl = await canvasInk(page);
  check(tl.ink > 5000, `the timeline drew (${tl.ink} pixels)`);
  const box = await page.locator('.chart:not([hidden]) canvas').boundingBox();
  await page.mouse.move(box.x + 200, box.y + 18 + 9); // the first row of frames
  const tip = page.locator('.chart:not([hidden]) .tip');
  await tip.waitFor({ state: 'visible' });
  const tipText = await tip.textContent();
  check(/<module>stdlib\.py:1duration /.test(tipText), `the tooltip names the frame: ${tipText}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'timeline.png') });
  await page.mouse.wheel(0, -400);
  const zoomed = await canvasInk(page);
  check(zoomed.url !== tl.url, 'the wheel zooms the timeline');
  await page.mouse.move(box.x + 600, box.y + 300);
  await page.mouse.down();
  await page.mouse.move(box.x + 400, box.y + 300, { steps: 5 });
  await page.mouse.up();
  check((await canvasInk(page)).url !== zoomed.url, 'dragging pans the timeline');
  await page.click('#b-zr');
  check((await canvasInk(page)).url === tl.url, 'Reset shows everything again');

  await page.click('#tabs button[data-view=flame]');
  const fl = await canvasInk(page);
  check(fl.ink > 5000, `the flame graph drew (${fl.ink} pixels)`);
  await page.mouse.click(box.x + 40, box.y + 18 + 18 + 9); // js, at depth 1
  check((await canvasInk(page)).url !== fl.url, 'clicking a box zooms into it');
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

async function escapeTests(page) {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  const html = fs.readFileSync(path.join(REPORTS, 'xss.html'), 'latin1');
  check(!html.includes('alert('), 'hostile names do not appear as text in the file');
  await open(page, path.join(REPORTS, 'xss.html'));
  await page.click('#b-exp');
  const rows = await pageTree(page);
  check(rows.some((r) => r.name === '</script><script>alert(1)</script>'), 'a hostile function name shows as text');
  check(rows.some((r) => r.pos === '<img src=x onerror=alert(2)>.py:1'), 'a hostile file name shows as text');
  check(await page.textContent('#prog') === 'Program: </script><script>alert(1)</script><b id="inj">x</b>', 'the description shows as text');
  for (const v of ['timeline', 'flame', 'top']) await page.click(`#tabs button[data-view=${v}]`);
  check(await page.locator('#inj, img').count() === 0 && dialogs.length === 0, 'no element or script was injected');
}

async function sizeTests() {
  // pyinstrument's page: its app (app.js 67,104 + app.css 7,778 characters),
  // the data uncompressed and 476 characters of page around them (renderers.md 7.1)
  const sizes = [];
  for (const c of CASES) {
    const html = fs.readFileSync(path.join(REPORTS, c + '.html'), 'latin1');
    const m = /id="pyi-data" type="application\/octet-stream">([^<]*)</.exec(html);
    const data = zlib.inflateSync(Buffer.from(m[1], 'base64'));
    const obj = JSON.parse(data.toString('utf8'));
    check('session' in obj && 'frame_tree' in obj, `${c}: the page carries the data object`);
    check(m[1].length * 3 < data.length || data.length < 4096, `${c}: data compressed ${data.length} -> ${m[1].length}`);
    sizes.push({ c, page: html.length, data: data.length, theirs: 67104 + 7778 + 476 + data.length,
      file: fs.statSync(path.join(process.env.CORPUS, c, 'session.pyisession')).size });
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
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => { errors.push(e.message); console.log('page error: ' + e.message); });
    page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('blob:')) errors.push('request ' + r.url()); });
    for (const c of CASES) {
      for (const [v, o] of Object.entries(VARIANTS)) {
        await open(page, path.join(REPORTS, c + '.html'));
        await setOptions(page, o);
        compareTrees(await pageTree(page), textTree(path.join(REPORTS, `${c}.${v}.txt`)), `${c} ${v}`);
      }
    }
    await open(page, path.join(REPORTS, 'edge-empty.html'));
    check(/No samples were recorded/.test(await page.textContent('main')), 'an empty session says so');
    await treeTests(page);
    await chartTests(page);
    await page.emulateMedia({ colorScheme: 'dark' });
    await open(page, path.join(REPORTS, 'stdlib-fine.html'));
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(bg.match(/\d+/g).slice(0, 3).every((v) => +v < 60), `dark mode background (${bg})`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'tree-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await escapeTests(page);
    await sizeTests();
    check(errors.length === 0, 'no script errors or network requests: ' + errors.join('; '));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}, (e) => {
  console.log('FAIL: ' + (e && e.stack || e));
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
