'use strict'
// Client side: mptcp.http(s).Agent (keep-alive reuse, TLS checks intact), the undici connector/dispatcher with
// undici and built-in fetch (setGlobalDispatcher), each connection checked MPTCP in the kernel on the server end.
const t = require('tap')
const { once } = require('node:events')
const undici = require('undici')
const mptcp = require('../..')
const { wire, IPPROTO_MPTCP, IPPROTO_TCP } = require('../helpers/wire')
const { certs } = require('./helpers/certs')
const { mptcpSockets } = require('./helpers/ss')

const MPTCP = { protocol: IPPROTO_MPTCP, isMptcp: 1 }

// Records, per request, what the kernel says about the server's end of the connection.
async function recordingServer(t, create) {
  const seen = []
  const server = create((req, res) => {
    seen.push({ remotePort: req.socket.remotePort, wire: wire(req.socket), servername: req.socket.servername })
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ n: seen.length }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { port: server.address().port, seen }
}

function get(mod, options) {
  return new Promise((resolve, reject) => {
    mod.get(options, (res) => {
      let body = ''
      const socket = res.socket
      res.on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode, body, socket }))
    }).on('error', reject)
  })
}

t.test('http.Agent keep-alive: 20 requests over one MPTCP connection', async (t) => {
  const { port, seen } = await recordingServer(t, mptcp.http.createServer)
  const agent = new mptcp.http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 20; i++) await get(mptcp.http, { host: '127.0.0.1', port, agent })
  t.equal(seen.length, 20)
  t.equal(new Set(seen.map((s) => s.remotePort)).size, 1, 'one connection reused')
  t.ok(seen.every((s) => s.wire.protocol === IPPROTO_MPTCP && s.wire.isMptcp === 1), 'MPTCP on the server end')
  const conns = (await mptcpSockets({ pid: process.pid })).filter((s) => s.state === 'ESTAB' && s.peer.port === port)
  t.equal(conns.length, 1, 'ss -M: exactly one MPTCP client connection to the server')
})

t.test('mptcp.http.get uses the MPTCP globalAgent; mptcp: false in the options gives TCP', async (t) => {
  const { port, seen } = await recordingServer(t, mptcp.http.createServer)
  await get(mptcp.http, { host: '127.0.0.1', port })
  await get(mptcp.http, { host: '127.0.0.1', port, agent: new mptcp.http.Agent({ mptcp: false }) })
  t.same(seen[0].wire, MPTCP)
  t.same(seen[1].wire, { protocol: IPPROTO_TCP, isMptcp: 0 })
  mptcp.http.globalAgent.destroy()
})

t.test('https.Agent: SNI sent, certificate and hostname checks intact, keep-alive over MPTCP', async (t) => {
  const { key, cert, ca } = await certs()
  const { port, seen } = await recordingServer(t, (h) => mptcp.https.createServer({ key, cert }, h))
  const agent = new mptcp.https.Agent({ ca, keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 5; i++) {
    const res = await get(mptcp.https, { host: 'localhost', port, agent })
    t.equal(res.socket.authorized, true)
  }
  t.equal(seen[0].servername, 'localhost', 'SNI reached the server')
  t.equal(new Set(seen.map((s) => s.remotePort)).size, 1, 'one TLS connection reused')
  t.same(seen[4].wire, MPTCP)

  const untrusted = new mptcp.https.Agent({ keepAlive: false })
  await t.rejects(get(mptcp.https, { host: 'localhost', port, agent: untrusted }), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  await t.rejects(get(mptcp.https, { host: '127.0.0.1', port, agent, servername: 'example.com', headers: { host: 'example.com' } }), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  })
})

t.test('undici: connector and createAgent; undici.request and undici.fetch over MPTCP, connections reused', async (t) => {
  const { port, seen } = await recordingServer(t, mptcp.http.createServer)
  const dispatcher = mptcp.undici.createAgent({ undici, connections: 1 })
  t.teardown(() => dispatcher.close())
  for (let i = 0; i < 5; i++) {
    const res = await undici.request(`http://127.0.0.1:${port}/`, { dispatcher })
    await res.body.json()
  }
  const res = await undici.fetch(`http://localhost:${port}/`, { dispatcher })
  t.equal((await res.json()).n, 6)
  t.ok(seen.every((s) => s.wire.isMptcp === 1 && s.wire.protocol === IPPROTO_MPTCP), 'all MPTCP')
  t.equal(new Set(seen.slice(0, 5).map((s) => s.remotePort)).size, 1, 'keep-alive reuse')

  const plain = new undici.Agent({ connect: mptcp.undici.connector({ mptcp: false }) })
  t.teardown(() => plain.close())
  await (await undici.request(`http://127.0.0.1:${port}/`, { dispatcher: plain })).body.text()
  t.equal(seen.at(-1).wire.protocol, IPPROTO_TCP, "connector({ mptcp: false }) is TCP")
})

t.test('built-in fetch: install() makes the global dispatcher MPTCP (also https with a custom CA)', async (t) => {
  const { key, cert, ca } = await certs()
  const plainHttp = await recordingServer(t, mptcp.http.createServer)
  const secure = await recordingServer(t, (h) => mptcp.https.createServer({ key, cert }, h))
  const previous = undici.getGlobalDispatcher()
  const agent = mptcp.undici.install({ undici, connect: { ca } })
  t.teardown(async () => {
    undici.setGlobalDispatcher(previous)
    await agent.close()
  })
  const a = await fetch(`http://127.0.0.1:${plainHttp.port}/`)
  t.equal(a.status, 200)
  await a.json()
  const b = await fetch(`https://localhost:${secure.port}/`)
  t.equal(b.status, 200)
  await b.json()
  t.same(plainHttp.seen[0].wire, MPTCP, 'built-in fetch (http) is MPTCP')
  t.same(secure.seen[0].wire, MPTCP, 'built-in fetch (https) is MPTCP')
  t.equal(secure.seen[0].servername, 'localhost', 'SNI')

  const c = await mptcp.undici.fetch(`http://127.0.0.1:${plainHttp.port}/`)
  await c.json()
  t.same(plainHttp.seen.at(-1).wire, MPTCP, 'mptcp.undici.fetch')
})

t.test('undici connector errors: refused connection and connect timeout shapes', async (t) => {
  const connect = mptcp.undici.connector()
  const net = require('node:net')
  const s = net.createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const port = s.address().port
  s.close()
  await once(s, 'close')
  const err = await new Promise((resolve) => connect({ hostname: '127.0.0.1', protocol: 'http:', port }, (e) => resolve(e)))
  t.equal(err.code, 'ECONNREFUSED')
  const slow = mptcp.undici.connector({ timeout: 1 })
  const timedOut = await new Promise((resolve) => slow({ hostname: '127.0.0.1', protocol: 'http:', port }, (e) => resolve(e)))
  t.ok(timedOut.code === 'ECONNREFUSED' || timedOut.code === 'UND_ERR_CONNECT_TIMEOUT', timedOut.code)
})
