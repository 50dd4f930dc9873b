'use strict'
// Hostile peers over real loopback sockets; after each, the server still serves an honest client.
const t = require('tap')
const net = require('node:net')
const crypto = require('node:crypto')
const { once } = require('node:events')
const { userspaceServer, dial, collect } = require('./helpers/util')
const { MAGIC, encode, FrameDecoder, T } = require('../../dist/userspace/frames')
const keys = require('../../dist/userspace/keys')

const WINDOW = 256 * 1024
const conns = []
const raws = []
let server, port

function raw(localAddress) {
  const sock = net.connect({ port, host: '127.0.0.1', ...(localAddress && { localAddress }) })
  raws.push(sock)
  const dec = new FrameDecoder(true)
  const frames = []
  const waiters = []
  sock.on('data', (d) => {
    frames.push(...dec.push(d))
    for (const w of waiters.splice(0)) w()
  })
  sock.on('error', () => {})
  const closed = once(sock, 'close')
  return {
    sock,
    frames,
    closed,
    async next(type) {
      for (;;) {
        const i = frames.findIndex((f) => f.type === type || f.type === T.ERROR)
        if (i >= 0) return frames.splice(i, 1)[0]
        await Promise.race([new Promise((r) => waiters.push(r)), closed])
        if (sock.destroyed && !frames.some((f) => f.type === type || f.type === T.ERROR)) return null
      }
    },
  }
}

async function honest(t) {
  const c = dial(port)
  await once(c, 'connect')
  const msg = crypto.randomBytes(100_000)
  c.end(msg)
  t.ok((await collect(c)).equals(msg), 'server still serves an honest client')
}

async function established() {
  const c = dial(port)
  await once(c, 'connect')
  while (conns.length === 0 || !conns.some((s) => s.mptcpInfo()?.token === c.mptcpInfo().token)) await new Promise((r) => setTimeout(r, 5))
  const s = conns.find((x) => x.mptcpInfo().token === c.mptcpInfo().token)
  return { c, s, sub: c.transport.first().socket, token: c.transport.engine.keys.token }
}

t.before(async () => {
  server = await userspaceServer(t, { userspace: { window: WINDOW, maxSubflows: 3, holeTimeout: 800, joinLimits: { burst: 5, perSecond: 0.5 } } }, (s) => {
    conns.push(s)
    s.on('error', () => {})
    s.pipe(s)
  })
  port = server.address().port
})

t.after(() => {
  raws.forEach((s) => s.destroy())
  conns.forEach((s) => s.destroy())
})

t.test('guessed token: UNKNOWN_TOKEN, closed', async (t) => {
  const r = raw()
  r.sock.write(Buffer.concat([MAGIC, encode.join(crypto.randomBytes(8), crypto.randomBytes(32), false, 0)]))
  const f = await r.next(T.JOIN_ACK)
  t.equal(f.type, T.ERROR)
  t.equal(f.code, 6)
  await r.closed
  await honest(t)
})

t.test('bad join MAC: BAD_MAC, counted, the connection lives on', async (t) => {
  const { c, s, token } = await established()
  const r = raw()
  r.sock.write(Buffer.concat([MAGIC, encode.join(token, crypto.randomBytes(32), false, 0)]))
  const ack = await r.next(T.JOIN_ACK)
  t.equal(ack.type, T.JOIN_ACK)
  r.sock.write(encode.joinFinished(crypto.randomBytes(32)))
  const f = await r.next(T.JOIN_ACK)
  t.equal(f.code, 5)
  t.equal(s.transport.engine.joinsFailed, 1)
  c.end('still here')
  t.equal(String(await collect(c)), 'still here')
})

t.test('join before establishment: NOT_ESTABLISHED', async (t) => {
  const r = raw()
  const kp = keys.generateKeyPair()
  const ch = encode.clientHello([1], crypto.randomBytes(32), kp.pub, 65536)
  r.sock.write(Buffer.concat([MAGIC, ch]))
  const sh = await r.next(T.SERVER_HELLO)
  const shared = keys.sharedSecret(kp, sh.pub)
  const k = keys.deriveKeys(shared, keys.sha256(ch, sh.raw))
  // never send FINISHED; try to join with the (correct) token
  const j = raw()
  j.sock.write(Buffer.concat([MAGIC, encode.join(k.token, crypto.randomBytes(32), false, 0)]))
  const f = await j.next(T.JOIN_ACK)
  t.equal(f.type, T.ERROR)
  t.equal(f.code, 7)
  r.sock.destroy()
  await honest(t)
})

