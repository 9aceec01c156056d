// Loads a speedscope file into the real speedscope app and checks what it
// shows. usage: node load.mjs PROFILE TITLE NAME[=TOTAL]...
//
// speedscope's built app (from its npm package) and PROFILE are served on
// an unused 127.0.0.1 port; headless Chromium opens the app with
// #profileURL=..., so the file goes through speedscope's own importer. The
// check passes when speedscope says it imported a speedscope file, the
// toolbar shows TITLE and the sandwich view (a DOM table, unlike the canvas
// flame chart) lists every frame NAME, with total time TOTAL if given
// (as speedscope prints it, e.g. 804.00ms).
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const app = path.join(here, 'node_modules', 'speedscope', 'dist', 'release')
const [profile, title, ...names] = process.argv.slice(2)
if (!profile || !title || names.length === 0) {
  console.error('usage: node load.mjs PROFILE TITLE NAME[=TOTAL]...')
  process.exit(2)
}

const types = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain',
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost')
  let file
  if (url.pathname === '/profile.speedscope.json') file = profile
  else {
    // only files directly inside the app folder
    const name = path.basename(decodeURIComponent(url.pathname)) || 'index.html'
    file = path.join(app, name)
  }
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404)
      res.end()
      return
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' })
    res.end(data)
  })
})

function fail(msg) {
  console.error(`speedscope: ${msg}`)
  process.exitCode = 1
}

async function main() {
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'speedscope-chromium-'))
  let context
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // the flame chart draws with WebGL; without a GPU that is SwiftShader
        '--enable-unsafe-swiftshader',
      ],
    })
    const page = context.pages()[0] || (await context.newPage())
    const problems = []
    let imported = false
    page.on('console', msg => {
      if (process.env.DEBUG) console.error('console:', msg.text())
      if (msg.text() === 'Importing as speedscope json file') imported = true
      if (msg.type() === 'error') problems.push(`console error: ${msg.text().split('\n')[0]}`)
    })
    page.on('pageerror', err => problems.push(`page error: ${err.message}`))
    page.on('dialog', async d => {
      problems.push(`dialog: ${d.message()}`)
      await d.dismiss()
    })
    const target = `${base}/profile.speedscope.json`
    await page.goto(`${base}/index.html#profileURL=${encodeURIComponent(target)}&view=sandwich`)
    // the import is done when the toolbar carries the profile's name
    const shown = await page
      .waitForFunction(
        t => {
          const text = document.body.innerText
          return text.includes(t) || text.includes('Something went wrong')
        },
        title,
        { timeout: 60000 },
      )
      .then(() => page.evaluate(t => document.body.innerText.includes(t), title))
      .catch(() => false)
    if (!shown) problems.push(`the title '${title}' never appeared`)
    if (!imported) problems.push('speedscope did not import the file as a speedscope file')
    // sandwich rows: total, self, symbol name
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('tr')].map(tr => [...tr.cells].map(td => td.innerText.trim())),
    )
    const total = new Map(rows.filter(r => r.length === 3).map(r => [r[2], r[0]]))
    for (const arg of names) {
      const eq = arg.lastIndexOf('=')
      const name = eq > 0 ? arg.slice(0, eq) : arg
      const want = eq > 0 ? arg.slice(eq + 1) : null
      if (!total.has(name)) problems.push(`frame '${name}' is not in the sandwich view`)
      else if (want !== null && !total.get(name).startsWith(`${want} `))
        problems.push(`frame '${name}': total ${total.get(name)}, expected ${want}`)
    }
    if (problems.length) {
      const text = await page.evaluate(() => document.body.innerText)
      problems.forEach(fail)
      console.error(`speedscope: the page shows:\n${text.slice(0, 2000)}`)
    }
  } finally {
    if (context) await context.close()
    server.close()
    fs.rmSync(userDataDir, { recursive: true, force: true })
  }
}

main().catch(err => fail(err.stack || String(err)))
