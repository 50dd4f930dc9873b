'use strict'
// HTTP server under test: `node http/server.js <kind> [--body N]`, prints "PORT <n>".
// net: http.createServer().listen(); mptcp: the same server on an MPTCP listener (mptcp.http.createServer).
// net-swap / net-own: node:net server whose accepted sockets get mptcp.Socket's members the way the package
// adopts them (Object.setPrototypeOf) or as own properties: isolates what adoption costs per request.
// GET /__stats: connections accepted, how many were MPTCP on the wire, requests served, process CPU time.
const http = require('node:http')
const path = require('node:path')
const { packageDir } = require('../lib/package')
const { isMptcp } = require('../lib/sockinfo')

const [impl, ...rest] = process.argv.slice(2)
const bodySize = rest.includes('--body') ? Number(rest[rest.indexOf('--body') + 1]) : 12
const body = Buffer.alloc(bodySize, 'x')
const stats = { connections: 0, mptcpConnections: 0, requests: 0 }

function handler(req, res) {
  if (req.url === '/__stats') {
    const cpu = process.cpuUsage()
    return res.end(JSON.stringify({ ...stats, cpuUs: cpu.user + cpu.system }))
  }
  stats.requests++
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
  res.end(body)
}

function mptcpServer() {
  const mptcp = require(packageDir())
  if (mptcp.http && typeof mptcp.http.createServer === 'function') return mptcp.http.createServer(handler)
  // Older builds without mptcp.http: an http.Server fed by an MPTCP net.Server.
  const server = http.createServer(handler)
  const listener = mptcp.createServer((sock) => server.emit('connection', sock))
  server.listen = (...args) => listener.listen(...args)
  server.address = () => listener.address()
  return server
}

function adoptingServer(how) {
  const server = http.createServer(handler)
  const proto = require(packageDir()).Socket.prototype
  const multipath = Object.getOwnPropertyDescriptor(proto, 'multipath')
  server.prependListener('connection', (sock) => {
    if (how === 'swap') return void Object.setPrototypeOf(sock, proto)
    Object.defineProperty(sock, 'multipath', { get: multipath.get, configurable: true })
    sock.mptcpInfo = proto.mptcpInfo
    sock.subflows = proto.subflows
  })
  return server
}

const server =
  impl === 'mptcp' ? mptcpServer() : impl === 'net-swap' ? adoptingServer('swap') : impl === 'net-own' ? adoptingServer('own') : http.createServer(handler)
server.on('connection', (sock) => {
  stats.connections++
  if (isMptcp(sock)) stats.mptcpConnections++
})
server.keepAliveTimeout = 30000
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${server.address().port}\n`))
