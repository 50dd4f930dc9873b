'use strict'
// Single-path goodput on loopback: the userspace stack (forced, one subflow) vs node:net vs kernel MPTCP.
// Each transfer: a fresh client process sends `bytes` in `writeSize` writes to a server process (one per
// implementation, started once) that reads to EOF and answers with its CPU time and what the connection was.
//   node benchmarks/userspace/loopback.js server <net|kernel|userspace>                      prints PORT <n>
//   node benchmarks/userspace/loopback.js client <net|kernel|userspace> <port> <bytes> <writeSize>
const net = require('node:net')
const { packageDir } = require('../lib/package')
const { isMptcp } = require('../lib/sockinfo')

const STALL_MS = 100
const cpuUs = (since) => {
  const u = process.cpuUsage(since)
  return u.user + u.system
}
const wireOf = (s) => ({ multipath: s.multipath ?? false, kernelMptcp: s.multipath === 'userspace' ? false : isMptcp(s), subflows: typeof s.subflows === 'function' ? s.subflows().length : 1 })

function server(mode) {
  const mptcp = require(packageDir())
  const onConnection = (s) => {
    const cpu0 = process.cpuUsage()
    const wire = wireOf(s)
    let bytes = 0
    let last = 0
    let stalledMs = 0
    s.on('data', (d) => {
      const now = performance.now()
      if (last && now - last > STALL_MS) stalledMs += now - last
      last = now
      bytes += d.length
    })
    s.on('error', () => {})
    s.on('end', () => s.end(JSON.stringify({ bytes, cpuUs: cpuUs(cpu0), stalledMs, wire })))
  }
  const srv = mode === 'net' ? net.createServer(onConnection) : mode === 'kernel' ? mptcp.createServer(onConnection) : mptcp.createServer({ mptcp: 'userspace' }, onConnection)
  srv.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${srv.address().port}\n`))
}

function client(mode, port, bytes, writeSize) {
  const mptcp = require(packageDir())
  const c =
    mode === 'net'
      ? net.connect(port, '127.0.0.1')
      : mode === 'kernel'
        ? mptcp.connect({ port, host: '127.0.0.1' })
        : mptcp.connect({ port, host: '127.0.0.1', mptcp: 'userspace', userspace: { force: true, maxSubflows: 1 } })
  const chunk = Buffer.alloc(writeSize, 7)
  let t0 = 0
  let cpu0
  let wire
  let reply = ''
  c.once('connect', () => {
    t0 = performance.now()
    cpu0 = process.cpuUsage()
    wire = wireOf(c)
    let sent = 0
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length
        if (!c.write(chunk)) return c.once('drain', pump)
      }
      c.end()
    }
    pump()
  })
  c.on('data', (d) => (reply += d))
  c.on('end', () => {
    const seconds = (performance.now() - t0) / 1000
    process.stdout.write(`${JSON.stringify({ seconds, cpuUs: cpuUs(cpu0), wire, server: JSON.parse(reply) })}\n`)
    c.destroy()
  })
}

if (require.main === module) {
  const [role, mode, port, bytes, writeSize] = process.argv.slice(2)
  if (role === 'server') server(mode)
  else client(mode, Number(port), Number(bytes), Number(writeSize))
}

const MODES = ['net', 'userspace', 'kernel']

function checkWire(mode, res) {
  for (const [side, w] of [['client', res.wire], ['server', res.server.wire]]) {
    const ok = mode === 'userspace' ? w.multipath === 'userspace' && w.subflows === 1 : w.kernelMptcp === (mode === 'kernel')
    if (!ok) throw new Error(`loopback ${mode}: the ${side} connection was ${JSON.stringify(w)}`)
  }
}

async function loopback({ runs = 5, bytes = 4 * 2 ** 30, writeSize = 256 * 1024 } = {}) {
  const children = require('../lib/children')
  const { summary } = require('../lib/stats')
  const { log, section } = require('../lib/progress')
  section(`userspace loopback: ${MODES.join(' / ')}, ${runs} rounds x ${bytes / 2 ** 20} MiB, ${writeSize / 1024} KiB writes`)
  const servers = {}
  for (const m of MODES) {
    const s = await children.startServer(process.execPath, [__filename, 'server', m])
    servers[m] = { port: Number(s.match[1]), stop: s.stop }
  }
  const out = Object.fromEntries(MODES.map((m) => [m, []]))
  try {
    for (let r = 0; r < runs; r++) {
      for (const m of r % 2 ? [...MODES].reverse() : MODES) {
        const res = JSON.parse((await children.run(process.execPath, [__filename, 'client', m, String(servers[m].port), String(bytes), String(writeSize)], { timeoutMs: 120000 })).trim())
        if (res.server.bytes !== bytes) throw new Error(`loopback ${m}: the server got ${res.server.bytes} of ${bytes} bytes`)
        checkWire(m, res)
        const gib = bytes / 2 ** 30
        const x = { rate: bytes / res.seconds, rateWithoutStalls: bytes / Math.max(1e-6, res.seconds - res.server.stalledMs / 1000), stalledMs: res.server.stalledMs, senderCpuSPerGiB: res.cpuUs / 1e6 / gib, receiverCpuSPerGiB: res.server.cpuUs / 1e6 / gib }
        out[m].push(x)
        log(`round ${r + 1}/${runs}  ${m.padEnd(9)} ${(x.rate / 1e9).toFixed(2)} GB/s  (stalled ${x.stalledMs.toFixed(0)} ms)  CPU s/GiB sender ${x.senderCpuSPerGiB.toFixed(3)}, receiver ${x.receiverCpuSPerGiB.toFixed(3)}`)
      }
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop()
  }
  const results = Object.fromEntries(
    MODES.map((m) => {
      const l = out[m]
      return [m, { rate: summary(l.map((x) => x.rate)), rateWithoutStalls: summary(l.map((x) => x.rateWithoutStalls)), runsWithStalls: l.filter((x) => x.stalledMs > 0).length, senderCpuSPerGiB: summary(l.map((x) => x.senderCpuSPerGiB)), receiverCpuSPerGiB: summary(l.map((x) => x.receiverCpuSPerGiB)), runs: l }]
    }),
  )
  const paired = (a, b, k = 'rate') => require('../lib/stats').median(out[a].map((x, i) => x[k] / out[b][i][k]))
  return { config: { runs, bytes, writeSize, subflows: 1 }, results, pairedRatios: { 'userspace/net': paired('userspace', 'net'), 'userspace/kernel': paired('userspace', 'kernel'), 'userspace/kernel without stalls': paired('userspace', 'kernel', 'rateWithoutStalls') } }
}

module.exports = { loopback }
