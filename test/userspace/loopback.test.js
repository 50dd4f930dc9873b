'use strict'
const t = require('tap')
const net = require('node:net')
const crypto = require('node:crypto')
const { once } = require('node:events')
const { userspaceServer, dial, collect, sha, hashStream, mptcp } = require('./helpers/util')
const { wire } = require('../helpers/wire')

const kernel = mptcp.support().mptcp

t.test('kernel MPTCP first: where the kernel can, the connection is kernel MPTCP', { skip: !kernel && 'kernel MPTCP unavailable' }, async (t) => {
  let serverWire, serverIsSocket
  const server = await userspaceServer(t, {}, (s) => {
    serverWire = wire(s)
    serverIsSocket = s instanceof mptcp.Socket
    s.pipe(s)
  })
  const c = dial(server.address().port, {})
  await once(c, 'connect')
  t.equal(c.multipath, 'kernel')
  c.end('kernel path')
  t.equal(String(await collect(c)), 'kernel path')
  t.same(serverWire, { protocol: 262, isMptcp: 1 }, 'server socket is MPTCP on the wire, handed over untouched')
  t.ok(serverIsSocket)
})

t.test('forced userspace: echo, shapes of mptcpInfo() and subflows(), addresses of the first subflow', async (t) => {
  let gotServer
  const serverP = new Promise((r) => (gotServer = r))
  const server = await userspaceServer(t, {}, (s) => {
    gotServer(s)
    s.pipe(s)
  })
  const c = dial(server.address().port)
  t.equal(c.connecting, true)
  await once(c, 'connect')
  t.equal(c.multipath, 'userspace')
  const serverSide = await serverP
  t.equal(serverSide.multipath, 'userspace')
  t.ok(c instanceof mptcp.UserspaceSocket)
  t.equal(c.remoteAddress, '127.0.0.1')
  t.equal(c.remotePort, server.address().port)
  t.equal(c.localAddress, '127.0.0.1')
  t.type(c.localPort, 'number')
  c.setNoDelay(true).setKeepAlive(true, 1000)
  c.write('hello ')
  c.end('userspace')
  t.equal(String(await collect(c)), 'hello userspace')
  t.equal(c.bytesWritten, 15)
  t.equal(c.bytesRead, 15)
  const info = c.mptcpInfo()
  for (const k of ['subflows', 'token', 'writeSeq', 'sndUna', 'rcvNxt', 'bytesSent', 'bytesReceived', 'bytesAcked', 'subflowsTotal']) t.ok(k in info, k)
  t.equal(typeof info.writeSeq, 'bigint')
  t.equal(info.fallback, false)
  t.equal(info.remoteKeyReceived, true)
})

t.test('subflows() records while connected', async (t) => {
  const server = await userspaceServer(t, {}, (s) => s.pipe(s))
  const c = dial(server.address().port)
  await once(c, 'connect')
  const list = c.subflows()
  t.equal(list.length, 1)
  t.same(Object.keys(list[0]).slice(0, 4), ['id', 'local', 'remote', 'tcpInfo'])
  t.equal(list[0].remote.port, server.address().port)
  t.equal(list[0].local.family, 'IPv4')
  t.ok(list[0].tcpInfo === null || typeof list[0].tcpInfo.rtt === 'number')
  c.end()
  await collect(c)
})

t.test('with the addon, the scheduler sees the kernel\'s RTT and delivery rate of each subflow', { skip: !mptcp.support().native.loaded && 'no addon: PING RTT and ACK-based rates only' }, async (t) => {
  const server = await userspaceServer(t, {}, (s) => s.resume().on('end', () => s.end()))
  const c = dial(server.address().port)
  await once(c, 'connect')
  c.write(crypto.randomBytes(16 << 20))
  await new Promise((r) => setTimeout(r, 300))
  const [f] = c.subflows()
  const sub = c.transport.engine.subs.get(f.id)
  t.equal(sub.kernelPath, true, 'tcp_info was read')
  t.ok(f.tcpInfo.rtt > 0 && sub.srtt > 0 && sub.srtt < 50, `srtt ${sub.srtt} ms from the kernel (tcp_info ${f.tcpInfo.rtt} us)`)
  t.ok(sub.rate > 50e6, `rate ${(sub.rate / 1e6).toFixed(0)} MB/s: a loopback rate, from tcpi_delivery_rate`)
  c.end()
  await collect(c)
})

