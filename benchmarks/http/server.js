'use strict'
// HTTP server under test: `node http/server.js <net|mptcp> [--body N]`, prints "PORT <n>".
// net: http.createServer().listen(); mptcp: the same server on an MPTCP listener (mptcp.http.createServer).
// GET /__stats answers how many connections it accepted and how many of them were MPTCP on the wire.
const http = require('node:http')
const path = require('node:path')
const { packageDir } = require('../lib/package')
const { isMptcp } = require('../lib/sockinfo')

const [impl, ...rest] = process.argv.slice(2)
const bodySize = rest.includes('--body') ? Number(rest[rest.indexOf('--body') + 1]) : 12
const body = Buffer.alloc(bodySize, 'x')
const stats = { connections: 0, mptcpConnections: 0 }

function handler(req, res) {
  if (req.url === '/__stats') return res.end(JSON.stringify(stats))
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

const server = impl === 'mptcp' ? mptcpServer() : http.createServer(handler)
server.on('connection', (sock) => {
  stats.connections++
  if (isMptcp(sock)) stats.mptcpConnections++
})
server.keepAliveTimeout = 30000
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${server.address().port}\n`))
