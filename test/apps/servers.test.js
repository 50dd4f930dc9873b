'use strict'
// mptcp.listen() and the createServer variants on real servers (http, express, fastify, koa, https, http2, tls):
// listeners and accepted connections checked MPTCP in the kernel (wire(), ss -M), stats reachable via req.socket.
const t = require('tap')
const http = require('node:http')
const http2 = require('node:http2')
const net = require('node:net')
const tls = require('node:tls')
const { once } = require('node:events')
const express = require('express')
const fastify = require('fastify')
const Koa = require('koa')
const mptcp = require('../..')
const { wire, IPPROTO_MPTCP, IPPROTO_TCP } = require('../helpers/wire')
const { certs } = require('./helpers/certs')
const { mptcpSockets } = require('./helpers/ss')

const MPTCP = { protocol: IPPROTO_MPTCP, isMptcp: 1 }

function getJson(url, options = {}) {
  const mod = url.startsWith('https:') ? mptcp.https : mptcp.http
  return new Promise((resolve, reject) => {
    mod.get(url, options, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ body: JSON.parse(body), socket: res.socket }))
    }).on('error', reject)
  })
}

function describe(socket) {
  return { multipath: socket.multipath, wire: wire(socket), info: socket.mptcpInfo() !== null, subflows: socket.subflows().length }
}

async function listening(server, ...args) {
  mptcp.listen(server, ...args)
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections?.()
    server.close()
  })
  return server.address().port
}

async function isMptcpListener(port) {
  return (await mptcpSockets({ pid: process.pid })).some((s) => s.state === 'LISTEN' && s.local.port === port)
}

// A framework's handler answers with what req.socket is; listener, both ends and the stats are checked.
async function frameworkOverMptcp(t, server, listenArgs) {
  const port = await listening(server, ...listenArgs)
  t.ok(await isMptcpListener(port), 'ss -M lists the listener')
  const agent = new mptcp.http.Agent()
  t.teardown(() => agent.destroy())
  const { body, socket } = await getJson(`http://127.0.0.1:${port}/`, { agent })
  t.same(body, { isSocket: true, multipath: 'kernel', wire: MPTCP, info: true, subflows: 1 })
  t.same(wire(socket), MPTCP, 'client end too')
}

const socketReport = (socket) => ({ isSocket: socket instanceof mptcp.Socket, ...describe(socket) })

t.test('express behind mptcp.listen: MPTCP listener, req.socket is an mptcp.Socket', async (t) => {
  const app = express()
  app.get('/', (req, res) => res.json(socketReport(req.socket)))
  await frameworkOverMptcp(t, http.createServer(app), [0, '127.0.0.1'])
})

t.test('koa behind mptcp.listen: MPTCP listener, ctx.req.socket is an mptcp.Socket with stats', async (t) => {
  const app = new Koa()
  app.use((ctx) => {
    ctx.body = socketReport(ctx.req.socket)
  })
  await frameworkOverMptcp(t, http.createServer(app.callback()), [{ port: 0, host: '127.0.0.1' }])
})

t.test('express app.listen() style: mptcp.listen with an options object and mptcp: false stays TCP', async (t) => {
  const app = express()
  app.get('/', (req, res) => res.json(describe(req.socket)))
  const port = await listening(http.createServer(app), { port: 0, host: '127.0.0.1', mptcp: false })
  t.notOk(await isMptcpListener(port), 'not an MPTCP listener')
  const { body } = await getJson(`http://127.0.0.1:${port}/`, { agent: new mptcp.http.Agent({ keepAlive: false }) })
  t.equal(body.multipath, false)
  t.equal(body.wire.protocol, IPPROTO_TCP)
})

t.test('fastify with serverFactory: mptcp.http.createServer', async (t) => {
  const app = fastify({ serverFactory: (handler) => mptcp.http.createServer(handler) })
  app.get('/', async (req) => describe(req.raw.socket))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = app.server.address().port
  t.ok(await isMptcpListener(port))
  const { body } = await getJson(`http://127.0.0.1:${port}/`, { agent: new mptcp.http.Agent({ keepAlive: false }) })
  t.same(body, { multipath: 'kernel', wire: MPTCP, info: true, subflows: 1 })
})

t.test('a plain node:http client against an MPTCP server reports false', async (t) => {
  const port = await listening(http.createServer((req, res) => res.end(JSON.stringify(describe(req.socket)))), 0, '127.0.0.1')
  const body = await new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', agent: false }, (res) => {
      let b = ''
      res.on('data', (d) => (b += d)).on('end', () => resolve(JSON.parse(b)))
    }).on('error', reject)
  })
  t.equal(body.multipath, false)
  t.same(body.wire, { protocol: IPPROTO_TCP, isMptcp: 0 })
  t.equal(body.subflows, 1, 'subflows() still answers with the one TCP path')
})

t.test('https: mptcp.https.createServer, stats behind TLS on both ends', async (t) => {
  const { key, cert, ca } = await certs()
  const server = mptcp.https.createServer({ key, cert }, (req, res) => res.end(JSON.stringify({ tls: req.socket.encrypted === true, ...describe(req.socket) })))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = server.address().port
  t.ok(await isMptcpListener(port))
  const agent = new mptcp.https.Agent({ ca, keepAlive: false })
  const { body, socket } = await getJson(`https://localhost:${port}/`, { agent })
  t.same(body, { tls: true, multipath: 'kernel', wire: MPTCP, info: true, subflows: 1 })
  t.ok(socket instanceof tls.TLSSocket)
  t.equal(socket.multipath, 'kernel', 'client TLS socket answers multipath')
  t.ok(socket.mptcpInfo())
})

