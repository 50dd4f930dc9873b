'use strict'
// `npm run bench -- lab[:aggregation|:failover|:memory]` (root: builds network namespaces through lib/lab).
const { loadLab } = require('./hosts')
const { aggregation } = require('./aggregation')
const { failover } = require('./failover')
const { memory } = require('./memory')
const { ratioBars, timeLines } = require('../lib/svg')
const { write } = require('../lib/results')
const { table } = require('../lib/table')
const fmt = require('../lib/format')

async function runAggregation(opts) {
  const data = await aggregation({ runs: opts.runs, seconds: opts.seconds, scenario: opts.scenario })
  const bars = []
  const rows = []
  for (const [key, s] of Object.entries(data.scenarios)) {
    for (const [impl, r] of Object.entries(s.results)) {
      const label = impl === 'node-net' ? `${key}: node:net (1 path)` : `${key}: ${impl}`
      bars.push({ label, value: r.efficiency.median, color: impl === 'node-net' ? '#999999' : undefined })
      rows.push([key, impl, fmt.mbit(r.goodputBitsPerSecond.median), fmt.mbit(r.idealBitsPerSecond), r.efficiency.median.toFixed(3), `${r.efficiency.min.toFixed(3)} - ${r.efficiency.max.toFixed(3)}`, `${r.runsWithStalls}/${r.efficiency.runs}`, `${(r.stallSeconds.median * 1000).toFixed(0)} ms`])
    }
  }
  const svg = ratioBars({ title: 'Aggregation efficiency: goodput / sum of path rates (median)', subtitle: `${data.config.runs} runs per bar, ~${data.config.seconds} s uploads; node:net uses one path, so its ideal is that path's rate`, bars, target: 0.9 })
  // A run of one scenario only (--scenario) keeps the full results file.
  const files = write(opts.scenario ? `lab-aggregation-${opts.scenario}` : 'lab-aggregation', data, svg)
  console.log(`\n${table(['paths', 'implementation', 'goodput (median)', 'ideal', 'efficiency', 'range', 'runs with stalls', 'stalled (median)'], rows)}\nwrote ${files.join(', ')}`)
}

async function runFailover(opts) {
  const data = await failover({ runs: opts.runs })
  const files = []
  for (const [kind, r] of Object.entries(data.results)) {
    const c = r.chart
    const svg = timeLines({
      title: `Failover (${kind} of path 1): throughput per subflow at the receiver`,
      subtitle: `2 x 50 Mbit/s, ${fmt.bytes(data.config.bytes)} upload; longest delivery gap ${c.maxGapMs} ms, back to 80% of one path after ${c.recoveryS.toFixed(2)} s (median run of ${data.config.runs})`,
      series: c.series,
      events: [{ t: c.failAtS, label: kind }],
      yLabel: 'Mbit/s',
    })
    files.push(...write(`lab-failover-${kind}`, { config: data.config, kind, longestGapMs: r.longestGapMs, recoveryS: r.recoveryS, runs: r.runs, chart: c }, svg))
  }
  const rows = Object.entries(data.results).map(([kind, r]) => [kind, `${r.longestGapMs.median} ms`, `${r.longestGapMs.min} - ${r.longestGapMs.max} ms`, kind === 'link-down' ? '<= 500 ms' : '-', `${r.recoveryS.median.toFixed(2)} s`, `${r.recoveryS.min.toFixed(2)} - ${r.recoveryS.max.toFixed(2)} s`])
  console.log(`\n${table(['failure', 'longest delivery gap (median)', 'range', 'target', 'back to 80% of one path (median)', 'range'], rows)}\nwrote ${files.join(', ')}`)
}

async function runMemory(opts) {
  const data = await memory({ runs: opts.runs, bytes: opts.bytes })
  const m = data.results['node-mptcp']
  const n = data.results['node-net']
  const bars = [
    { label: 'sender peak RSS, mptcp / net', value: m.sender.peakRssMiB.median / n.sender.peakRssMiB.median },
    { label: 'receiver peak RSS, mptcp / net', value: m.receiver.peakRssMiB.median / n.receiver.peakRssMiB.median },
    { label: 'sender loop delay p99, mptcp / net', value: m.sender.loopDelayP99Ms.median / Math.max(0.01, n.sender.loopDelayP99Ms.median) },
    { label: 'receiver loop delay p99, mptcp / net', value: m.receiver.loopDelayP99Ms.median / Math.max(0.01, n.receiver.loopDelayP99Ms.median) },
  ]
  const svg = ratioBars({ title: `Memory and event-loop lag during a ${fmt.bytes(data.config.bytes)} transfer, mptcp (2 paths) / net (1 path)`, subtitle: `${data.config.runs} runs, 2 x ${data.config.rate}, medians; lower is better`, bars })
  const files = write('lab-memory', { ...data, ratios: bars }, svg)
  const rows = []
  for (const [impl, r] of Object.entries(data.results)) {
    for (const who of ['sender', 'receiver']) {
      const s = r[who]
      rows.push([impl, who, fmt.mbit(r.bitsPerSecond.median), `${s.peakRssMiB.median.toFixed(0)} MiB`, `${s.rssGrowthMiB.median.toFixed(0)} MiB`, `${s.loopDelayP99Ms.median} ms`, `${s.loopDelayMaxMs.median} ms`])
    }
  }
  console.log(`\n${table(['implementation', 'side', 'rate', 'peak RSS', 'RSS growth', 'loop delay p99', 'loop delay max'], rows)}\nwrote ${files.join(', ')}`)
}

const PARTS = { aggregation: runAggregation, failover: runFailover, memory: runMemory }

async function lab(part, opts) {
  const reason = loadLab().labUnavailableReason()
  if (reason) {
    console.error(`lab benchmarks skipped: ${reason}`)
    return
  }
  for (const name of part ? [part] : Object.keys(PARTS)) {
    if (!PARTS[name]) throw new Error(`unknown lab part "${name}" (have: ${Object.keys(PARTS).join(', ')})`)
    await PARTS[name](opts)
  }
}

module.exports = { lab }
