'use strict'
// Records the raw bytes this kernel returns for the structs lib/decode/ parses, from a live loopback
// MPTCP connection (IPv4 and IPv6), into test/fixtures/structs/<kernel release>.json.
// Usage: node scripts/record-struct-fixtures.js   (after npm run build)
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { once } = require('node:events')
const mptcp = require('..')
const native = require('node-gyp-build')(path.join(__dirname, '..'))
const c = native.constants

function raw(fd, level, name, buf) {
  const rc = native.getsockopt(fd, level, name, buf)
  if (rc < 0) throw new Error(`getsockopt ${level}/${name}: ${rc}`)
  return buf.subarray(0, rc).toString('hex')
}

function subflowHeader(size, capacity) {
  const buf = Buffer.alloc(16 + size * capacity)
  buf.writeUInt32LE(16, 0)
  buf.writeUInt32LE(size, 12)
  return buf
}

async function record(host) {
  const server = mptcp.createServer((s) => s.on('error', () => {}).pipe(s)).listen(0, host)
  await once(server, 'listening')
  const sock = mptcp.connect(server.address().port, host)
  await once(sock, 'connect')
  sock.write(Buffer.alloc(100000))
  await once(sock, 'data')
  const fd = sock._handle.fd
  const head = Buffer.alloc(40 + 256)
  head.writeUInt32LE(280, 4)
  head.writeUInt32LE(264, 12)
  head.writeUInt32LE(4, 20)
  const sfinfo = Buffer.alloc(4 * 264)
  const tcpinfo = Buffer.alloc(4 * 280)
  const rc = native.getsockoptFullInfo(fd, head, sfinfo, tcpinfo)
  const out = {
    local: { address: sock.localAddress, port: sock.localPort },
    remote: { address: sock.remoteAddress, port: sock.remotePort },
    mptcpInfo: raw(fd, c.SOL_MPTCP, c.MPTCP_INFO, Buffer.alloc(256)),
    tcpInfo: raw(fd, c.SOL_TCP, c.TCP_INFO, Buffer.alloc(512)),
    subflowAddrs: raw(fd, c.SOL_MPTCP, c.MPTCP_SUBFLOW_ADDRS, subflowHeader(256, 4)),
    subflowTcpInfo: raw(fd, c.SOL_MPTCP, c.MPTCP_TCPINFO, subflowHeader(280, 4)),
    fullInfo: {
      head: head.subarray(0, rc).toString('hex'),
      subflowInfo: sfinfo.toString('hex'),
      tcpInfo: tcpinfo.toString('hex'),
    },
  }
  sock.destroy()
  server.close()
  return out
}

async function main() {
  const file = path.join(__dirname, '..', 'test', 'fixtures', 'structs', `${os.release()}.json`)
  const data = { kernel: os.release(), ipv4: await record('127.0.0.1'), ipv6: await record('::1') }
  fs.writeFileSync(file, JSON.stringify(data, null, 1) + '\n')
  console.log(`wrote ${file}`)
}

main()
