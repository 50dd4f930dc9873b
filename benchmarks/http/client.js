'use strict'
// A small HTTP load loop over MPTCP or node:net clients (autocannon only speaks plain TCP):
//   node http/client.js <net|mptcp> <port> [--connections N] [--duration S] [--keepalive 0|1]
// N concurrent loops each send GET / back to back through one http.Agent whose createConnection is
// mptcp.connect (or net.connect). Prints { requests, seconds, errors, cpuUs, sockets, mptcpSockets, latency }.
const http = require('node:http')
const net = require('node:net')
const path = require('node:path')
const { packageDir } = require('../lib/package')
const { isMptcp } = require('../lib/sockinfo')

const [impl, portArg, ...rest] = process.argv.slice(2)
const opt = (name, def) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : def)
const port = Number(portArg)
const connections = opt('--connections', 10)
const duration = opt('--duration', 5) * 1000
const keepAlive = opt('--keepalive', 1) === 1
const connect = impl === 'mptcp' ? require(packageDir()).connect : net.connect

class BenchAgent extends http.Agent {
  createConnection(options) {
    return connect(options)
  }
}

const agent = new BenchAgent({ keepAlive, maxSockets: connections })
// Without keep-alive every request opens (and the server closes) its own connection.
const headers = keepAlive ? {} : { connection: 'close' }
const sockets = { total: 0, mptcp: 0 }
const latencies = []
let requests = 0
let errors = 0
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const deadline = t0 + duration

function once() {
  return new Promise((resolve) => {
    const start = performance.now()
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers }, (res) => {
      res.on('data', () => {})
      res.on('end', () => {
        requests++
        latencies.push(performance.now() - start)
        resolve()
      })
    })
    req.on('socket', (sock) => {
      if (sock.mptcpCounted) return
      sock.mptcpCounted = true
      sock.once('connect', () => {
        sockets.total++
        if (isMptcp(sock)) sockets.mptcp++
      })
    })
    req.on('error', () => {
      errors++
      resolve()
    })
  })
}

async function loop() {
  while (performance.now() < deadline) await once()
}

Promise.all(Array.from({ length: connections }, loop)).then(() => {
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  agent.destroy()
  process.stdout.write(
    `${JSON.stringify({ requests, seconds, errors, cpuUs: cpu.user + cpu.system, sockets: sockets.total, mptcpSockets: sockets.mptcp, latency: { p50: q(0.5), p99: q(0.99) } })}\n`,
  )
})
