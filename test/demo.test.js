'use strict'
// npm start's demo: runs, moves data, reports what the kernel negotiated (or why not).
const t = require('tap')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { runDemo } = require('../dist/demo')

t.test('runDemo() on loopback', async (t) => {
  const lines = []
  const result = await runDemo({ seconds: 1, write: (l) => lines.push(l) })
  t.ok(result.bytes > 0, 'data moved')
  const expected = result.mptcp ? 'kernel' : false
  t.equal(result.client.multipath, expected)
  t.equal(result.server.multipath, expected)
  t.equal(result.client.subflows, require('..').support().native.loaded ? 1 : 0, 'stats need the addon')
  t.match(lines.join('\n'), result.mptcp ? /kernel MPTCP: available/ : /not available/)
  t.match(lines.join('\n'), /\[1s\] [\d.]+ Gbit\/s/)
  if (result.mptcp) t.match(lines.join('\n'), /subflowsTotal\s+1/)
})

t.test('without the addon it says why and still runs', async (t) => {
  const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'demo', 'demo.js')], {
    env: { ...process.env, NODE_MPTCP_NO_NATIVE: '1', DEMO_SECONDS: '1' },
    encoding: 'utf8',
  })
  t.match(out, /kernel MPTCP: not available \(disabled by NODE_MPTCP_NO_NATIVE\)/)
  t.match(out, /multipath: false/)
  t.match(out, /mptcpInfo\(\): null/)
})
