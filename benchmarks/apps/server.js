'use strict'
// An app server under test: `node apps/server.js <express|fastify> <net|mptcp> [--body N]`, prints "PORT <n>".
// net: the framework's usual server on node:net; mptcp: the same app on an MPTCP listener, in the one line
// docs/apps.md gives (express: mptcp.listen(http.createServer(app), ...); fastify: serverFactory).
// GET /__stats: connections accepted, how many were MPTCP on the wire, requests served, process CPU time.
const http = require('node:http')
const { packageDir } = require('../lib/package')
const { isMptcp } = require('../lib/sockinfo')

const [framework, impl, ...rest] = process.argv.slice(2)
const bodySize = rest.includes('--body') ? Number(rest[rest.indexOf('--body') + 1]) : 12
const body = 'x'.repeat(bodySize)
const stats = { connections: 0, mptcpConnections: 0, requests: 0 }
const statsBody = () => {
  const cpu = process.cpuUsage()
  return JSON.stringify({ ...stats, cpuUs: cpu.user + cpu.system })
}
const count = (server) =>
  server.on('connection', (sock) => {
    stats.connections++
    if (isMptcp(sock)) stats.mptcpConnections++
  })
const ready = (port) => process.stdout.write(`PORT ${port}\n`)

async function expressApp() {
  const express = require('express')
  const app = express()
  app.get('/__stats', (req, res) => res.type('application/json').send(statsBody()))
  app.get('/', (req, res) => {
    stats.requests++
    res.type('text/plain').send(body)
  })
  const server = http.createServer(app)
  server.keepAliveTimeout = 30000
  count(server)
  server.on('listening', () => ready(server.address().port))
  if (impl === 'mptcp') require(packageDir()).listen(server, 0, '127.0.0.1')
  else server.listen(0, '127.0.0.1')
}

async function fastifyApp() {
  const fastify = require('fastify')
  const opts = { keepAliveTimeout: 30000 }
  if (impl === 'mptcp') opts.serverFactory = (handler) => require(packageDir()).http.createServer(handler)
  const app = fastify(opts)
  app.get('/__stats', (req, reply) => reply.type('application/json').send(statsBody()))
  app.get('/', (req, reply) => {
    stats.requests++
    reply.type('text/plain').send(body)
  })
  count(app.server)
  await app.listen({ port: 0, host: '127.0.0.1' })
  ready(app.server.address().port)
}

;(framework === 'fastify' ? fastifyApp : expressApp)().catch((err) => {
  console.error(err.stack || err)
  process.exit(1)
})