t.test('join flood from one source is rate-limited; other sources unaffected', async (t) => {
  const codes = []
  for (let i = 0; i < 12; i++) {
    const r = raw('127.0.0.9')
    r.sock.write(Buffer.concat([MAGIC, encode.join(crypto.randomBytes(8), crypto.randomBytes(32), false, 0)]))
    const f = await r.next(T.JOIN_ACK)
    codes.push(f && f.code)
  }
  t.same(codes.slice(0, 5), [6, 6, 6, 6, 6])
  t.ok(codes.slice(5).every((c) => c === 9), `then RATE_LIMITED: ${codes}`)
  await honest(t)
})

t.test('subflow cap', async (t) => {
  const { c, token } = await established()
  const results = []
  for (let i = 0; i < 3; i++) {
    const r = raw()
    const cn = crypto.randomBytes(32)
    r.sock.write(Buffer.concat([MAGIC, encode.join(token, cn, false, 0)]))
    const ack = await r.next(T.JOIN_ACK)
    if (ack.type !== T.JOIN_ACK) {
      results.push(ack.code)
      continue
    }
    const k = c.transport.engine.keys
    r.sock.write(encode.joinFinished(keys.macs.joinClient(k, cn, ack.nonce)))
    await new Promise((res) => setTimeout(res, 20))
    results.push(r.sock.destroyed ? 'closed' : 'open')
  }
  t.same(results, ['open', 'open', 8], 'third extra subflow is over the cap of 3')
  c.destroy()
})

t.test('frame-length bomb: refused at the header, on a new subflow and on an established one', async (t) => {
  const r = raw()
  r.sock.write(Buffer.concat([MAGIC, Buffer.from([0x01, 0xff, 0xff, 0xff])]))
  const f = await r.next(T.SERVER_HELLO)
  t.equal(f.code, 2)
  const { c, s, sub } = await established()
  const errP = once(c, 'error')
  sub.write(Buffer.from([0x10, 0xff, 0xff, 0xff]))
  sub.write(Buffer.alloc(1024 * 1024))
  const [err] = await errP
  t.match(err.code, /ERR_MPTCP_USERSPACE|ECONNRESET/)
  t.ok(s.transport.engine.memory() < 70_000, 'nothing of the bomb buffered')
  await honest(t)
})

t.test('out-of-window flood is dropped, never buffered', async (t) => {
  const { c, s, sub } = await established()
  const junk = Buffer.alloc(60_000, 1)
  for (let i = 0; i < 100; i++) sub.write(encode.data(BigInt(100 * 1024 * 1024 + i * 60_000), junk))
  await new Promise((r) => setTimeout(r, 100))
  const e = s.transport.engine
  t.ok(e.droppedOutOfWindow >= 5_000_000, `dropped ${e.droppedOutOfWindow}`)
  t.ok(e.memory() <= WINDOW + 70_000, `memory ${e.memory()}`)
  c.end('fine')
  t.equal(String(await collect(c)), 'fine')
})

t.test('permanent hole: memory bounded by the window, connection aborted after holeTimeout', async (t) => {
  const { c, s, sub } = await established()
  for (let dsn = 1000; dsn < 3 * WINDOW; dsn += 2000) sub.write(encode.data(BigInt(dsn), Buffer.alloc(1000, 2)))
  await new Promise((r) => setTimeout(r, 100))
  const e = s.transport.engine
  t.ok(e.memory() <= WINDOW + 70_000, `memory ${e.memory()} <= window + frame`)
  const [err] = await once(c, 'error')
  t.equal(err.code, 'ECONNRESET')
  t.equal(s.transport.engine.closeError.code, 'ERR_MPTCP_USERSPACE_HOLE')
  await honest(t)
})
