'use strict'
// The preload on unmodified apps in child processes: express, fastify, koa, a built-in fetch client, and node's
// https/http2/tls. Every check reads the kernel from outside the app: ss -M (MPTCP sockets by pid) and, on the
// test's own end of each connection, SO_PROTOCOL / TCP_IS_MPTCP.
const t = require('tap')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { once } = require('node:events')
const mptcp = require('../..')
const { wire, IPPROTO_MPTCP, IPPROTO_TCP } = require('../helpers/wire')
const { certs } = require('./helpers/certs')
const { runApp } = require('./helpers/child')
const { mptcpSockets, tcpSockets } = require('./helpers/ss')

const MPTCP = { protocol: IPPROTO_MPTCP, isMptcp: 1 }
const TCP = { protocol: IPPROTO_TCP, isMptcp: 0 }
const CJS = ['-r', 'mptcp/register']
const ESM = ['--import', 'mptcp/register']

async function listenerKind(pid, port) {
  if ((await mptcpSockets({ pid })).some((s) => s.state === 'LISTEN' && s.local.port === port)) return 'mptcp'
  if ((await tcpSockets({ pid, port })).some((s) => s.state === 'LISTEN')) return 'tcp'
  return 'none'
}

// Requests /hello over an MPTCP keep-alive client and, while the connection is open, asks ss whether the
// app's end of it is an MPTCP socket.
async function probeServer(t, pid, port) {
  const agent = new mptcp.http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const body = await new Promise((resolve, reject) => {
    mptcp.http.get({ host: '127.0.0.1', port, path: '/hello', agent }, (res) => {
      let b = ''
      res.on('data', (d) => (b += d)).on('end', () => resolve(JSON.parse(b)))
    }).on('error', reject)
  })
  const accepted = (await mptcpSockets({ pid })).some((s) => s.state === 'ESTAB' && s.local.port === port && s.peer.port === body.remotePort)
  return { body, accepted, listener: await listenerKind(pid, port) }
}