t.test('several subflows via 127.0.0.x: 24 MiB each way, SHA-256 intact, every subflow carried data', async (t) => {
  const size = 24 * 1024 * 1024
  let serverSide
  const server = await userspaceServer(t, { userspace: { announce: ['127.0.0.2', '127.0.0.3'] } }, (s) => {
    serverSide = s
    s.pipe(s)
  }, '0.0.0.0')
  const c = mptcp.connect({ port: server.address().port, host: '127.0.0.1', mptcp: 'userspace', userspace: { force: true, localAddresses: ['127.0.0.1', '127.0.0.4'] } })
  await once(c, 'connect')
  const data = crypto.randomBytes(size)
  const result = hashStream(c)
  // let the joins settle before the bulk so each subflow gets a share
  await new Promise((r) => setTimeout(r, 200))
  const mid = c.subflows()
  c.end(data)
  const got = await result
  t.equal(got.bytes, size)
  t.equal(got.hash, sha(data))
  t.equal(mid.length, 6, '2 local x 3 server addresses')
  t.same([...new Set(mid.map((s) => s.remote.address))].sort(), ['127.0.0.1', '127.0.0.2', '127.0.0.3'])
  t.same([...new Set(mid.map((s) => s.local.address))].sort(), ['127.0.0.1', '127.0.0.4'])
  t.ok(serverSide.mptcpInfo().subflowsTotal >= 1)
})

t.test('plain TCP clients on the same port: client-first is immediate, server-first waits detectTimeout', async (t) => {
  const server = await userspaceServer(t, { userspace: { detectTimeout: 150 } }, (s) => {
    t.notOk(s instanceof mptcp.UserspaceSocket)
    t.equal(s.multipath, false)
    s.write('220 greeting\r\n')
    s.pipe(s)
  })
  const port = server.address().port
  const c = net.connect(port, '127.0.0.1')
  await once(c, 'connect')
  const t0 = Date.now()
  c.write('EHLO')
  const first = await once(c, 'data')
  t.ok(Date.now() - t0 < 120, `client-first answered in ${Date.now() - t0} ms`)
  t.match(String(first[0]), /220 greeting/)
  c.destroy()
  const d = net.connect(port, '127.0.0.1')
  const t1 = Date.now()
  const [greet] = await once(d, 'data')
  const waited = Date.now() - t1
  t.match(String(greet), /220/)
  t.ok(waited >= 100 && waited < 1000, `server-first greeting after ${waited} ms`)
  d.end('bye')
  t.match(String(await collect(d)), /bye/)
})

t.test('a peer that does not speak the protocol gives a coded error, not garbage', async (t) => {
  const http = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  t.teardown(() => http.close())
  const c = dial(http.address().port)
  let data = 0
  c.on('data', () => data++)
  const [err] = await once(c, 'error')
  t.equal(err.code, 'ERR_MPTCP_USERSPACE_HANDSHAKE')
  t.equal(data, 0)

  const silent = net.createServer(() => {})
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  const socks = []
  silent.on('connection', (s) => socks.push(s))
  t.teardown(() => {
    socks.forEach((s) => s.destroy())
    silent.close()
  })
  const d = dial(silent.address().port, { force: true, handshakeTimeout: 300 })
  const [err2] = await once(d, 'error')
  t.equal(err2.code, 'ERR_MPTCP_USERSPACE_HANDSHAKE')
  t.match(err2.message, /timed out/)
})

t.test('ECONNREFUSED keeps net shape', async (t) => {
  const probe = net.createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const port = probe.address().port
  await new Promise((r) => probe.close(r))
  const c = dial(port)
  const [err] = await once(c, 'error')
  t.equal(err.code, 'ECONNREFUSED')
  t.equal(err.port, port)
})

t.test('half-close with allowHalfOpen, both directions', async (t) => {
  const server = await userspaceServer(t, { allowHalfOpen: true }, (s) => {
    collect(s).then((got) => {
      s.end(`got:${got}`)
    })
  })
  const c = dial(server.address().port, { force: true }, { allowHalfOpen: true })
  await once(c, 'connect')
  c.end('half')
  t.equal(String(await collect(c)), 'got:half')
  await once(c, 'close')
})

t.test('destroy() is a DATA_FIN (peer sees end); resetAndDestroy() a fast close (peer gets ECONNRESET)', async (t) => {
  const server = await userspaceServer(t, {}, (s) => {
    s.on('data', () => {})
    s.on('end', () => s.end())
  })
  const c = dial(server.address().port)
  await once(c, 'connect')
  c.write('x')
  c.destroy()
  await once(c, 'close')
  t.pass('closed without error')
})

