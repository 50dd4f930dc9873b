'use strict'
// NODE_MPTCP turns kernel MPTCP off for listeners, dialers or both, process-wide; NODE_MPTCP_NO_NATIVE
// runs without the addon. Each mode runs in a child process.
const t = require('tap')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const mptcp = require('..')

if (!mptcp.support().mptcp) {
  t.plan(0, `kernel MPTCP not usable here: ${mptcp.support().kernel.reason}`)
  return
}

function probe(env) {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'helpers', 'child-probe.js')], {
    env: { ...process.env, NODE_MPTCP: '', NODE_MPTCP_NO_NATIVE: '', ...env },
    encoding: 'utf8',
  })
  return JSON.parse(out)
}

const MPTCP = { protocol: 262, isMptcp: 1 }
const TCP = { protocol: 6, isMptcp: 0 }
const FELL_BACK = { protocol: 262, isMptcp: 0 }

t.test('default: both', async (t) => {
  const out = probe({})
  t.same(out.default.wire, MPTCP)
  t.same(out.serverWire, MPTCP)
  t.equal(out.support.policy.source, 'default')
})

for (const value of ['off', '0']) {
  t.test(`NODE_MPTCP=${value}`, async (t) => {
    const out = probe({ NODE_MPTCP: value })
    t.same(out.default.wire, TCP)
    t.same(out.serverWire, TCP)
    t.same(out.require, { error: 'ERR_MPTCP_UNAVAILABLE' })
    t.equal(out.strictListen, 'ERR_MPTCP_UNAVAILABLE')
    t.same(out.support.policy, { listen: false, dial: false, source: `NODE_MPTCP=${value}` })
  })
}

t.test('NODE_MPTCP=listen: listeners only', async (t) => {
  const out = probe({ NODE_MPTCP: 'listen' })
  t.same(out.default.wire, TCP, 'client is plain TCP')
  t.same(out.serverWire, TCP, 'a plain client reaches the MPTCP listener as TCP')
  t.equal(out.strictListen, 'ok')
  t.same(out.require, { error: 'ERR_MPTCP_UNAVAILABLE' })
})

t.test('NODE_MPTCP=dial: dialers only', async (t) => {
  const out = probe({ NODE_MPTCP: 'dial' })
  t.same(out.default.wire, FELL_BACK, 'MPTCP client against a TCP listener falls back')
  t.equal(out.default.multipath, false)
  t.same(out.require, { error: 'ERR_MPTCP_FALLBACK' })
  t.equal(out.strictListen, 'ERR_MPTCP_UNAVAILABLE')
})

t.test("NODE_MPTCP=listen with mptcp: 'userspace' dials plain TCP", async (t) => {
  const script = `
    const mptcp = require(${JSON.stringify(path.join(__dirname, '..'))})
    const { wire } = require(${JSON.stringify(path.join(__dirname, 'helpers', 'wire'))})
    const server = require('node:net').createServer((s) => s.end('tcp')).listen(0, '127.0.0.1', () => {
      const c = mptcp.connect({ port: server.address().port, host: '127.0.0.1', mptcp: 'userspace' })
      let body = ''
      c.on('connect', () => { body += JSON.stringify(wire(c)) })
      c.on('data', (d) => (body += d))
      c.on('end', () => { process.stdout.write(body); server.close() })
    })`
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, NODE_MPTCP: 'listen', NODE_MPTCP_NO_NATIVE: '' },
    encoding: 'utf8',
  })
  t.equal(out, `${JSON.stringify(TCP)}tcp`)
})

t.test('an unknown NODE_MPTCP value keeps MPTCP on and says why', async (t) => {
  const out = probe({ NODE_MPTCP: 'sometimes' })
  t.same(out.default.wire, MPTCP)
  t.match(out.support.policy.source, /not understood/)
})

t.test('NODE_MPTCP_NO_NATIVE=1: no addon, plain TCP, support() says why', async (t) => {
  const out = probe({ NODE_MPTCP_NO_NATIVE: '1' })
  t.equal(out.support.native.loaded, false)
  t.match(out.support.native.reason, /NODE_MPTCP_NO_NATIVE/)
  t.equal(out.support.mptcp, false)
  t.same(out.default.wire, TCP)
  t.same(out.serverWire, TCP)
  t.same(out.require, { error: 'ERR_MPTCP_UNAVAILABLE' })
  t.equal(out.default.subflows, 0, 'no stats without the addon')
})
