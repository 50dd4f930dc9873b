'use strict'
const t = require('tap')
const crypto = require('node:crypto')
const fc = require('fast-check')
const { pair, concat } = require('./helpers/pair')
const { MAGIC, encode, FrameDecoder, T } = require('../../dist/userspace/frames')

const frames = (bytes, magic = false) => new FrameDecoder(magic).push(bytes)

t.test('handshake: byte layout of both flights, keys agree, nothing secret on the wire', (t) => {
  const p = pair()
  p.c.engine.connect(1)
  const [to, sf, ch] = p.queue[0]
  t.equal(to, 'server')
  t.equal(sf, 1)
  t.same(ch.subarray(0, 8), MAGIC)
  t.same([...ch.subarray(8, 15)], [0x01, 0, 0, 71, 2, 2, 1], 'CLIENT_HELLO, 71-byte body, versions 2 and 1')
  p.flush(1)
  const reply = p.queue[0][2]
  t.same(reply.subarray(0, 8), MAGIC)
  const f = frames(reply.subarray(8))
  t.same(f.map((x) => x.type), [T.SERVER_HELLO, T.FINISHED])
  t.equal(f[0].version, 2, 'the server picks the highest shared version')
  p.flush()
  t.ok(p.c.established && p.s.established)
  t.same(p.c.engine.keys.token, p.s.engine.keys.token)
  t.same(p.c.engine.keys.join, p.s.engine.keys.join)
  t.equal(p.c.engine.keys.token.length, 8)
  t.end()
})

t.test('version bid-down is caught by the Finished MACs', (t) => {
  const p = pair({ both: { versions: [1, 2] } })
  p.c.engine.connect(1)
  const ch = p.queue[0][2]
  // A middlebox rewrites the offer [1, 2] to [1, 1]: the server picks 1 but the transcripts differ.
  ch[8 + 4 + 2] = 1
  p.flush()
  t.notOk(p.c.established)
  t.equal(p.c.closed, true)
  t.equal(p.c.err.code, 'ERR_MPTCP_USERSPACE_HANDSHAKE')
  t.match(p.c.err.message, /MAC/)
  t.end()
})

// DATA frames on the wire between two engines (client to server), as [dsn, payload length].
function dataFrames(p) {
  const out = []
  for (const [to, , bytes] of p.queue) {
    if (to !== 'server') continue
    for (let off = 0; off + 4 <= bytes.length; ) {
      const len = bytes.readUInt32BE(off) & 0xffffff
      if (bytes[off] === T.DATA) out.push(len - 8)
      off += 4 + len
    }
  }
  return out
}

t.test('version 2: DATA up to 256 KiB on fast subflows; a version 1 peer gets 64 KiB frames', (t) => {
  for (const [name, client, want] of [['v2 both', {}, 2], ['v1 client', { versions: [1] }, 1]]) {
    const p = pair({ client })
    t.ok(p.handshake(), `${name}: established`)
    t.equal(p.c.engine.version, want, `${name}: version ${want}`)
    t.equal(p.s.engine.version, want)
    p.c.engine.subs.get(1).rate = 1e9 // a loopback-fast subflow (bytes/s)
    const data = crypto.randomBytes(1_000_000)
    p.c.engine.write(data)
    const sizes = p.queue.length ? dataFrames(p) : []
    p.flush()
    t.ok(concat(p.s.data).equals(data), `${name}: data intact`)
    const max = Math.max(...sizes)
    if (want === 2) t.ok(max > 65536 && max <= 262144, `${name}: frames up to ${max} bytes`)
    else t.equal(max, 65536, `${name}: 64 KiB frames`)
  }
  const slow = pair()
  t.ok(slow.handshake())
  slow.c.engine.subs.get(1).rate = 6e6 // 50 Mbit/s: 1 ms is 6 KB, so segments stay at 64 KiB
  slow.c.engine.write(crypto.randomBytes(500_000))
  t.equal(Math.max(...dataFrames(slow)), 65536, 'a 50 Mbit/s subflow keeps 64 KiB segments')
  t.end()
})

