'use strict'
// The struct decoders are pure: tested on bytes recorded from a live 6.18 kernel (scripts/record-struct-fixtures.js),
// on their prefixes (what older kernels return), and on random input.
const t = require('tap')
const fc = require('fast-check')
const { decodeMptcpInfo } = require('../dist/decode/mptcp-info')
const { decodeTcpInfo } = require('../dist/decode/tcp-info')
const { decodeSockaddr, formatIPv6 } = require('../dist/decode/sockaddr')
const sub = require('../dist/decode/subflows')
const fixture = require('./fixtures/structs/6.18.44-fc-v1045.json')

const hex = (s) => Buffer.from(s, 'hex')

t.test('mptcp_info: full 96-byte struct', async (t) => {
  const buf = hex(fixture.ipv4.mptcpInfo)
  t.equal(buf.length, 96)
  const info = decodeMptcpInfo(buf)
  t.equal(info.fallback, false)
  t.equal(info.remoteKeyReceived, true)
  t.equal(info.subflowsTotal, 1, 'one subflow on loopback, the initial one')
  t.equal(info.subflows, 0, 'no additional subflows')
  t.ok(info.token > 0)
  t.type(info.writeSeq, 'bigint')
  t.ok(info.bytesSent >= 100000n, 'the 100000 bytes the recorder sent')
  t.ok(info.bytesReceived >= 100000n)
  t.type(info.lastAckRecv, 'number')
})

t.test('mptcp_info: older kernels return prefixes; absent fields stay absent', async (t) => {
  const full = hex(fixture.ipv4.mptcpInfo)
  const last = { 40: 'rcvNxt', 48: 'retransmits', 80: 'bytesAcked', 88: 'lastDataSent', 96: 'lastAckRecv' }
  const first = { 40: 'localAddrUsed', 48: 'bytesRetrans', 80: 'subflowsTotal', 88: 'lastDataRecv' }
  for (const len of [40, 48, 80, 88, 96]) {
    const info = decodeMptcpInfo(full.subarray(0, len))
    t.ok(last[len] in info, `${len} bytes: ${last[len]} present`)
    if (first[len]) t.notOk(first[len] in info, `${len} bytes: ${first[len]} absent`)
    t.same(decodeMptcpInfo(full, len), info, 'length argument is the same as a shorter buffer')
  }
  t.equal(decodeMptcpInfo(full.subarray(0, 39)), null)
})

t.test('tcp_info', async (t) => {
  const info = decodeTcpInfo(hex(fixture.ipv4.tcpInfo))
  t.equal(info.state, 1, 'TCP_ESTABLISHED')
  t.ok(info.rtt > 0)
  t.ok(info.sndMss > 0)
  t.ok(info.sndCwnd > 0)
  t.type(info.deliveryRate, 'bigint')
  t.type(info.totalRtoTime, 'number')
  const old = decodeTcpInfo(hex(fixture.ipv4.tcpInfo).subarray(0, 104))
  t.ok('totalRetrans' in old)
  t.notOk('pacingRate' in old)
  t.equal(decodeTcpInfo(Buffer.alloc(91)), null)
})

for (const family of ['ipv4', 'ipv6']) {
  t.test(`subflow arrays (${family})`, async (t) => {
    const f = fixture[family]
    const addrs = hex(f.subflowAddrs)
    const arr = sub.decodeSubflowData(addrs, addrs.length)
    t.equal(arr.count, 1)
    t.equal(arr.stride, 256)
    const { local, remote } = sub.decodeSubflowAddrs(arr.elements[0])
    t.same(local, { address: f.local.address, family: family === 'ipv4' ? 'IPv4' : 'IPv6', port: f.local.port })
    t.same(remote, { address: f.remote.address, family: family === 'ipv4' ? 'IPv4' : 'IPv6', port: f.remote.port })
    const infos = hex(f.subflowTcpInfo)
    const ti = sub.decodeSubflowData(infos, infos.length)
    t.equal(ti.stride, 280)
    t.equal(decodeTcpInfo(ti.elements[0]).state, 1)

    const h = sub.decodeFullInfoHeader(hex(f.fullInfo.head))
    t.equal(h.numSubflows, 1)
    const list = sub.decodeFullInfoSubflows(h, hex(f.fullInfo.subflowInfo), hex(f.fullInfo.tcpInfo))
    t.equal(list.length, 1)
    t.ok(list[0].id >= 0)
    t.same(list[0].local, local)
    t.same(list[0].remote, remote)
    t.equal(list[0].tcpInfo.state, 1)
  })
}

t.test('a count larger than the buffer holds yields only what is there', async (t) => {
  const buf = sub.encodeSubflowData(256, 1)
  buf.writeUInt32LE(5, 4)
  const arr = sub.decodeSubflowData(buf, buf.length)
  t.equal(arr.count, 5)
  t.equal(arr.elements.length, 1)
  t.equal(sub.decodeSubflowData(buf, 15), null)
})

t.test('IPv6 text form follows RFC 5952', async (t) => {
  const cases = {
    '20010db8000000000000000000000001': '2001:db8::1',
    '00000000000000000000000000000000': '::',
    '00000000000000000000000000000001': '::1',
    '20010db8000000000001000000000001': '2001:db8::1:0:0:1',
    '00010000000000020000000000000003': '1:0:0:2::3',
    '20010db8000000010001000100010001': '2001:db8:0:1:1:1:1:1',
    '00000000000000000000ffff7f000001': '::ffff:127.0.0.1',
    'fe800000000000000000000000000001': 'fe80::1',
  }
  for (const [bytes, text] of Object.entries(cases)) t.equal(formatIPv6(hex(bytes), 0), text)
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      const buf = Buffer.from(bytes)
      const text = formatIPv6(buf, 0)
      if (text.startsWith('::ffff:') && text.includes('.')) return true
      return text === new URL(`http://[${text}]`).hostname.slice(1, -1)
    }),
  )
})

t.test('decoders never throw on arbitrary bytes', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(700), (bytes, len) => {
      const buf = Buffer.from(bytes)
      decodeMptcpInfo(buf, len)
      decodeTcpInfo(buf, len)
      decodeSockaddr(buf, len % 300)
      const arr = sub.decodeSubflowData(buf, Math.min(len, buf.length))
      if (arr) for (const el of arr.elements) sub.decodeSubflowAddrs(el)
      if (buf.length >= 40) {
        const h = sub.decodeFullInfoHeader(buf)
        sub.decodeFullInfoSubflows({ ...h, numSubflows: h.numSubflows % 8 }, buf, buf)
      }
    }),
  )
  t.pass('no throw')
})