t.test('http2 secure server via mptcp.listen, client over mptcp.tls.connect', async (t) => {
  const { key, cert, ca } = await certs()
  const server = http2.createSecureServer({ key, cert })
  server.on('stream', (stream) => {
    const socket = stream.session.socket
    stream.respond({ ':status': 200 })
    stream.end(JSON.stringify({ multipath: socket.multipath, info: socket.mptcpInfo() !== null }))
  })
  const port = await listening(server, 0, '127.0.0.1')
  t.ok(await isMptcpListener(port))
  const client = http2.connect(`https://localhost:${port}`, {
    createConnection: () => mptcp.tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2'] }),
  })
  t.teardown(() => client.close())
  const req = client.request({ ':path': '/' })
  let body = ''
  req.on('data', (d) => (body += d))
  await once(req, 'end')
  t.same(JSON.parse(body), { multipath: 'kernel', info: true })
  t.same(wire(client.socket), MPTCP)
})

// One request on an http2 session: the server answers with what its end of the connection is.
async function h2Request(t, session) {
  t.teardown(() => session.close())
  const req = session.request({ ':path': '/' })
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (d) => (body += d))
  await once(req, 'end')
  return JSON.parse(body)
}

function h2Answer(stream) {
  const socket = stream.session.socket
  stream.respond({ ':status': 200 })
  stream.end(JSON.stringify({ multipath: socket.multipath, wire: wire(socket), info: socket.mptcpInfo() !== null, alpn: stream.session.alpnProtocol }))
}

t.test('mptcp.http2: createSecureServer and connect (ALPN h2, SNI, certificate checked), both ends MPTCP', async (t) => {
  const { key, cert, ca } = await certs()
  const server = mptcp.http2.createSecureServer({ key, cert })
  server.on('stream', h2Answer)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = server.address().port
  t.ok(await isMptcpListener(port), 'ss -M lists the listener')
  const session = mptcp.http2.connect(`https://localhost:${port}`, { ca })
  t.same(await h2Request(t, session), { multipath: 'kernel', wire: MPTCP, info: true, alpn: 'h2' })
  t.same(wire(session.socket), MPTCP, 'client end MPTCP')
  t.equal(session.socket.multipath, 'kernel', 'session.socket answers multipath')
  t.ok(session.socket.mptcpInfo())
  const bad = mptcp.http2.connect(`https://localhost:${port}`)
  const [err] = await once(bad, 'error')
  t.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'without the CA the certificate is refused, as with http2.connect')
})

t.test('mptcp.http2: h2c createServer and connect; mptcp: false stays TCP', async (t) => {
  const server = mptcp.http2.createServer()
  server.on('stream', h2Answer)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = server.address().port
  const session = mptcp.http2.connect(`http://127.0.0.1:${port}`)
  const r = await h2Request(t, session)
  t.same({ multipath: r.multipath, wire: r.wire }, { multipath: 'kernel', wire: MPTCP })
  t.same(wire(session.socket), MPTCP)
  const plain = mptcp.http2.connect(`http://127.0.0.1:${port}`, { mptcp: false })
  const p = await h2Request(t, plain)
  t.same(p.wire, { protocol: IPPROTO_TCP, isMptcp: 0 }, 'mptcp: false: plain TCP')
  const tcpServer = mptcp.http2.createServer({ mptcp: false })
  tcpServer.on('stream', h2Answer)
  tcpServer.listen(0, '127.0.0.1')
  await once(tcpServer, 'listening')
  t.teardown(() => tcpServer.close())
  t.notOk(await isMptcpListener(tcpServer.address().port), 'createServer({ mptcp: false }) listens over TCP')
})

t.test('tls: mptcp.tls.createServer and mptcp.tls.connect', async (t) => {
  const { key, cert, ca } = await certs()
  const server = mptcp.tls.createServer({ key, cert }, (s) => s.end(JSON.stringify({ multipath: s.multipath, wire: wire(s) })))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = server.address().port
  const s = mptcp.tls.connect(port, 'localhost', { ca })
  await once(s, 'secureConnect')
  t.ok(s.authorized, 'certificate verified')
  t.equal(s.multipath, 'kernel')
  let body = ''
  for await (const d of s) body += d
  t.same(JSON.parse(body), { multipath: 'kernel', wire: MPTCP })
})

t.test("a TLS socket an app emits as 'connection' keeps its class and gains the stats", async (t) => {
  const { key, cert, ca } = await certs()
  const inner = http.createServer((req, res) => res.end(JSON.stringify({ tls: req.socket instanceof tls.TLSSocket, multipath: req.socket.multipath })))
  mptcp.attach(inner)
  const front = mptcp.tls.createServer({ key, cert }, (s) => inner.emit('connection', s))
  const port = await listening(front, 0, '127.0.0.1')
  const { body } = await getJson(`https://localhost:${port}/`, { agent: new mptcp.https.Agent({ ca, keepAlive: false }) })
  t.same(body, { tls: true, multipath: 'kernel' })
})

t.test('argument checks and listen errors keep net shapes', async (t) => {
  t.throws(() => mptcp.listen({}, 0), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => mptcp.attach(http.createServer(), 'sometimes'), { code: 'ERR_INVALID_ARG_VALUE' })
  const first = await listening(net.createServer(), 0, '127.0.0.1')
  const second = mptcp.listen(http.createServer(), first, '127.0.0.1')
  const [err] = await once(second, 'error')
  t.equal(err.code, 'EADDRINUSE')
  t.equal(err.port, first)
})