t.test('frame limits follow the agreed version: over 64 KiB is FRAME_TOO_LARGE on version 1', (t) => {
  const { ErrorCode, encode: enc } = require('../../dist/userspace/frames')
  const big = enc.data(0n, Buffer.alloc(100_000))
  const d1 = new FrameDecoder(false)
  d1.push(big)
  t.equal(d1.error && d1.error.code, ErrorCode.FRAME_TOO_LARGE, 'before a version is agreed (and on v1): refused at the header')
  const p = pair({ client: { versions: [1] } })
  t.ok(p.handshake())
  t.equal(p.s.engine.subs.get(1).decoder.maxBody, 65544, 'v1 connection: 64 KiB + 8')
  const q = pair()
  t.ok(q.handshake())
  t.equal(q.s.engine.subs.get(1).decoder.maxBody, 262152, 'v2 connection: 256 KiB + 8')
  q.c.engine.join(2)
  q.flush()
  t.equal(q.s.engine.subs.get(2).decoder.maxBody, 262152, 'joined subflows too')
  t.end()
})

t.test('no common version: coded error on the client', (t) => {
  const p = pair({ client: { versions: [7] } })
  p.c.engine.connect(1)
  p.flush()
  t.equal(p.c.err.code, 'ERR_MPTCP_USERSPACE_HANDSHAKE')
  t.match(p.c.err.message, /VERSION/)
  t.end()
})

t.test('data both ways, DATA_FIN, graceful close on both sides', (t) => {
  const p = pair()
  t.ok(p.handshake())
  const a = crypto.randomBytes(500_000)
  const b = crypto.randomBytes(70_000)
  p.c.engine.write(a)
  p.s.engine.write(b)
  p.c.engine.end()
  p.s.engine.end()
  p.flush()
  t.ok(concat(p.s.data).equals(a))
  t.ok(concat(p.c.data).equals(b))
  t.ok(p.c.ended && p.s.ended)
  t.ok(p.c.closed && p.s.closed)
  t.equal(p.c.err, null)
  t.equal(p.s.err, null)
  t.ok(p.c.closedSubs.every(([, graceful]) => graceful))
  t.end()
})

t.test('window: right edge never shrinks, memory bounded while the app does not read', (t) => {
  const window = 64 * 1024
  const p = pair({ server: { window } })
  t.ok(p.handshake())
  const edges = []
  const origSend = p.queue.push.bind(p.queue)
  p.queue.push = (item) => {
    if (item[0] === 'client') for (const f of frames(item[2])) if (f.type === T.ACK) edges.push(f.ack + BigInt(f.window))
    return origSend(item)
  }
  const s = p.s
  s.engine.hooksAppBuffered = 0
  const data = crypto.randomBytes(1_000_000)
  p.c.engine.write(data)
  // the app reads nothing: count what was delivered as buffered
  const deliveredBytes = () => s.data.reduce((n, b) => n + b.length, 0)
  s.appBuffered = 0
  const origData = s.data.push.bind(s.data)
  s.data.push = (b) => {
    s.appBuffered += b.length
    return origData(b)
  }
  p.flush()
  t.ok(deliveredBytes() <= window, `delivered ${deliveredBytes()} within the window`)
  t.ok(s.engine.memory() <= window, 'reassembly + parser memory within the window')
  // the app reads everything: the window opens and the rest flows
  s.appBuffered = 0
  s.engine.windowUpdate()
  for (let i = 0; i < 100 && deliveredBytes() < data.length; i++) {
    p.flush()
    s.appBuffered = 0
    s.engine.windowUpdate()
  }
  t.ok(concat(s.data).equals(data))
  for (let i = 1; i < edges.length; i++) if (edges[i] < edges[i - 1]) t.fail(`edge shrank ${edges[i - 1]} -> ${edges[i]}`)
  t.ok(edges.length > 2)
  t.end()
})

t.test('out-of-window data is dropped, out-of-order data reassembled', (t) => {
  const p = pair({ server: { window: 4096 } })
  t.ok(p.handshake())
  const e = p.s.engine
  e.receive(1, encode.data(10_000n, Buffer.alloc(100, 1)))
  e.receive(1, encode.data(2n ** 63n, Buffer.alloc(100, 1)))
  t.equal(e.droppedOutOfWindow, 200)
  t.equal(e.oooCharged, 0)
  e.receive(1, encode.data(5n, Buffer.from('world')))
  e.receive(1, encode.data(3n, Buffer.from('lowo'))) // overlaps the next segment
  t.equal(p.s.data.length, 0)
  e.receive(1, encode.data(0n, Buffer.from('hel')))
  t.equal(concat(p.s.data).toString(), 'helloworld')
  t.equal(e.oooCharged, 0)
  e.receive(1, encode.data(0n, Buffer.from('hel'))) // duplicate
  t.equal(concat(p.s.data).toString(), 'helloworld')
  t.end()
})

