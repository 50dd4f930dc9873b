'use strict'
const t = require('tap')
const fc = require('fast-check')
const { FrameDecoder, MAGIC, MAX_BODY, encode, decodeFrame, ErrorCode } = require('../../dist/userspace/frames')

const hex = (b) => Buffer.from(b).toString('hex')

t.test('byte layouts', (t) => {
  t.equal(hex(MAGIC), '894d50550d0a1a01')
  t.equal(hex(encode.ack(0x0102030405060708n, 0x0a0b0c0d)), '1100000c' + '0102030405060708' + '0a0b0c0d')
  t.equal(hex(encode.data(5n, Buffer.from('hi'))), '1000000a' + '0000000000000005' + '6869')
  t.equal(hex(encode.dataFin(7n)), '12000008' + '0000000000000007')
  t.equal(hex(encode.ping(1n)), '13000008' + '0000000000000001')
  t.equal(hex(encode.prio(true)), '1700000101')
  t.equal(hex(encode.error(5, 'x')), '1f000003' + '0005' + '78')
  const ch = encode.clientHello([1], Buffer.alloc(32, 0xaa), Buffer.alloc(32, 0xbb), 65536)
  t.equal(hex(ch.subarray(0, 6)), '010000' + '46' + '0101')
  t.equal(ch.length, 4 + 1 + 1 + 32 + 32 + 4)
  t.equal(hex(ch.subarray(-4)), '00010000')
  const j = encode.join(Buffer.alloc(8, 1), Buffer.alloc(32, 2), true, 3)
  t.equal(hex(j.subarray(0, 4)), '0400002a')
  t.equal(hex(j.subarray(-2)), '0103')
  const body = encode.addAddrBody(2, 4, '10.1.2.3', 8080)
  t.equal(hex(body), '0204' + '0a010203' + '1f90')
  const body6 = encode.addAddrBody(1, 6, '2001:db8::1', 443)
  t.equal(hex(body6), '0106' + '20010db8000000000000000000000001' + '01bb')
  t.end()
})

t.test('round trip of every frame type', (t) => {
  const frames = [
    encode.clientHello([1, 2], Buffer.alloc(32, 1), Buffer.alloc(32, 2), 1 << 20),
    encode.serverHello(1, Buffer.alloc(32, 1), Buffer.alloc(32, 2), 77),
    encode.finished(Buffer.alloc(32, 3)),
    encode.join(Buffer.alloc(8, 4), Buffer.alloc(32, 5), false, 9),
    encode.joinAck(Buffer.alloc(32, 6), Buffer.alloc(32, 7)),
    encode.joinFinished(Buffer.alloc(32, 8)),
    encode.data(2n ** 40n, Buffer.alloc(1000, 9)),
    encode.ack(123n, 456),
    encode.dataFin(99n),
    encode.ping(5n),
    encode.pong(5n),
    encode.addAddr(encode.addAddrBody(1, 6, '::ffff:1.2.3.4', 1), Buffer.alloc(32)),
    encode.removeAddr(1, Buffer.alloc(32)),
    encode.prio(false),
    encode.fastClose(Buffer.alloc(32)),
    encode.error(1, 'bad'),
  ]
  const d = new FrameDecoder(true)
  const all = Buffer.concat([MAGIC, ...frames])
  const out = []
  for (let i = 0; i < all.length; i += 7) out.push(...d.push(all.subarray(i, i + 7)))
  t.equal(d.error, null)
  // DATA is streamed: a frame split across chunks comes out as consecutive pieces
  const data = out.filter((f) => f.type === 0x10)
  const control = out.filter((f) => f.type !== 0x10)
  t.equal(control.length, frames.length - 1)
  t.same(control.map((f) => hex(f.raw)), frames.filter((_, i) => i !== 6).map(hex))
  t.equal(data[0].dsn, 2n ** 40n)
  for (let i = 1; i < data.length; i++) t.equal(data[i].dsn, data[i - 1].dsn + BigInt(data[i - 1].payload.length))
  t.same(Buffer.concat(data.map((f) => f.payload)), Buffer.alloc(1000, 9))
  t.same(control[0].versions, [1, 2])
  t.equal(control[10].address, '::ffff:1.2.3.4')
  t.equal(control[14].reason, 'bad')
  t.end()
})

t.test('frame-length bomb is refused at the header, nothing buffered', (t) => {
  const d = new FrameDecoder(false)
  const out = d.push(Buffer.from([0x10, 0xff, 0xff, 0xff]))
  t.same(out, [])
  t.equal(d.error.code, ErrorCode.FRAME_TOO_LARGE)
  t.equal(d.buffered, 0)
  const ok = new FrameDecoder(false)
  const hdr = Buffer.alloc(4)
  hdr.writeUInt32BE(MAX_BODY, 0)
  hdr[0] = 0x10
  ok.push(hdr)
  t.equal(ok.error, null, 'the largest legal DATA frame is fine')
  t.end()
})

t.test('bad magic and malformed frames are typed errors', (t) => {
  const d = new FrameDecoder(true)
  d.push(Buffer.from('GET / HTTP/1.1\r\n'))
  t.equal(d.error.code, ErrorCode.PROTOCOL)
  t.match(d.error.message, /magic/)
  t.equal(decodeFrame(0x11, Buffer.alloc(3), Buffer.alloc(7)).code, ErrorCode.PROTOCOL)
  t.equal(decodeFrame(0x99, Buffer.alloc(0), Buffer.alloc(4)).code, ErrorCode.PROTOCOL)
  t.equal(decodeFrame(0x17, Buffer.from([2]), Buffer.alloc(5)).code, ErrorCode.PROTOCOL, 'reserved bits')
  t.end()
})

t.test('fuzz: random and mutated input never throws, buffers at most one frame', (t) => {
  const valid = Buffer.concat([encode.ack(1n, 2), encode.data(3n, Buffer.alloc(20, 1)), encode.ping(1n), encode.prio(true)])
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
          const b = Buffer.from(valid)
          b[i] = v
          return b
        }),
      ),
      fc.array(fc.nat(64), { maxLength: 8 }),
      (bytes, cuts) => {
        const d = new FrameDecoder(false)
        let off = 0
        for (const c of [...cuts, bytes.length]) {
          d.push(Buffer.from(bytes.subarray(off, off + c + 1)))
          off += c + 1
          if (d.buffered > MAX_BODY + 4) return false
        }
        return d.error === null || typeof d.error.code === 'number'
      },
    ),
    { numRuns: 3000 },
  )
  t.end()
})
