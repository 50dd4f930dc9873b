'use strict'
// Built-in fetch load loop: `node apps/fetch-client.js <undici|mptcp> <port> [--connections N] [--duration S]`.
// N concurrent loops of `await fetch(url, { dispatcher })`; the dispatcher is `new undici.Agent({ connections: N })`
// or `mptcp.undici.createAgent({ undici, connections: N })`. Prints { requests, seconds, errors, cpuUs, p50, p99 }.
const undici = require('undici')
const { packageDir } = require('../lib/package')

const [impl, portArg, ...rest] = process.argv.slice(2)
const opt = (name, def) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : def)
const connections = opt('--connections', 10)
const duration = opt('--duration', 2) * 1000
const url = `http://127.0.0.1:${portArg}/`
const dispatcher = impl === 'mptcp' ? require(packageDir()).undici.createAgent({ undici, connections }) : new undici.Agent({ connections })

const latencies = []
let requests = 0
let errors = 0

async function loop(deadline) {
  while (performance.now() < deadline) {
    const start = performance.now()
    try {
      const res = await fetch(url, { dispatcher })
      await res.arrayBuffer()
      if (res.status !== 200) errors++
      else requests++
      latencies.push(performance.now() - start)
    } catch {
      errors++
    }
  }
}

;(async () => {
  // One request per connection first, so connection set-up is not in the measurement.
  await Promise.all(Array.from({ length: connections }, () => loop(performance.now() + 200)))
  requests = 0
  errors = 0
  latencies.length = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await Promise.all(Array.from({ length: connections }, () => loop(t0 + duration)))
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  await dispatcher.close()
  process.stdout.write(`${JSON.stringify({ requests, seconds, errors, cpuUs: cpu.user + cpu.system, p50: q(0.5), p99: q(0.99) })}\n`)
})()