t.test('join: fresh nonces, MACs both ways; bad MAC and join before establishment are refused', (t) => {
  const p = pair()
  t.ok(p.handshake())
  t.ok(p.c.engine.join(2))
  p.flush()
  t.equal(p.s.engine.subs.get(2).state, 'open')
  t.equal(p.c.engine.subs.get(2).state, 'open')

  t.ok(p.c.engine.join(3))
  p.flush(1) // JOIN
  p.flush(1) // JOIN_ACK
  const fin = p.queue[0][2]
  fin[fin.length - 1] ^= 1
  p.flush()
  t.equal(p.s.engine.subs.get(3).state, 'closed')
  t.equal(p.s.engine.joinsFailed, 1)
  t.equal(p.s.joinFailed, 1)
  t.notOk(p.s.closed, 'the connection survives a bad join')

  const q = pair()
  q.c.engine.connect(1)
  q.flush(1) // server has the hello, client FINISHED not yet there
  const { FirstFrame } = require('../../dist/userspace/acceptor')
  const join = new FirstFrame().push(Buffer.concat([MAGIC, encode.join(q.s.engine.keys.token, Buffer.alloc(32, 9), false, 0)]))
  q.s.engine.acceptJoin(5, join.frame)
  t.equal(q.s.engine.subs.get(5).state, 'closed')
  const err = frames(q.queue[q.queue.length - 1][2], true)
  t.equal(err[0].type, T.ERROR)
  t.equal(err[0].code, 7, 'NOT_ESTABLISHED')
  t.end()
})

t.test('reinjection when a subflow is lost', (t) => {
  const p = pair({ client: { scheduler: 'roundrobin' } })
  t.ok(p.handshake())
  p.c.engine.join(2)
  p.flush()
  p.cut.add('client:2')
  const data = crypto.randomBytes(400_000)
  p.c.engine.write(data)
  p.flush()
  t.ok(concat(p.s.data).length < data.length, 'part of the data went into the dead subflow')
  p.c.engine.subflowClosed(2)
  p.flush()
  t.ok(concat(p.s.data).equals(data))
  t.ok(p.c.engine.retransmits > 0)
  t.end()
})

t.test('silent blackhole: stale detection, reinjection, and the path is used again when it returns', (t) => {
  const p = pair({ client: { scheduler: 'roundrobin' } })
  t.ok(p.handshake())
  p.c.engine.join(2)
  p.flush()
  p.cut.add('client:2')
  p.cut.add('server:2')
  const data = crypto.randomBytes(300_000)
  p.c.engine.write(data)
  p.flush()
  let ms = 0
  while (concat(p.s.data).length < data.length && ms < 3000) {
    p.tick(100)
    p.flush()
    ms += 100
  }
  t.ok(concat(p.s.data).equals(data), `all data after ${ms} ms`)
  t.ok(ms <= 2000, 'within 2 s')
  t.equal(p.c.engine.subs.get(2).healthy, false)
  p.cut.clear()
  for (let i = 0; i < 20; i++) {
    p.tick(100)
    p.flush()
  }
  t.equal(p.c.engine.subs.get(2).healthy, true, 'healthy again once bytes arrive')
  const before = p.c.engine.subs.get(2).bytesSent
  p.c.engine.write(crypto.randomBytes(300_000))
  p.flush()
  t.ok(p.c.engine.subs.get(2).bytesSent > before + 100_000, 'carries data again')
  t.end()
})

t.test('a PONG that waited out an outage is not an RTT sample; the path is scheduled again at once', (t) => {
  const p = pair()
  t.ok(p.handshake())
  p.c.engine.join(2)
  p.flush()
  for (let i = 0; i < 10; i++) {
    p.tick(100)
    p.flush()
  }
  const srtt = p.c.engine.subs.get(2).srtt
  t.ok(srtt < 50, `idle PING/PONG measured ${srtt} ms on the in-memory link`)
  p.held.add('client:2')
  p.held.add('server:2')
  const data = crypto.randomBytes(400_000)
  p.c.engine.write(data)
  p.flush()
  for (let i = 0; i < 30; i++) {
    p.tick(100)
    p.flush()
  }
  t.equal(p.c.engine.subs.get(2).healthy, false, 'stale during the 3 s outage')
  t.ok(concat(p.s.data).equals(data), 'all data went around it')
  if (p.c.engine.subs.get(2).pingNonce === null) p.tick(100) // a PING is out on the dead subflow
  t.not(p.c.engine.subs.get(2).pingNonce, null, 'a PING waits on the dead subflow')
  p.clock.t += 300 // the link comes back a while after it
  p.release()
  p.flush()
  const sub = p.c.engine.subs.get(2)
  t.equal(sub.healthy, true, 'healthy once the held bytes arrive')
  t.ok(sub.srtt < 50, `srtt still ${sub.srtt.toFixed(1)} ms: the late PONG did not count the outage`)
  const before = sub.bytesSent
  const sub1 = p.c.engine.subs.get(1).bytesSent
  p.c.engine.write(crypto.randomBytes(1_000_000))
  p.flush()
  const got2 = sub.bytesSent - before
  const got1 = p.c.engine.subs.get(1).bytesSent - sub1
  t.ok(got2 > 300_000 && got1 > 300_000, `both subflows carry the next megabyte (${got1} / ${got2} bytes)`)
  t.end()
})

