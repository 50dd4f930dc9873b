'use strict'
// Small-message round trips (200 B every 10 ms) on one connection while another connection of the same
// client uploads in bulk, over a 50 + 10 Mbit/s lab: the userspace stack per scheduler (MPTCP disabled in
// both kernels) and kernel MPTCP (enabled, `signal` endpoints) on the same lab, rounds interleaved.
const path = require('node:path')
const { loadLab } = require('./lab-run')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')

const PEER = path.join(__dirname, 'latency-peer.js')
const CASES = [
  { key: 'userspace default', mode: 'userspace', scheduler: 'default' },
  { key: 'userspace redundant', mode: 'userspace', scheduler: 'redundant' },
  { key: 'userspace roundrobin', mode: 'userspace', scheduler: 'roundrobin' },
  { key: 'kernel MPTCP', mode: 'kernel' },
]

async function once(lab, c, count) {
  const kernel = c.mode === 'kernel'
  await Promise.all([lab.client.setMptcpEnabled(kernel), lab.server.setMptcpEnabled(kernel)])
  const srv = lab.server.spawnNode(PEER, [JSON.stringify({ role: 'server', mode: c.mode })])
  let cli
  try {
    const { port } = await srv.next('listening', 10000)
    cli = lab.client.spawnNode(PEER, [JSON.stringify({ role: 'client', mode: c.mode, scheduler: c.scheduler, host: lab.paths[0].serverAddress, port, count })])
    const d = await cli.next('done', 60000)
    const want = kernel ? 'kernel' : 'userspace'
    if (d.wire.ping !== want || d.wire.bulk !== want) throw new Error(`${c.key}: connections were ${JSON.stringify(d.wire)} on the wire`)
    return d
  } finally {
    await Promise.all([srv.kill(), cli?.kill()])
  }
}

async function latency({ runs = 2, count = 200 } = {}) {
  section(`userspace lab latency under bulk load: ${CASES.length} cases x ${runs} rounds, ${count} round trips, 50 + 10 Mbit/s`)
  const { createLab } = loadLab()
  const lab = await createLab({ paths: [{ rate: '50mbit' }, { rate: '10mbit' }], endpoints: 'signal' })
  const out = Object.fromEntries(CASES.map((c) => [c.key, []]))
  try {
    for (let r = 0; r < runs; r++) {
      for (const c of r % 2 ? [...CASES].reverse() : CASES) {
        const d = await once(lab, c, count)
        out[c.key].push(d)
        log(`round ${r + 1}/${runs}  ${c.key.padEnd(21)} p50 ${d.p50.toFixed(1)} ms  p99 ${d.p99.toFixed(1)} ms  (${d.n} round trips, ${d.subflows} subflows, ${d.wire.ping} on the wire)`)
      }
    }
  } finally {
    await lab.destroy()
  }
  const results = Object.fromEntries(CASES.map((c) => [c.key, { ...c, p50Ms: summary(out[c.key].map((d) => d.p50)), p99Ms: summary(out[c.key].map((d) => d.p99)), runs: out[c.key] }]))
  return { config: { runs, count, intervalMs: 10, messageBytes: 200, paths: '50 + 10 Mbit/s' }, results }
}

module.exports = { latency }
