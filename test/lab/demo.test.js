'use strict'
// npm run lab (demo/lab.js): live per-subflow lines, path 1 down and up, an HTML report with the SVG chart;
// where it cannot run, it says what it needs and exits non-zero.
const t = require('tap')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn, spawnSync } = require('node:child_process')
const { skipUnlessLab } = require('./fixtures/helpers')

const demo = path.join(__dirname, '..', '..', 'demo', 'lab.js')

t.test('not root: explains what it needs and exits non-zero', async (t) => {
  const env = { ...process.env }
  delete env.NODE_OPTIONS // tap's hooks would write their files as root
  const r = spawnSync(process.execPath, [demo], { uid: 65534, gid: 65534, encoding: 'utf8', env })
  t.equal(r.status, 1)
  t.match(r.stderr, /root/)
  t.match(r.stderr, /install-system-deps/)
})

t.test('bad arguments: usage, exit 2', async (t) => {
  const r = spawnSync(process.execPath, [demo, '--bogus'], { encoding: 'utf8' })
  t.equal(r.status, 2)
  t.match(r.stderr, /usage: npm run lab/)
})

t.test('runs: live lines, link down and up, a report with the chart', async (t) => {
  if (skipUnlessLab(t)) return
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mptcp-lab-demo-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const out = path.join(dir, 'report.html')
  const child = spawn(process.execPath, [demo, '--seconds', '6', '--out', out, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise((r) => child.on('close', r))
  t.equal(code, 0, `exit 0 (${stderr.trim()})`)
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
  const rates = lines.filter((l) => l.event === 'rate')
  t.ok(rates.length >= 4, `a throughput line about every second (${rates.length})`)
  t.ok(rates.some((r) => r.subflows.length === 2), 'two subflows shown')
  t.same(lines.filter((l) => l.event === 'link').map((l) => l.state), ['down', 'up'], 'path 1 down, then up')
  const summary = lines.find((l) => l.event === 'summary')
  t.ok(summary && summary.intact, 'data intact')
  t.equal(summary.report, out, 'the report path is printed')
  const html = fs.readFileSync(out, 'utf8')
  t.match(html, /<svg[^>]*>/, 'inline SVG')
  t.ok((html.match(/<path /g) || []).length >= 3, 'a line per subflow plus the total')
  t.match(html, /path 1 down/)
})