t.test('pathInfo(): the kernel\'s RTT and rate replace PING RTT and ACK-based rates; app-limited only raises', (t) => {
  const p = pair()
  t.ok(p.handshake())
  const sub = p.c.engine.subs.get(1)
  p.c.engine.pathInfo(1, 12.5, 5e6, false)
  t.equal(sub.srtt, 12.5)
  t.equal(sub.rate, 5e6)
  p.c.engine.pathInfo(1, 12.5, 1e6, true)
  t.equal(sub.rate, 5e6, 'a lower application-limited sample is ignored')
  p.c.engine.pathInfo(1, 10, 8e6, true)
  t.equal(sub.rate, 8e6, 'a higher one counts')
  p.c.engine.pathInfo(1, 10, 2e6, false)
  t.equal(sub.rate, 2e6, 'a network-limited sample is taken as it is')
  p.c.engine.write(crypto.randomBytes(300_000))
  p.tick(100)
  p.flush()
  p.tick(100)
  p.flush()
  t.equal(sub.rate, 2e6, 'connection-level ACKs no longer move it')
  t.equal(sub.srtt, 10, 'nor do PONGs')
  p.c.engine.pathInfo(99, 1, 1, false)
  t.end()
})

t.test('at the subflow cap an authenticated join replaces a stale subflow; with none stale it is refused', (t) => {
  const p = pair({ server: { maxSubflows: 2 }, client: { maxSubflows: 8 } })
  t.ok(p.handshake())
  p.c.engine.join(2)
  p.flush()
  t.equal(p.s.engine.subs.get(2).state, 'open')
  p.c.engine.join(3)
  p.flush()
  t.equal(p.s.engine.subs.get(3).state, 'closed', 'both healthy: the third is refused (TOO_MANY_SUBFLOWS)')
  p.cut.add('client:2')
  p.cut.add('server:2')
  for (let i = 0; i < 20; i++) {
    p.tick(100)
    p.flush()
  }
  t.equal(p.s.engine.subs.get(2).healthy, false, 'subflow 2 went stale on the server')
  p.c.engine.join(4)
  p.flush()
  t.equal(p.s.engine.subs.get(4).state, 'open', 'the new join is accepted')
  t.equal(p.s.engine.subs.get(2).state, 'closed', 'in place of the stale subflow')
  t.ok(p.s.closedSubs.some(([sf]) => sf === 2), 'whose TCP connection the transport is told to close')
  const data = crypto.randomBytes(200_000)
  p.s.engine.write(data)
  p.flush()
  t.ok(concat(p.c.data).equals(data), 'data flows on the remaining subflows')
  t.end()
})

t.test('backup subflow carries data only when no active one is healthy', (t) => {
  const p = pair()
  t.ok(p.handshake())
  p.c.engine.join(2, { backup: true })
  p.flush()
  t.equal(p.s.engine.subs.get(2).backup, true, 'peer learned the priority')
  const sent = () => p.c.engine.subs.get(2).bytesSent
  const base = sent()
  p.c.engine.write(crypto.randomBytes(200_000))
  p.flush()
  t.ok(sent() - base < 100, 'backup idle while the active subflow is healthy')
  p.cut.add('client:1')
  p.cut.add('server:1')
  const data = crypto.randomBytes(200_000)
  p.c.engine.write(data)
  for (let i = 0; i < 20; i++) {
    p.tick(100)
    p.flush()
  }
  t.ok(sent() - base > 150_000, 'backup used after the active one went stale')
  t.equal(concat(p.s.data).length, 400_000)
  t.end()
})

