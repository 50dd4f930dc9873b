'use strict'
// Aggregation efficiency: goodput of one upload over two shaped paths divided by the sum of the path
// rates, for Node mptcp, the C MPTCP baseline, and node:net (one path, so its ideal is the first path).
const { loadLab, startServerIn, runClientIn, lastServerReport } = require('./hosts')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')
const fmt = require('../lib/format')

const SCENARIOS = [
  { key: '2x50', rates: ['50mbit', '50mbit'] },
  { key: '2x200', rates: ['200mbit', '200mbit'] },
  { key: '100+20', rates: ['100mbit', '20mbit'] },
]

const IMPLS = [
  { key: 'node-mptcp', runtime: 'node', proto: 'mptcp' },
  { key: 'c-mptcp', runtime: 'c', proto: 'mptcp' },
  { key: 'node-net', runtime: 'node', proto: 'tcp' },
]

async function scenario(s, { runs, seconds }) {
  const { createLab, rateToBits } = loadLab()
  const bits = s.rates.map(rateToBits)
  const sum = bits.reduce((a, b) => a + b, 0)
  // Sized for about `seconds` at the aggregate rate.
  const bytes = Math.round(((sum / 8) * seconds) / 65536) * 65536
  const lab = await createLab({ paths: s.rates.map((rate) => ({ rate })), endpoints: 'signal' })
  const samples = Object.fromEntries(IMPLS.map((i) => [i.key, []]))
  try {
    const servers = {}
    for (const i of IMPLS) servers[i.key] = await startServerIn(lab.server, i.runtime, i.proto, ['sink'])
    const host = lab.path(0).serverAddress
    for (let r = 0; r < runs; r++) {
      for (const i of r % 2 ? [...IMPLS].reverse() : IMPLS) {
        const n = i.proto === 'tcp' ? Math.round(bytes * (bits[0] / sum) / 65536) * 65536 : bytes
        servers[i.key].reset()
        const res = await runClientIn(lab.client, i.runtime, i.proto, ['send', String(servers[i.key].port), String(n), '--host', host], (seconds * 6 + 30) * 1000)
        if (res.mptcp !== (i.proto === 'mptcp')) throw new Error(`${s.key} ${i.key}: unexpected protocol on the wire`)
        const goodput = (res.bytes * 8) / res.seconds
        const efficiency = goodput / (i.proto === 'tcp' ? bits[0] : sum)
        // The receiver's gaps of more than 100 ms between deliveries (see README, kernel finding).
        const { stallS = 0, stalls = 0 } = await lastServerReport(servers[i.key])
        samples[i.key].push({ goodput, efficiency, stallS, stalls })
        const stalled = stalls ? `  (${stalls} stall(s), ${(stallS * 1000).toFixed(0)} ms)` : ''
        log(`${s.key.padEnd(7)} round ${r + 1}/${runs}  ${i.key.padEnd(11)} ${fmt.mbit(goodput).padStart(13)}  efficiency ${efficiency.toFixed(3)}${stalled}`)
      }
    }
  } finally {
    await lab.destroy()
  }
  return {
    rates: s.rates,
    sumBitsPerSecond: sum,
    bytes,
    results: Object.fromEntries(
      IMPLS.map((i) => [
        i.key,
        {
          goodputBitsPerSecond: summary(samples[i.key].map((x) => x.goodput)),
          efficiency: summary(samples[i.key].map((x) => x.efficiency)),
          idealBitsPerSecond: i.proto === 'tcp' ? bits[0] : sum,
          stallSeconds: summary(samples[i.key].map((x) => x.stallS)),
          runsWithStalls: samples[i.key].filter((x) => x.stalls > 0).length,
        },
      ]),
    ),
  }
}

async function aggregation({ runs = 3, seconds = 6, scenario: only } = {}) {
  const list = only ? SCENARIOS.filter((s) => s.key === String(only)) : SCENARIOS
  if (!list.length) throw new Error(`no scenario ${only} (have: ${SCENARIOS.map((s) => s.key).join(', ')})`)
  section(`lab aggregation: ${list.length} path pairs x ${IMPLS.length} implementations x ${runs} runs, ~${seconds} s each`)
  const out = {}
  for (const s of list) out[s.key] = await scenario(s, { runs, seconds })
  return { config: { runs, seconds, endpoints: 'signal (server announces its path-2 address)', direction: 'client uploads' }, scenarios: out }
}

module.exports = { aggregation }