t.test('resetAndDestroy reaches the peer as ECONNRESET (authenticated fast close)', async (t) => {
  let serverSide
  const ready = new Promise((r) => {
    userspaceServer(t, {}, (s) => {
      serverSide = s
      r()
    }).then((srv) => {
      const c = dial(srv.address().port)
      c.once('connect', () => c.write('x'))
      t.context.c = c
    })
  })
  await ready
  const errP = once(serverSide, 'error')
  t.context.c.resetAndDestroy()
  const [err] = await errP
  t.equal(err.code, 'ECONNRESET')
})

t.test('setTimeout fires on an idle connection', async (t) => {
  const server = await userspaceServer(t, {}, () => {})
  const c = dial(server.address().port, { force: true }, { timeout: 150 })
  await once(c, 'connect')
  const t0 = Date.now()
  await once(c, 'timeout')
  t.ok(Date.now() - t0 >= 100)
  c.destroy()
})

t.test('connection keeps working when a subflow dies; data reinjected', async (t) => {
  const size = 16 * 1024 * 1024
  let serverSide
  const server = await userspaceServer(t, { userspace: { announce: ['127.0.0.2'] } }, (s) => {
    serverSide = s
    s.pipe(s)
  }, '0.0.0.0')
  const c = mptcp.connect({ port: server.address().port, host: '127.0.0.1', mptcp: 'userspace', userspace: { force: true, localAddresses: [], reopen: false } })
  await once(c, 'connect')
  while (c.subflows().length < 2) await new Promise((r) => setTimeout(r, 20))
  const data = crypto.randomBytes(size)
  const result = hashStream(c)
  c.write(data.subarray(0, size / 2))
  await new Promise((r) => setTimeout(r, 30))
  // kill the second subflow's socket under the engine
  const rec = [...c.transport.subflows.values()].find((r) => r.id !== 1)
  rec.socket.destroy()
  c.end(data.subarray(size / 2))
  const got = await result
  t.equal(got.hash, sha(data))
  t.ok(serverSide)
})

t.test('a lost subflow is re-opened (path comes back)', async (t) => {
  const server = await userspaceServer(t, { userspace: { announce: ['127.0.0.2'] } }, (s) => s.pipe(s), '0.0.0.0')
  const c = mptcp.connect({ port: server.address().port, host: '127.0.0.1', mptcp: 'userspace', userspace: { force: true, localAddresses: [] } })
  await once(c, 'connect')
  const toSecond = () => c.subflows().find((s) => s.remote.address === '127.0.0.2')
  while (!toSecond()) await new Promise((r) => setTimeout(r, 20))
  const firstId = toSecond().id
  ;[...c.transport.subflows.values()].find((r) => r.id === firstId).socket.destroy()
  const t0 = Date.now()
  while (!toSecond() || toSecond().id === firstId) {
    if (Date.now() - t0 > 5000) break
    await new Promise((r) => setTimeout(r, 50))
  }
  t.ok(toSecond() && toSecond().id !== firstId, `re-opened after ${Date.now() - t0} ms`)
  c.end('again')
  t.equal(String(await collect(c)), 'again')
})

t.test('AbortSignal: before connect and mid-connection give ABORT_ERR', async (t) => {
  const server = await userspaceServer(t, {}, (s) => s.on('error', () => {}))
  const port = server.address().port
  const c1 = dial(port, { force: true }, { signal: AbortSignal.abort() })
  const [e1] = await once(c1, 'error')
  t.equal(e1.code, 'ABORT_ERR')
  const ac = new AbortController()
  const c2 = dial(port, { force: true }, { signal: ac.signal })
  await once(c2, 'connect')
  ac.abort()
  const [e2] = await once(c2, 'error')
  t.equal(e2.code, 'ABORT_ERR')
  t.equal(c2.destroyed, true)
})

t.test('onread delivers into the caller buffer', async (t) => {
  const payload = crypto.randomBytes(100_000)
  const server = await userspaceServer(t, {}, (s) => s.end(payload))
  const buffer = Buffer.alloc(4096)
  const parts = []
  const c = dial(server.address().port, { force: true }, { onread: { buffer, callback: (n, buf) => parts.push(Buffer.from(buf.subarray(0, n))) } })
  await once(c, 'end')
  t.ok(Buffer.concat(parts).equals(payload))
})
