'use strict'
const t = require('tap')
const tls = require('node:tls')
const http = require('node:http')
const net = require('node:net')
const crypto = require('node:crypto')
const { once } = require('node:events')
const { userspaceServer, dial, collect, sha } = require('./helpers/util')
const { certs } = require('../apps/helpers/certs')
const mptcp = require('../..')

// An http.Agent whose connections are forced userspace-stack sockets.
class UserspaceAgent extends http.Agent {
  createConnection(opts, cb) {
    const s = mptcp.connect({ host: opts.host, port: opts.port, mptcp: 'userspace', userspace: { force: true } })
    s.once('connect', () => cb(null, s))
    s.once('error', cb)
  }
}

t.test('TLS on top of a userspace connection (tls.connect({ socket }) and a TLS server fed its sockets)', async (t) => {
  const { key, cert, ca } = await certs()
  const tlsServer = tls.createServer({ key, cert }, (s) => s.pipe(s))
  const server = await userspaceServer(t, {}, (s) => tlsServer.emit('connection', s))
  const us = dial(server.address().port)
  await once(us, 'connect')
  t.equal(us.multipath, 'userspace')
  const c = tls.connect({ socket: us, ca, servername: 'localhost' })
  await once(c, 'secureConnect')
  t.ok(c.authorized)
  const data = crypto.randomBytes(2 * 1024 * 1024)
  c.end(data)
  const got = await collect(c)
  t.equal(sha(got), sha(data))
})

t.test('HTTP: userspace connections as an http.Agent connection, behind an http server; plain HTTP on the same port', async (t) => {
  const app = http.createServer((req, res) => {
    let n = 0
    req.on('data', (d) => (n += d.length))
    req.on('end', () => res.end(`${req.method} ${req.url} ${n} ${req.socket.multipath}`))
  })
  const server = await userspaceServer(t, {}, (s) => app.emit('connection', s))
  const port = server.address().port
  const agent = new UserspaceAgent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const request = (path, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: agent }, (res) => {
        let s = ''
        res.on('data', (d) => (s += d))
        res.on('end', () => resolve(s))
      })
      req.on('error', reject)
      req.end(body)
    })
  t.equal(await request('/a'), 'GET /a 0 userspace')
  t.equal(await request('/b', crypto.randomBytes(300_000)), 'POST /b 300000 userspace', 'keep-alive reuse with a body')
  // a plain HTTP client (first byte 'G' decides at once)
  const plain = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/plain', agent: false }, (res) => {
      let s = ''
      res.on('data', (d) => (s += d))
      res.on('end', () => resolve(s))
    }).on('error', reject)
  })
  t.equal(plain, 'GET /plain 0 false')
})

t.test('plain TCP and userspace clients interleaved on one port (echo)', async (t) => {
  const server = await userspaceServer(t, {}, (s) => s.pipe(s))
  const port = server.address().port
  const jobs = []
  for (let i = 0; i < 6; i++) {
    const c = i % 2 ? net.connect(port, '127.0.0.1') : dial(port)
    const msg = crypto.randomBytes(50_000 + i)
    c.once('connect', () => c.end(msg))
    jobs.push(collect(c).then((got) => got.equals(msg)))
  }
  t.same(await Promise.all(jobs), [true, true, true, true, true, true])
})

t.test("mptcp.attach(httpServer, 'userspace'): any net.Server gets the userspace acceptor", async (t) => {
  const app = mptcp.attach(
    http.createServer((req, res) => res.end(`${req.url} ${req.socket.multipath}`)),
    'userspace',
  )
  app.listen(0, '127.0.0.1')
  await once(app, 'listening')
  t.teardown(() => app.close())
  const port = app.address().port
  const get = (agent) =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/x', agent }, (res) => {
        let s = ''
        res.on('data', (d) => (s += d))
        res.on('end', () => resolve(s))
      }).on('error', reject)
    })
  t.equal(await get(new UserspaceAgent()), '/x userspace')
  t.match(await get(false), /^\/x (kernel|false)$/)
})

t.test("mptcp.http with mptcp: 'userspace' on both ends", async (t) => {
  const srv = mptcp.http.createServer({ mptcp: 'userspace' }, (req, res) => res.end(`hi ${req.socket.multipath}`))
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  t.teardown(() => srv.close())
  const agent = new mptcp.http.Agent({ mptcp: 'userspace', userspace: { force: true } })
  t.teardown(() => agent.destroy())
  const [res] = await once(mptcp.http.get({ host: '127.0.0.1', port: srv.address().port, path: '/', agent }), 'response')
  let body = ''
  res.on('data', (d) => (body += d))
  await once(res, 'end')
  t.equal(body, 'hi userspace')
  t.equal(res.socket.multipath, 'userspace')
})
