'use strict'
// Honest fallback: plain TCP peers on either side work and are reported as such; 'require' refuses them.
const t = require('tap')
const net = require('node:net')
const { once } = require('node:events')
const mptcp = require('..')
const { wire } = require('./helpers/wire')

if (!mptcp.support().mptcp) {
  t.plan(0, `kernel MPTCP not usable here: ${mptcp.support().kernel.reason}`)
  return
}

async function serve(t, lib, opts = {}) {
  const accepted = []
  const server = lib.createServer(opts, (s) => {
    accepted.push(s)
    s.on('error', () => {})
    s.end('served')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  return { port: server.address().port, accepted }
}

async function read(c) {
  let got = ''
  c.on('data', (d) => (got += d))
  await once(c, 'end')
  return got
}

t.test('plain net client to an mptcp server', async (t) => {
  const { port, accepted } = await serve(t, mptcp)
  const c = net.connect(port, '127.0.0.1')
  t.equal(await read(c), 'served')
  const s = accepted[0]
  t.ok(s instanceof mptcp.Socket, 'accepted socket is an mptcp.Socket')
  t.equal(s.multipath, false, 'reported as plain TCP')
  t.equal(wire(c).protocol, 6)
})

t.test('mptcp client to a plain net server falls back and says so', async (t) => {
  const { port, accepted } = await serve(t, net)
  const c = mptcp.connect(port, '127.0.0.1')
  await once(c, 'connect')
  t.same(wire(c), { protocol: 262, isMptcp: 0 }, 'MPTCP socket, fell back on the wire')
  t.equal(c.multipath, false)
  t.equal(c.mptcpInfo(), null)
  const subflows = c.subflows()
  t.equal(subflows.length, 1, 'one record for the TCP connection')
  t.same(subflows[0].remote, { address: '127.0.0.1', family: 'IPv4', port })
  t.ok(subflows[0].tcpInfo && subflows[0].tcpInfo.rtt >= 0, 'decoded tcp_info')
  t.equal(await read(c), 'served')
  t.equal(accepted.length, 1)
})

t.test("mptcp: 'require' against a plain TCP server is an error with its own code", async (t) => {
  const { port } = await serve(t, net)
  const c = mptcp.connect({ port, host: '127.0.0.1', mptcp: 'require' })
  let connected = false
  c.on('connect', () => (connected = true))
  const [err] = await once(c, 'error')
  t.equal(err.code, 'ERR_MPTCP_FALLBACK')
  t.ok(err instanceof mptcp.MptcpFallbackError)
  t.equal(err.address, '127.0.0.1')
  t.equal(err.port, port)
  t.equal(connected, false, "no 'connect' event")
  t.equal(c.destroyed, true)
})

t.test("mptcp: 'require' against an mptcp server connects", async (t) => {
  const { port } = await serve(t, mptcp)
  const c = mptcp.connect({ port, host: '127.0.0.1', mptcp: 'require' })
  await once(c, 'connect')
  t.equal(c.multipath, 'kernel')
  t.equal(await read(c), 'served')
})

t.test('mptcp: false is plain TCP on both sides', async (t) => {
  const { port, accepted } = await serve(t, mptcp, { mptcp: false })
  const c = mptcp.connect({ port, host: '127.0.0.1', mptcp: false })
  await once(c, 'connect')
  t.same(wire(c), { protocol: 6, isMptcp: 0 })
  t.equal(await read(c), 'served')
  t.same(wire(accepted[0]), { protocol: 6, isMptcp: 0 })
  const viaSocket = new mptcp.Socket({ mptcp: false }).connect(port, '127.0.0.1')
  await once(viaSocket, 'connect')
  t.equal(wire(viaSocket).protocol, 6, 'constructor option counts too')
  viaSocket.destroy()
})

t.test('bad mptcp option values throw like net validation errors', async (t) => {
  for (const bad of ['yes', 1, null, {}]) {
    t.throws(() => mptcp.connect({ port: 1, host: '127.0.0.1', mptcp: bad }), { code: 'ERR_INVALID_ARG_VALUE' })
    t.throws(() => new mptcp.Socket({ mptcp: bad }), { code: 'ERR_INVALID_ARG_VALUE' })
    t.throws(() => mptcp.createServer({ mptcp: bad }), { code: 'ERR_INVALID_ARG_VALUE' })
  }
})

t.test("mptcp: 'userspace' on Socket.prototype.connect is refused, not silently ignored", async (t) => {
  t.throws(() => new mptcp.Socket({ mptcp: 'userspace' }).connect(1, '127.0.0.1'), {
    code: 'ERR_INVALID_ARG_VALUE',
    message: /mptcp\.connect\(\)/,
  })
  t.throws(() => new mptcp.Socket().connect({ port: 1, host: '127.0.0.1', mptcp: 'userspace' }), {
    code: 'ERR_INVALID_ARG_VALUE',
  })
})

t.test('Unix socket paths go to net untouched', async (t) => {
  const path = `/tmp/mptcp-test-${process.pid}.sock`
  const server = mptcp.createServer((s) => s.end('unix')).listen(path)
  await once(server, 'listening')
  t.teardown(() => server.close())
  const c = mptcp.connect(path)
  t.equal(await read(c), 'unix')
  t.equal(c.multipath, false)
})
