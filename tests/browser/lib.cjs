// Helpers of the browser tests: counting checks, opening a page with
// fresh or kept storage, and reading the rows of a page's tree.
'use strict';
const fs = require('fs');

const count = { passed: 0, failed: 0 };

function check(ok, what) {
  if (ok) count.passed++;
  else { count.failed++; console.log('FAIL: ' + what); }
}

// Opens a page when its app has started. Unless 'keep', the browser's
// saved options are cleared first (an init script of the context does it
// for URLs ending in '?fresh'), so each test starts from the defaults.
async function open(page, file, keep) {
  await page.goto('file://' + file + (keep ? '' : '?fresh'));
  await page.waitForSelector('body[data-ready]', { timeout: 15000 });
}

function clearOnFresh() {
  if (location.search === '?fresh') localStorage.clear();
}

// Every row of the page's tree, scrolling through the virtual list: depth,
// kind (frame or group), time, function, location, state, as the corpus's
// html-rows files list them.
async function pageRows(page) {
  return page.evaluate(async () => {
    const box = document.querySelector('.tree:not([hidden])'), rows = new Map();
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    for (let top = 0; ; top += Math.max(1, box.clientHeight - 44)) {
      box.scrollTop = top;
      box.dispatchEvent(new Event('scroll'));
      await frame();
      for (const r of box.querySelectorAll('.row[data-i]')) {
        const text = (s) => (r.querySelector(s) || { textContent: '' }).textContent;
        const g = r.querySelector('.grp'), ex = r.getAttribute('aria-expanded');
        rows.set(+r.dataset.i, {
          d: Math.round(parseFloat(r.querySelector('.ind').style.width) / 18),
          kind: g ? 'group' : 'frame',
          time: text('.tm'),
          name: g ? g.textContent : text('.nm'),
          libs: text('.libs'),
          pos: text('.pos'),
          state: ex === 'true' ? 'expanded' : ex === 'false' ? 'collapsed' : 'leaf',
        });
      }
      if (top + box.clientHeight >= box.scrollHeight) break;
    }
    box.scrollTop = 0;
    box.dispatchEvent(new Event('scroll'));
    return [...rows.keys()].sort((a, b) => a - b).map((k) => rows.get(k));
  });
}

// Times may differ by one unit in the last digit (sums in another order).
function sameTime(a, b) {
  if (a === b) return true;
  const dec = (a.split('.')[1] || '').replace('%', '').length;
  return Math.abs(parseFloat(a) - parseFloat(b)) <= Math.pow(10, -dec) * 1.0001;
}

// The tree lines of a pyi-render text report: depth (3 columns per level)
// and fields.
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

// The pixels of the visible canvas that differ from its background.
async function canvasInk(page) {
  return page.evaluate(() => {
    const cv = document.querySelector('.chart:not([hidden]) canvas');
    const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let ink = 0;
    for (let k = 0; k < px.length; k += 4) if (Math.abs(px[k] - px[0]) + Math.abs(px[k + 1] - px[1]) + Math.abs(px[k + 2] - px[2]) > 30) ink++;
    return { ink, url: cv.toDataURL() };
  });
}

module.exports = { count, check, open, clearOnFresh, pageRows, sameTime, textTree, canvasInk };