t.test('fast close is authenticated', (t) => {
  const p = pair()
  t.ok(p.handshake())
  p.s.engine.receive(1, encode.fastClose(Buffer.alloc(32)))
  t.notOk(p.s.closed, 'forged FAST_CLOSE does not abort the connection')
  t.equal(p.s.engine.badMacs, 1)
  const q = pair()
  t.ok(q.handshake())
  q.c.engine.abort()
  q.flush()
  t.ok(q.s.closed)
  t.equal(q.s.err.code, 'ECONNRESET')
  t.end()
})

t.test('ADD_ADDR / REMOVE_ADDR carry a MAC', (t) => {
  const p = pair()
  t.ok(p.handshake())
  p.s.engine.announce({ id: 3, family: 4, address: '10.0.0.9', port: 4242 })
  p.flush()
  t.same(p.c.addrs, [{ id: 3, family: 4, address: '10.0.0.9', port: 4242 }])
  const forged = encode.addAddr(encode.addAddrBody(4, 4, '6.6.6.6', 1), Buffer.alloc(32))
  p.c.engine.receive(1, forged)
  t.equal(p.c.addrs.length, 1)
  t.equal(p.c.engine.badMacs, 1)
  p.s.engine.removeAddress(3)
  p.flush()
  t.same(p.c.removed, [3])
  t.end()
})

t.test('a permanent hole aborts after holeTimeout with bounded memory', (t) => {
  const window = 256 * 1024
  const p = pair({ server: { window, holeTimeout: 2000 } })
  t.ok(p.handshake())
  for (let dsn = 1000; dsn < 2 * window; dsn += 1000) p.s.engine.receive(1, encode.data(BigInt(dsn), Buffer.alloc(10, 1)))
  t.ok(p.s.engine.memory() <= window, `memory ${p.s.engine.memory()} within the window`)
  t.ok(p.s.engine.droppedOutOfWindow > 0)
  for (let i = 0; i < 25; i++) p.tick(100)
  t.ok(p.s.closed)
  t.equal(p.s.err.code, 'ERR_MPTCP_USERSPACE_HOLE')
  t.end()
})

t.test('fuzz: random and mutated frames never throw out of the engine; memory bounded; defined end state', (t) => {
  const window = 128 * 1024
  const frameArb = fc.oneof(
    fc.record({ dsn: fc.bigInt({ min: 0n, max: 400_000n }), len: fc.integer({ min: 1, max: 3000 }) }).map(({ dsn, len }) => encode.data(dsn, Buffer.alloc(len, 7))),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((d) => encode.data(d, Buffer.alloc(5))),
    fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.nat(0xffffffff)).map(([a, w]) => encode.ack(a, w)),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((d) => encode.dataFin(d)),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => encode.ping(n)),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => encode.pong(n)),
    fc.boolean().map((b) => encode.prio(b)),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((m) => encode.fastClose(Buffer.from(m))),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((m) => encode.removeAddr(1, Buffer.from(m))),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((m) => encode.finished(Buffer.from(m))),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.integer({ min: 0, max: 0x1f }), fc.uint8Array({ maxLength: 40 })).map(([ty, b]) => {
      const h = Buffer.alloc(4)
      h.writeUInt32BE(b.length, 0)
      h[0] = ty
      return Buffer.concat([h, Buffer.from(b)])
    }),
  )
  const mutate = fc.tuple(frameArb, fc.nat(200), fc.integer({ min: 0, max: 255 })).map(([f, i, v]) => {
    const b = Buffer.from(f)
    if (b.length) b[i % b.length] = v
    return b
  })
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.oneof(frameArb, mutate), fc.constantFrom(1, 2), fc.boolean()), { maxLength: 40 }), (steps) => {
      const p = pair({ server: { window }, client: { window } })
      if (!p.handshake()) return false
      p.c.engine.join(2)
      p.flush()
      for (const [bytes, sf, toClient] of steps) {
        const e = toClient ? p.c.engine : p.s.engine
        e.receive(sf, bytes)
        p.flush(5)
        p.tick(37)
        const mem = e.memory()
        if (mem > window + 2 * 70_000) throw new Error(`memory ${mem}`)
      }
      p.flush()
      for (const side of [p.c, p.s]) {
        const st = side.engine.state
        if (st !== 'established' && st !== 'closed') throw new Error(`state ${st}`)
        if (st === 'closed' && side.err && typeof side.err.code !== 'string') throw new Error('uncoded error')
      }
      return true
    }),
    { numRuns: 400 },
  )
  t.end()
})

