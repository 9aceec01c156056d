// The diff page (pyi-diff -r html) in the browser: headings over number
// columns that stay put at any depth, the Slower and Faster lists side by
// side, threshold, search, row clicks, the differential flame graph
// (widths, colours, tooltips), dark mode, deep stacks, hostile names.
'use strict';
const path = require('path');
const { check, open, canvasInk } = require('./lib.cjs');

// Every painted row's cells, and whether its number columns sit exactly
// under the headings.
async function diffRows(page) {
  return page.evaluate(async () => {
    const box = document.querySelector('.dtree'), out = new Map(), frame = () => new Promise((r) => requestAnimationFrame(r));
    const heads = [...box.querySelectorAll('.dh .n')].map((e) => e.getBoundingClientRect());
    let aligned = true;
    for (let top = 0; ; top += Math.max(1, box.clientHeight - 66)) {
      box.scrollTop = top;
      box.dispatchEvent(new Event('scroll'));
      await frame();
      for (const r of box.querySelectorAll('.row[data-i]')) {
        const n = [...r.querySelectorAll('.n')];
        n.forEach((e, k) => {
          const a = e.getBoundingClientRect();
          if (Math.abs(a.left - heads[k].left) > 0.5 || Math.abs(a.right - heads[k].right) > 0.5) aligned = false;
        });
        out.set(+r.dataset.i, {
          cells: n.map((e) => e.textContent), cls: n[2].className, name: r.querySelector('.nm').textContent,
          pos: (r.querySelector('.pos') || { textContent: '' }).textContent, tag: (r.querySelector('.tag') || { textContent: '' }).textContent,
          d: Math.round(parseFloat(r.querySelector('.ind').style.width) / 18), state: r.getAttribute('aria-expanded'),
        });
      }
      if (top + box.clientHeight >= box.scrollHeight) break;
    }
    box.scrollTop = 0;
    box.dispatchEvent(new Event('scroll'));
    return { aligned, rows: [...out.keys()].sort((a, b) => a - b).map((k) => out.get(k)) };
  });
}

const rgba = (s) => s.match(/[\d.]+/g).map(Number);

async function setThreshold(page, v) {
  await page.fill('#o-thr', String(v));
  await page.press('#o-thr', 'Tab');
}

