'use strict'
// One behaviour suite, run against node:net and against mptcp (test/parity-*.test.js). `impl.name` says which;
// `impl.expect` is the protocol every connection must have on the wire (6 TCP, 262 MPTCP), checked on both ends.
const crypto = require('node:crypto')
const { once } = require('node:events')
const { wire } = require('../helpers/wire')

function checkWire(t, impl, socket, side) {
  const w = wire(socket)
  t.equal(w.protocol, impl.expect, `${side} socket protocol on the wire`)
  t.equal(w.isMptcp, impl.expect === 262 ? 1 : 0, `${side} TCP_IS_MPTCP`)
}

async function listen(t, impl, onConnection, listenArgs = [0, '127.0.0.1'], serverOpts = {}) {
  const server = impl.net.createServer(serverOpts, (s) => {
    checkWire(t, impl, s, 'server')
    onConnection(s)
  })
  const open = new Set()
  server.on('connection', (s) => {
    open.add(s)
    s.on('close', () => open.delete(s))
  })
  server.listen(...listenArgs)
  await once(server, 'listening')
  t.teardown(() => {
    for (const s of open) s.destroy()
    server.close()
  })
  return server
}

function collect(socket) {
  const chunks = []
  socket.on('data', (d) => chunks.push(d))
  return once(socket, 'end').then(() => Buffer.concat(chunks))
}