// An MPTCP server (in this process) that, during each request, checks the client's end in the kernel.
async function probingServer(t, clientPid, create = mptcp.http.createServer) {
  const seen = []
  const server = create(async (req, res) => {
    const port = server.address().port
    const pid = clientPid()
    const ends = await mptcpSockets({ pid })
    seen.push({
      wire: wire(req.socket),
      clientEndMptcp: ends.some((s) => s.state === 'ESTAB' && s.peer.port === port && s.local.port === req.socket.remotePort),
    })
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ ok: true }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const scheme = server instanceof require('node:https').Server ? 'https://localhost' : 'http://127.0.0.1'
  return { url: `${scheme}:${server.address().port}/`, seen }
}

async function fetchClient(t, preload, env = {}, count = 1, create = undefined) {
  let pid = 0
  const { url, seen } = await probingServer(t, () => pid, create)
  const app = runApp(t, [...preload, 'test/apps/fixtures/fetch-client.mjs', ...Array(count).fill(url)], env)
  pid = app.child.pid
  const results = []
  for (let i = 0; i < count; i++) results.push(await app.next())
  t.equal(await app.exited, 0, 'fetch client exited cleanly')
  return { results, seen, stderr: app.stderr() }
}

// An unmodified framework app under the preload: its listener and its end of a connection are MPTCP (ss -M).
for (const [name, preload, fixture] of [
  ['express', CJS, 'express-app.js'],
  ['fastify', ESM, 'fastify-app.js'],
  ['koa', CJS, 'koa-app.js'],
]) {
  t.test(`${name} (${preload.join(' ')}): MPTCP listener and MPTCP accepted connection, silent`, async (t) => {
    const app = runApp(t, [...preload, `test/apps/fixtures/${fixture}`])
    const { port, pid } = await app.next()
    const r = await probeServer(t, pid, port)
    t.equal(r.body.hello, name)
    t.equal(r.listener, 'mptcp', 'ss -M: the app listens over MPTCP')
    t.ok(r.accepted, "ss -M: the app's end of the connection is MPTCP")
    t.equal(app.stderr(), '', 'prints nothing')
  })
}

t.test('built-in fetch client (ESM, --import): each keep-alive connection is MPTCP', async (t) => {
  const { results, seen, stderr } = await fetchClient(t, ESM, {}, 3)
  t.same(results.map((r) => r.status), [200, 200, 200])
  t.ok(seen.every((s) => s.clientEndMptcp), "ss -M: the client's end is MPTCP")
  t.same(seen.map((s) => s.wire), [MPTCP, MPTCP, MPTCP], 'server end MPTCP in the kernel')
  t.equal(stderr, '')
})

t.test('built-in fetch over https (-r): TLS over MPTCP, the CA from NODE_EXTRA_CA_CERTS', async (t) => {
  const { key, cert } = await certs()
  const caFile = path.join(os.tmpdir(), `mptcp-ca-${process.pid}.pem`)
  fs.writeFileSync(caFile, cert)
  t.teardown(() => fs.rmSync(caFile, { force: true }))
  const create = (handler) => mptcp.https.createServer({ key, cert }, handler)
  const { results, seen } = await fetchClient(t, CJS, { NODE_EXTRA_CA_CERTS: caFile }, 2, create)
  t.same(results.map((r) => r.status), [200, 200])
  t.ok(seen.every((s) => s.clientEndMptcp), "ss -M: the client's end is MPTCP")
  t.same(seen.map((s) => s.wire), [MPTCP, MPTCP])
})

t.test('NODE_MPTCP modes: off, listen (listeners only), dial (dialers only)', async (t) => {
  const cases = [
    { mode: 'off', listener: 'tcp', dial: TCP },
    { mode: 'listen', listener: 'mptcp', dial: TCP },
    { mode: 'dial', listener: 'tcp', dial: MPTCP },
  ]
  await Promise.all(
    cases.map(async ({ mode, listener, dial }) => {
      const env = { NODE_MPTCP: mode }
      const app = runApp(t, [...CJS, 'test/apps/fixtures/express-app.js'], env)
      const { port, pid } = await app.next()
      t.equal(await listenerKind(pid, port), listener, `${mode}: express listener is ${listener}`)
      const { seen } = await fetchClient(t, CJS, env)
      t.same(seen[0].wire, dial, `${mode}: fetch connection is ${dial === MPTCP ? 'MPTCP' : 'TCP'}`)
    }),
  )
})

t.test('cluster (round-robin): the preloaded primary listens over MPTCP, the worker serves MPTCP connections', async (t) => {
  const app = runApp(t, [...CJS, 'test/apps/fixtures/cluster-app.js'])
  const { port, primary, worker } = await app.next()
  t.teardown(() => {
    try {
      process.kill(worker, 'SIGKILL')
    } catch {}
  })
  t.equal(await listenerKind(primary, port), 'mptcp', 'ss -M: MPTCP listener in the primary')
  const agent = new mptcp.http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const body = await new Promise((resolve, reject) => {
    mptcp.http.get({ host: '127.0.0.1', port, agent }, (res) => {
      let b = ''
      res.on('data', (d) => (b += d)).on('end', () => resolve(JSON.parse(b)))
    }).on('error', reject)
  })
  const served = (await mptcpSockets({ pid: worker })).some((s) => s.state === 'ESTAB' && s.local.port === port && s.peer.port === body.remotePort)
  t.ok(served, "ss -M: the worker's end of the connection is MPTCP")
})

t.test("require('mptcp/register').installed tells what was patched", async (t) => {
  const show = "process.stdout.write(JSON.stringify(require('mptcp/register').installed) + '\\n')"
  const on = runApp(t, ['-e', show])
  t.same(await on.next(), { listen: true, dial: true, reason: null })
  const dial = runApp(t, ['-e', show], { NODE_MPTCP: 'dial' })
  t.same(await dial.next(), { listen: false, dial: true, reason: 'NODE_MPTCP=dial' })
  const off = runApp(t, ['-e', show], { NODE_MPTCP: 'off' })
  t.same(await off.next(), { listen: false, dial: false, reason: 'disabled by NODE_MPTCP=off' })
})

t.test('NODE_DEBUG=mptcp logs what the preload did', async (t) => {
  const app = runApp(t, [...CJS, 'test/apps/fixtures/express-app.js'], { NODE_DEBUG: 'mptcp' })
  const { port } = await app.next()
  await new Promise((r) => setTimeout(r, 50))
  t.match(app.stderr(), /MPTCP \d+: preload: listeners MPTCP, dialers MPTCP/)
  t.match(app.stderr(), new RegExp(`MPTCP \\d+: listen 127\\.0\\.0\\.1:${port}: MPTCP`))
})

t.test("node's https, http2 and tls: both ends MPTCP; Unix socket and inherited fd left alone", async (t) => {
  const held = net.createServer().listen(0, '127.0.0.1')
  await once(held, 'listening')
  const fdPort = held.address().port
  const app = runApp(t, [...CJS, 'test/apps/fixtures/builtins-app.js'], { APP_CERTS: JSON.stringify(await certs()) }, {
    extraFds: [held._handle.fd],
  })
  held.close()
  const { ports, clients, bodies } = await app.next()
  t.same(bodies, { https: 'https', h2: 'h2', tls: 'tls', unix: 'unix', fd: 'fd', socket: 'socket', lookup: 'lookup' }, 'everything answered')
  const pid = app.child.pid
  t.teardown(() => fs.rmSync(path.join(os.tmpdir(), `mptcp-app-${pid}.sock`), { force: true }))
  const mine = await mptcpSockets({ pid })
  for (const [name, port] of Object.entries(ports)) {
    t.ok(mine.some((s) => s.state === 'LISTEN' && s.local.port === port), `${name}: MPTCP listener`)
    t.ok(mine.some((s) => s.state === 'ESTAB' && s.local.port === port), `${name}: accepted end MPTCP`)
    t.ok(mine.some((s) => s.state === 'ESTAB' && s.peer.port === port), `${name}: client end MPTCP`)
  }
  for (const [name, port] of Object.entries(clients)) {
    t.ok(mine.some((s) => s.state === 'ESTAB' && s.local.port === port && s.peer.port === ports.net), `net client (${name}) is MPTCP`)
  }
  t.equal(await listenerKind(pid, fdPort), 'tcp', 'the inherited listening fd stays the TCP socket it was')
  t.equal(app.stderr(), '')
})
