'use strict'
// Benchmark servers in child processes: one per kind, each printing its port; their /__stats counters.
const http = require('node:http')
const children = require('./children')

/** Starts `node script ...argsOf(kind)` for each kind; resolves to { [kind]: { port, stop } }. */
async function startServers(script, kinds, argsOf) {
  const servers = {}
  for (const k of kinds) {
    const s = await children.startServer(process.execPath, [script, ...argsOf(k)])
    servers[k] = { port: Number(s.match[1]), stop: s.stop }
  }
  return servers
}

/** GET /__stats of a benchmark server, parsed. */
function serverStats(port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/__stats', agent: false }, (res) => {
        let s = ''
        res.on('data', (d) => (s += d))
        res.on('end', () => resolve(JSON.parse(s)))
      })
      .on('error', reject)
  })
}

module.exports = { startServers, serverStats }