function runParity(t, impl) {
  const { net } = impl

  t.test('echo', async (t) => {
    const server = await listen(t, impl, (s) => s.pipe(s))
    const c = net.connect(server.address().port, '127.0.0.1')
    await once(c, 'connect')
    checkWire(t, impl, c, 'client')
    c.end('hello multipath')
    t.equal(String(await collect(c)), 'hello multipath')
  })

  t.test('64 MiB each way with backpressure, bytes intact', async (t) => {
    const size = 64 * 1024 * 1024
    const server = await listen(t, impl, (s) => s.pipe(s))
    const c = net.connect({ port: server.address().port, host: '127.0.0.1' })
    await once(c, 'connect')
    checkWire(t, impl, c, 'client')
    const sent = crypto.createHash('sha256')
    const got = crypto.createHash('sha256')
    let received = 0
    c.on('data', (d) => {
      received += d.length
      got.update(d)
    })
    const ended = once(c, 'end')
    const chunk = crypto.randomBytes(256 * 1024)
    let drains = 0
    for (let off = 0; off < size; off += chunk.length) {
      sent.update(chunk)
      if (!c.write(chunk)) {
        drains++
        await once(c, 'drain')
      }
    }
    c.end()
    await ended
    t.equal(received, size)
    t.equal(got.digest('hex'), sent.digest('hex'))
    t.ok(drains > 0, 'writes hit backpressure and resumed on drain')
    t.equal(c.bytesWritten, size)
    t.equal(c.bytesRead, size)
  })

  t.test('half-close with allowHalfOpen', async (t) => {
    const server = await listen(
      t,
      impl,
      (s) => {
        const chunks = []
        s.on('data', (d) => chunks.push(d))
        s.on('end', () => {
          t.ok(s.writable, 'server side still writable after peer end')
          s.end(`got ${Buffer.concat(chunks)}`)
        })
      },
      [0, '127.0.0.1'],
      { allowHalfOpen: true },
    )
    const c = net.connect({ port: server.address().port, host: '127.0.0.1', allowHalfOpen: true })
    await once(c, 'connect')
    c.end('ping')
    t.equal(String(await collect(c)), 'got ping')
  })

  t.test('destroy reaches the peer', async (t) => {
    let serverSide
    const server = await listen(t, impl, (s) => {
      serverSide = s
      s.on('error', () => {})
      s.resume()
    })
    const c = net.connect(server.address().port, '127.0.0.1')
    await once(c, 'connect')
    c.write('x')
    await new Promise((r) => setTimeout(r, 20))
    c.destroy()
    t.equal(c.destroyed, true)
    await once(serverSide, 'close')
    t.pass('server socket closed after client destroy')
  })

  t.test('idle timeout and connect timeout option', async (t) => {
    const server = await listen(t, impl, () => {})
    const c = net.connect({ port: server.address().port, host: '127.0.0.1', timeout: 80 })
    await once(c, 'connect')
    const start = Date.now()
    await once(c, 'timeout')
    t.ok(Date.now() - start >= 60, 'timeout fired after the idle period')
    t.equal(c.timeout, 80)
    c.destroy()
  })

  t.test('ECONNREFUSED has net shape', async (t) => {
    const probe = require('node:net').createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = probe.address().port
    await new Promise((r) => probe.close(r))
    const c = net.connect(port, '127.0.0.1')
    const [err] = await once(c, 'error')
    t.equal(err.code, 'ECONNREFUSED')
    t.equal(err.syscall, 'connect')
    t.equal(err.address, '127.0.0.1')
    t.equal(err.port, port)
    t.equal(err.errno, -111)
    t.equal(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`)
  })

  for (const [name, listenArgs, host] of [
    ['IPv4 listener, IPv4 client', [0, '127.0.0.1'], '127.0.0.1'],
    ['IPv6 listener, IPv6 client', [0, '::1'], '::1'],
    ['dual-stack default listener, IPv4 client', [0], '127.0.0.1'],
    ['dual-stack default listener, IPv6 client', [0], '::1'],
  ]) {
    t.test(name, async (t) => {
      const server = await listen(t, impl, (s) => s.end(s.remoteFamily), listenArgs)
      const c = net.connect({ port: server.address().port, host })
      await once(c, 'connect')
      checkWire(t, impl, c, 'client')
      t.equal(c.remoteAddress, host)
      const family = String(await collect(c))
      t.equal(family, listenArgs.length === 1 && host === '127.0.0.1' ? 'IPv6' : c.remoteFamily)
    })
  }

  for (const order of [
    ['::1', 6, '127.0.0.1', 4],
    ['127.0.0.1', 4, '::1', 6],
  ]) {
    t.test(`localhost resolving to ${order[0]} then ${order[2]}, server on 127.0.0.1 only`, async (t) => {
      const server = await listen(t, impl, (s) => s.end('ok'))
      const lookup = (host, opts, cb) => {
        t.equal(host, 'localhost')
        const all = [
          { address: order[0], family: order[1] },
          { address: order[2], family: order[3] },
        ]
        setImmediate(() => (opts.all ? cb(null, all) : cb(null, all[0].address, all[0].family)))
      }
      const c = net.connect({ port: server.address().port, host: 'localhost', lookup, autoSelectFamily: true })
      const attempts = []
      c.on('connectionAttempt', (ip) => attempts.push(ip))
      await once(c, 'connect')
      checkWire(t, impl, c, 'client')
      t.equal(c.remoteAddress, '127.0.0.1')
      const port = server.address().port
      t.same(attempts, order[0] === '::1' ? ['::1', '127.0.0.1'] : ['127.0.0.1'])
      t.same(
        c.autoSelectFamilyAttemptedAddresses,
        order[0] === '::1' ? [`::1:${port}`, `127.0.0.1:${port}`] : [`127.0.0.1:${port}`],
      )
      t.equal(String(await collect(c)), 'ok')
    })
  }

  t.test('AbortSignal: aborted before connect, and mid-connection', async (t) => {
    const server = await listen(t, impl, (s) => s.on('error', () => {}))
    const port = server.address().port
    const c1 = net.connect({ port, host: '127.0.0.1', signal: AbortSignal.abort() })
    const [e1] = await once(c1, 'error')
    t.equal(e1.name, 'AbortError')
    t.equal(e1.code, 'ABORT_ERR')
    const ac = new AbortController()
    const c2 = net.connect({ port, host: '127.0.0.1', signal: ac.signal })
    await once(c2, 'connect')
    ac.abort()
    const [e2] = await once(c2, 'error')
    t.equal(e2.code, 'ABORT_ERR')
    t.equal(c2.destroyed, true)
  })

  t.test('onread delivers into the caller buffer', async (t) => {
    const payload = crypto.randomBytes(300 * 1024)
    const server = await listen(t, impl, (s) => s.end(payload))
    const buffer = Buffer.alloc(16 * 1024)
    const parts = []
    let sameBuffer = true
    const c = net.connect({
      port: server.address().port,
      host: '127.0.0.1',
      onread: {
        buffer,
        callback(n, buf) {
          sameBuffer &&= buf === buffer
          parts.push(Buffer.from(buf.subarray(0, n)))
        },
      },
    })
    await once(c, 'connect')
    checkWire(t, impl, c, 'client')
    await once(c, 'end')
    t.ok(sameBuffer, 'callback always got the caller buffer')
    t.ok(Buffer.concat(parts).equals(payload), 'all bytes arrived through onread')
  })

  t.test('noDelay and keepAlive constructor options reach the socket', async (t) => {
    const { native } = require('../helpers/wire')
    const c0 = native.constants
    const server = await listen(t, impl, (s) => s.on('error', () => {}))
    const c = net.connect({ port: server.address().port, host: '127.0.0.1', noDelay: true, keepAlive: true })
    await once(c, 'connect')
    const buf = Buffer.alloc(4)
    t.equal(native.getsockopt(c._handle.fd, c0.SOL_TCP, 1 /* TCP_NODELAY */, buf), 4)
    t.equal(buf.readInt32LE(0), 1, 'TCP_NODELAY set')
    t.equal(native.getsockopt(c._handle.fd, c0.SOL_SOCKET, 9 /* SO_KEEPALIVE */, buf), 4)
    t.equal(buf.readInt32LE(0), 1, 'SO_KEEPALIVE set')
    c.destroy()
  })

  t.test('localAddress and localPort', async (t) => {
    const server = await listen(t, impl, (s) => s.end(`${s.remoteAddress}`))
    const c = net.connect({ port: server.address().port, host: '127.0.0.1', localAddress: '127.0.0.2' })
    await once(c, 'connect')
    checkWire(t, impl, c, 'client')
    t.equal(c.localAddress, '127.0.0.2')
    t.equal(String(await collect(c)), '127.0.0.2')
  })

  t.test('option validation errors match net', async (t) => {
    t.throws(() => net.connect({ port: -1, host: '127.0.0.1' }), { code: 'ERR_SOCKET_BAD_PORT' })
    t.throws(() => net.connect({ port: {}, host: '127.0.0.1' }), { code: 'ERR_INVALID_ARG_TYPE' })
    t.throws(() => net.connect({ host: '127.0.0.1' }), { code: 'ERR_MISSING_ARGS' })
    t.throws(() => net.connect({ port: 80, localAddress: 'nope' }), { code: 'ERR_INVALID_IP_ADDRESS' })
    const server = impl.net.createServer()
    t.throws(() => server.listen({ port: 65536 }), { code: 'ERR_SOCKET_BAD_PORT' })
    t.throws(() => server.listen({ nothing: true }), { code: 'ERR_INVALID_ARG_VALUE' })
  })

  t.test('listen forms: (port, host, backlog, cb), options, signal, EADDRINUSE', async (t) => {
    const s1 = impl.net.createServer()
    await new Promise((r) => s1.listen(0, '127.0.0.1', 10, r))
    const port = s1.address().port
    t.same(s1.address(), { address: '127.0.0.1', family: 'IPv4', port })
    const s2 = impl.net.createServer()
    s2.listen({ port, host: '127.0.0.1' })
    const [err] = await once(s2, 'error')
    t.equal(err.code, 'EADDRINUSE')
    t.equal(err.syscall, 'listen')
    t.equal(err.address, '127.0.0.1')
    t.equal(err.port, port)
    t.equal(err.message, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`)
    t.equal(s2.listening, false)
    await new Promise((r) => s1.close(r))

    // 192.0.2.1 (TEST-NET-1) is on no interface here: bind fails, nothing is sent.
    const s5 = impl.net.createServer()
    s5.listen(0, '192.0.2.1')
    const [e5] = await once(s5, 'error')
    t.equal(e5.code, 'EADDRNOTAVAIL')
    t.equal(e5.syscall, 'listen')
    t.equal(e5.message, 'listen EADDRNOTAVAIL: address not available 192.0.2.1')
    t.equal(e5.address, '192.0.2.1')
    t.notOk('port' in e5, 'no port property for port 0')

    const ac = new AbortController()
    const s3 = impl.net.createServer()
    s3.listen({ port: 0, host: '::1', signal: ac.signal })
    await once(s3, 'listening')
    t.equal(s3.address().family, 'IPv6')
    ac.abort()
    await once(s3, 'close')
    t.equal(s3.listening, false)

    const s4 = impl.net.createServer()
    s4.listen({ port: 0, host: '::', ipv6Only: true })
    await once(s4, 'listening')
    t.equal(s4.address().address, '::')
    const refused = net.connect(s4.address().port, '127.0.0.1')
    const [e4] = await once(refused, 'error')
    t.equal(e4.code, 'ECONNREFUSED', 'ipv6Only listener refuses IPv4')
    await new Promise((r) => s4.close(r))
  })
}

module.exports = { runParity, checkWire, listen, collect }