module.exports = async function diffTests(page, { REPORTS, ARTIFACTS }) {
  const file = (n) => path.join(REPORTS, n + '.html');

  // ex against a run where compute() got slower and json.loads faster
  await open(page, file('diff-ex'));
  check(/Profile diff: .*ex\.pyisession \u2192 .*changed\.pyisession/.test(await page.textContent('#prog')), 'the diff page names both sessions');
  check(/Total\s*0\.804 \u2192 1\.104 s \+0\.300 s \(\+37\.3%\)/.test(await page.textContent('#facts')), 'the totals');
  const heads = await page.locator('.dh span').allTextContents();
  check(JSON.stringify(heads) === JSON.stringify(['Base', 'New', 'Change', '%', 'Call path']), `column headings: ${heads}`);
  let d = await diffRows(page);
  const compute = d.rows.find((r) => r.name === 'compute'), loads = d.rows.find((r) => r.name === 'loads');
  check(compute && JSON.stringify(compute.cells) === '["0.604","1.004","+0.400","+66.2%"]' && / slow$/.test(compute.cls) &&
    compute.pos === 'app.py:10' && compute.d === 1, `the compute row: ${JSON.stringify(compute)}`);
  check(loads && JSON.stringify(loads.cells) === '["0.150","0.050","-0.100","-66.7%"]' && / fast$/.test(loads.cls),
    `the loads row: ${JSON.stringify(loads)}`);
  check(d.aligned, 'the number columns sit under their headings');

  // the lists side by side, one line per path
  const lists = await page.evaluate(() => [...document.querySelectorAll('#sum .list')].map((l) => {
    const r = l.getBoundingClientRect();
    return { top: r.top, left: r.left, right: r.right, h2: l.querySelector('h2').textContent,
      items: [...l.querySelectorAll('li')].map((li) => li.textContent), lines: [...l.querySelectorAll('li')].every((li) => li.getBoundingClientRect().height < 30) };
  }));
  check(lists.length === 2 && lists[0].h2 === 'Slower (self time)' && lists[1].h2 === 'Faster (self time)' &&
    lists[0].top === lists[1].top && lists[1].left - lists[0].right < 40 && lists[0].lines && lists[1].lines,
  `Slower and Faster side by side: ${JSON.stringify(lists)}`);
  check(lists[0].items[0] === '+0.400 scomputeapp.py:10' && lists[1].items[0] === '-0.100 sloadsjson/__init__.py:299',
    `the lists: ${JSON.stringify(lists.map((l) => l.items))}`);

  // threshold: every path at 0, only the big changes at 20 %
  const n1 = d.rows.length;
  await setThreshold(page, 0);
  d = await diffRows(page);
  check(d.rows.length > n1 && d.rows.some((r) => r.name === 'sqrt' && r.cells[2] === '0.000'), `threshold 0 shows unchanged paths (${n1} -> ${d.rows.length})`);
  await setThreshold(page, 20);
  d = await diffRows(page);
  check(d.rows.map((r) => r.name).join() === 'main,compute' && /left out/.test(await page.textContent('#o-hid')),
    `threshold 20 %: ${d.rows.map((r) => r.name)}`);
  await setThreshold(page, 1);

  // search, and clicks on rows and list items
  await page.fill('#o-q', 'comp');
  await page.waitForFunction(() => /match/.test(document.getElementById('o-n').textContent));
  check(await page.textContent('#o-n') === '1 match', 'search counts matches');
  await page.press('#o-q', 'Enter');
  check(await page.locator('.dtree .row.sel mark').textContent() === 'comp', 'Enter selects the match');
  await page.fill('#o-q', '');
  const main = page.locator('.dtree .row', { hasText: 'main' }).first();
  await main.locator('.nm').click();
  check(await main.getAttribute('aria-expanded') === 'false' && await page.locator('.dtree .row').count() === 1, 'a click on a row collapses it');
  await main.locator('.n').first().click();
  check(await page.locator('.dtree .row').count() === n1, 'and opens it again');
  await setThreshold(page, 0);
  await main.click({ modifiers: ['Alt'] });
  await main.click();
  check(await page.locator('.dtree .row[aria-expanded=false]').count() > 0, 'Alt-click closed the subtree too');
  await main.click({ modifiers: ['Alt'] });
  await main.click({ modifiers: ['Alt'] });
  check(await page.locator('.dtree .row[aria-expanded=false]').count() === 0, 'and Alt-click opens it all');
  await setThreshold(page, 1);
  await page.locator('#sum li').first().click();
  check(await page.locator('.dtree .row.sel .nm').textContent() === 'compute', 'a list item selects its path in the tree');

  // the differential flame graph
  await page.click('#tabs button[data-view=flame]');
  const boxes = await page.evaluate(() => {
    const c = pyiDiff.flame(), r = c.cv.getBoundingClientRect();
    return c.list.map((b) => ({ name: b.x.name, w: b.w, v: b.x.v, fill: c.src.fill(b),
      x: r.left + (b.t + b.w / 2 - c.x0) / (c.x1 - c.x0) * c.w, y: r.top + 18 + c.rows.findIndex((row) => row.includes(b)) * 18 + 9 }));
  });
  check(boxes.length > 3 && boxes.every((b) => b.w === b.v[1]), 'box widths are the new times');
  check(Math.abs(boxes[0].w - 1.104) < 1e-9 && boxes[0].name === '', 'the first box is the new total');
  const fb = (n) => boxes.find((b) => b.name === n);
  const [cr, , cb] = rgba(fb('compute').fill), [lr, , lb] = rgba(fb('loads').fill), same = rgba(fb('sqrt').fill);
  check(cr > cb && lb > lr && same[0] === same[2], `colours: compute ${fb('compute').fill}, loads ${fb('loads').fill}, sqrt ${fb('sqrt').fill}`);
  const px = await page.evaluate(([x, y]) => {
    const cv = document.querySelector('.chart:not([hidden]) canvas'), r = cv.getBoundingClientRect(), k = cv.width / r.width;
    return [...cv.getContext('2d').getImageData(Math.round((x - r.left) * k), Math.round((y - r.top) * k), 1, 1).data];
  }, [fb('compute').x, fb('compute').y]);
  check(px[0] > px[2] + 40, `the compute box is drawn red (${px})`);
  await page.mouse.move(fb('compute').x, fb('compute').y);
  const tip = page.locator('.chart:not([hidden]) .tip');
  await tip.waitFor({ state: 'visible' });
  const t = await tip.textContent();
  check(/^computeapp\.py:10base 0\.604, new 1\.004 schange \+0\.400 s \(\+66\.2%\)/.test(t), `the tooltip has both values: ${t}`);

  // a real pair of sessions, for the screenshots; a 16-deep recursion
  await open(page, file('diff-std'));
  await page.screenshot({ path: path.join(ARTIFACTS, 'diff-tree.png') });
  await page.click('#tabs button[data-view=flame]');
  check((await canvasInk(page)).ink > 5000, 'the flame graph drew');
  await page.screenshot({ path: path.join(ARTIFACTS, 'diff-flame.png') });
  await open(page, file('diff-rec'));
  await setThreshold(page, 0);
  d = await diffRows(page);
  const deepest = Math.max(...d.rows.map((r) => r.d));
  check(deepest >= 15 && d.aligned, `no drift at depth ${deepest}`);

  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page, file('diff-std'));
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg.match(/\d+/g).slice(0, 3).every((v) => +v < 60), `diff page dark mode (${bg})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'diff-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  await open(page, file('diff-deep'));
  check(await page.evaluate(() => pyiDiff.tree().rows.length) >= 4000, 'a 4,000-deep diff opens');
  await page.click('#tabs button[data-view=flame]');
  check((await canvasInk(page)).ink > 1000, 'and draws its flame graph');

  await open(page, file('diff-xss'));
  await setThreshold(page, 0);
  d = await diffRows(page);
  check(d.rows.some((r) => r.name === '</script><script>alert(1)</script>') &&
    d.rows.some((r) => r.pos === '<img src=x onerror=alert(2)>.py:1'), 'hostile names show as text in the diff');
  await page.click('#tabs button[data-view=flame]');
  check(await page.locator('#inj, img').count() === 0, 'nothing was injected into the diff page');
};
