'use strict'
// Aggregation: uploads over 2 x 50 Mbit/s and over an asymmetric pair, in one lab per pair, rounds
// interleaved: the userspace stack with net.mptcp.enabled=0 on both hosts and nothing configured, kernel
// MPTCP (enabled, `signal` endpoints) on the same lab, and node:net over path 1 (what one path gives).
const { loadLab, upload, checkWire } = require('./lab-run')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')

const SCENARIOS = { '2x50': ['50mbit', '50mbit'], '50+10': ['50mbit', '10mbit'] }
const MODES = ['userspace', 'kernel', 'net']

async function scenario(key, rates, { runs, seconds }) {
  const { createLab, rateToBits } = loadLab()
  const sum = rates.reduce((a, r) => a + rateToBits(r), 0)
  const lab = await createLab({ paths: rates.map((rate) => ({ rate })), endpoints: 'signal' })
  const out = Object.fromEntries(MODES.map((m) => [m, []]))
  try {
    for (let r = 0; r < runs; r++) {
      for (const mode of r % 2 ? [...MODES].reverse() : MODES) {
        const ideal = mode === 'net' ? rateToBits(rates[0]) : sum
        const bytes = Math.round((ideal * seconds) / 8)
        const res = await upload(lab, { mode, bytes })
        checkWire(res)
        if (!res.intact) throw new Error(`${key} ${mode}: the data that arrived differs from what was sent`)
        const { samples, ...kept } = res
        out[mode].push({ ...kept, efficiency: res.goodputBitsPerSecond / ideal })
        log(`${key} round ${r + 1}/${runs}  ${mode.padEnd(9)} ${(res.goodputBitsPerSecond / 1e6).toFixed(1).padStart(6)} Mbit/s = ${(res.goodputBitsPerSecond / ideal).toFixed(3)} of ${(ideal / 1e6).toFixed(0)}  longest gap ${res.maxGapMs} ms  subflows at the receiver ${res.wire.server.subflows}`)
      }
    }
  } finally {
    await lab.destroy()
  }
  return {
    rates,
    sumBitsPerSecond: sum,
    results: Object.fromEntries(
      MODES.map((m) => [m, { efficiency: summary(out[m].map((x) => x.efficiency)), goodputBitsPerSecond: summary(out[m].map((x) => x.goodputBitsPerSecond)), longestGapMs: summary(out[m].map((x) => x.maxGapMs)), runs: out[m] }]),
    ),
  }
}

async function aggregation({ runs = 3, seconds = 3, scenario: only } = {}) {
  const keys = only ? [only] : Object.keys(SCENARIOS)
  section(`userspace lab aggregation: ${keys.join(', ')}, ${MODES.join(' / ')}, ${runs} rounds, ~${seconds} s uploads`)
  const scenarios = {}
  for (const k of keys) scenarios[k] = await scenario(k, SCENARIOS[k], { runs, seconds })
  return { config: { runs, seconds, endpoints: 'signal (kernel rounds only)', userspace: 'net.mptcp.enabled=0 on both hosts, zero configuration' }, scenarios }
}

module.exports = { aggregation, SCENARIOS }