t.test('redundant scheduler sends every segment on every subflow; receiver drops the duplicates', (t) => {
  const p = pair({ client: { scheduler: 'redundant' } })
  t.ok(p.handshake())
  p.c.engine.join(2)
  p.flush()
  const base = [1, 2].map((id) => p.c.engine.subs.get(id).bytesSent)
  const data = crypto.randomBytes(200_000)
  p.c.engine.write(data)
  p.flush()
  const sent = [1, 2].map((id, i) => p.c.engine.subs.get(id).bytesSent - base[i])
  t.ok(sent.every((n) => n >= data.length), `both subflows carried everything: ${sent}`)
  t.ok(concat(p.s.data).equals(data), 'delivered once, in order')
  t.end()
})

t.test('a malformed frame closes only its subflow (with ERROR); its data is reinjected elsewhere', (t) => {
  const p = pair({ client: { scheduler: 'roundrobin' } })
  t.ok(p.handshake())
  p.c.engine.join(2)
  p.flush()
  const data = crypto.randomBytes(300_000)
  p.cut.add('client:2') // what the client sends on subflow 2 is lost...
  p.c.engine.write(data)
  p.flush()
  p.cut.clear()
  p.s.engine.receive(2, Buffer.from([0x77, 0, 0, 0])) // ...and the server sees garbage on it
  const err = p.queue.filter(([to, sf]) => to === 'client' && sf === 2).flatMap(([, , b]) => frames(b)).find((f) => f.type === T.ERROR)
  t.equal(err && err.code, 1, 'ERROR PROTOCOL sent on that subflow')
  t.equal(p.s.engine.subs.get(2).state, 'closed')
  p.flush()
  t.equal(p.c.engine.subs.get(2).state, 'closed', 'client closed it too')
  t.notOk(p.s.closed || p.c.closed, 'connection alive')
  t.ok(concat(p.s.data).equals(data), 'all data arrived through subflow 1')
  t.end()
})

t.test('reassembly: random overlapping pieces come out as the original bytes; charge bounded', (t) => {
  const { Reassembly, SEGMENT_CHARGE } = require('../../dist/userspace/reassembly')
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(3000), fc.integer({ min: 1, max: 500 })), { maxLength: 60 }), (ins) => {
      const source = crypto.randomBytes(4000)
      const r = new Reassembly()
      const have = new Uint8Array(4000)
      for (const [start, len] of ins) {
        r.insert(start + 1, source.subarray(start + 1, start + 1 + len), Infinity)
        for (let i = start + 1; i < Math.min(4000, start + 1 + len); i++) have[i] = 1
      }
      if (r.charged < 0 || r.charged > 4000 + SEGMENT_CHARGE * r.size) return false
      // deliver byte 0 by hand, then take() must give back exactly the contiguous run after it
      let next = 1
      const out = []
      for (let b = r.take(next); b; b = r.take(next)) {
        out.push(b)
        next += b.length
      }
      let run = 1
      while (run < 4000 && have[run]) run++
      return next === run && Buffer.concat(out).equals(source.subarray(1, run))
    }),
    { numRuns: 500 },
  )
  t.end()
})

t.test('opportunistic reinjection: a window-limited sender copies the head segment off a slow subflow', (t) => {
  const window = 256 * 1024
  const p = pair({ server: { window }, client: { scheduler: 'roundrobin' } })
  t.ok(p.handshake())
  p.c.engine.join(2)
  p.flush()
  const data = crypto.randomBytes(1024 * 1024)
  p.c.engine.write(data)
  const held = []
  const step = () => {
    // subflow 2 is slow: what the client sends on it does not arrive (yet)
    for (let i = p.queue.length - 1; i >= 0; i--) if (p.queue[i][0] === 'server' && p.queue[i][1] === 2) held.push(...p.queue.splice(i, 1))
    p.flush()
  }
  step()
  const stalled = concat(p.s.data).length
  t.ok(stalled < window, `window-limited behind the slow subflow at ${stalled}`)
  for (let ms = 0; ms < 150; ms += 25) {
    p.tick(25)
    step()
  }
  t.equal(p.c.engine.subs.get(2).healthy, true, 'not stale yet: this is opportunistic, not failover')
  t.ok(p.c.engine.retransmits > 0)
  t.ok(concat(p.s.data).length > window, `progress past the window: ${concat(p.s.data).length}`)
  t.end()
})
