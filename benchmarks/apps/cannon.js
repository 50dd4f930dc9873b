'use strict'
// autocannon in its own process: `node [-r <pkg>/dist/register.js] apps/cannon.js <port> [--connections N]
// [--duration S]`. Started with the package's preload (NODE_MPTCP=dial) its connections are MPTCP with no
// change to autocannon. Prints { requests, seconds, errors, non2xx, cpuUs, p99 }.
const autocannon = require('autocannon')

const [portArg, ...rest] = process.argv.slice(2)
const opt = (name, def) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : def)
const cpu0 = process.cpuUsage()
autocannon({ url: `http://127.0.0.1:${portArg}/`, connections: opt('--connections', 10), duration: opt('--duration', 2) }, (err, res) => {
  if (err) throw err
  const cpu = process.cpuUsage(cpu0)
  process.stdout.write(`${JSON.stringify({ requests: res.requests.total, seconds: res.duration, errors: res.errors, non2xx: res.non2xx, cpuUs: cpu.user + cpu.system, p99: res.latency.p99 })}\n`)
})
