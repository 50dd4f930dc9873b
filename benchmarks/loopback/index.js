'use strict'
// `npm run bench -- loopback[:throughput|:connrate|:variants]`
const { throughput } = require('./throughput')
const { connrate } = require('./connrate')
const { variants } = require('./variants')
const { stall } = require('./stall')
const { ratioBars } = require('../lib/svg')
const { write } = require('../lib/results')
const { table } = require('../lib/table')
const fmt = require('../lib/format')

// Throughput with the receiver's stalls (gaps > 100 ms between deliveries, see README) taken out.
const activeMedian = (r) => r.activeBytesPerSecond.median

const cpuTotal = (r) => r.senderCpuSecondsPerGiB.median + r.receiverCpuSecondsPerGiB.median

function ratioRows(results, pairs, metric) {
  return pairs.map(([a, b, target]) => ({ label: `${a} / ${b}`, value: metric(results[a]) / metric(results[b]), target }))
}

const THROUGHPUT_RATIOS = [
  ['node-mptcp', 'c-mptcp', 0.9],
  ['node-mptcp', 'node-net'],
  ['c-mptcp', 'c-tcp'],
  ['node-net', 'c-tcp'],
]

async function runThroughput(opts) {
  const data = await throughput({ runs: opts.runs ?? 7, bytes: opts.bytes ?? 2 ** 30, writeSize: opts.writeSize ?? 262144 })
  const med = (r) => r.bytesPerSecond.median
  const ratios = ratioRows(data.results, THROUGHPUT_RATIOS, med)
  const cleanRatios = ratioRows(data.results, THROUGHPUT_RATIOS, activeMedian)
  // CPU efficiency: the other's CPU seconds per GiB over this one's (above 1: this one is cheaper).
  const cpuRatios = ratioRows(data.results, THROUGHPUT_RATIOS, (r) => 1 / cpuTotal(r))
  const svg = ratioBars({
    title: 'Loopback throughput, ratio of medians',
    subtitle: `${fmt.bytes(data.config.bytes)} per run, ${data.config.runs} runs, writes of ${fmt.bytes(data.config.writeSize)}; light: stalls taken out; green: CPU per GiB`,
    bars: [
      ...ratios,
      ...cleanRatios.map((r) => ({ ...r, label: `${r.label} (w/o stalls)`, color: '#7799dd' })),
      ...cpuRatios.map((r) => ({ ...r, label: `${r.label} (CPU efficiency)`, color: '#109618' })),
    ],
    target: 0.9,
  })
  const files = write('loopback-throughput', { ...data, ratios, cleanRatios, cpuRatios }, svg)
  const rows = Object.entries(data.results).map(([k, r]) => [
    k,
    fmt.rate(r.bytesPerSecond.median),
    `${fmt.rate(r.bytesPerSecond.min)} - ${fmt.rate(r.bytesPerSecond.max)}`,
    `${r.runsWithStalls}/${r.bytesPerSecond.runs}`,
    `${(r.stallSeconds.median * 1000).toFixed(0)} ms`,
    fmt.rate(activeMedian(r)),
    r.senderCpuSecondsPerGiB.median.toFixed(3),
    r.receiverCpuSecondsPerGiB.median.toFixed(3),
  ])
  console.log(`\n${table(['implementation', 'median', 'range', 'runs with stalls', 'stalled per run (median)', 'median w/o stalls', 'sender CPU s/GiB', 'receiver CPU s/GiB'], rows)}\n`)
  console.log(table(['ratio', 'all runs', 'w/o stalls', 'CPU efficiency'], ratios.map((r, i) => [r.label + (r.target ? ` (target >= ${r.target})` : ''), fmt.ratio(r.value), fmt.ratio(cleanRatios[i].value), fmt.ratio(cpuRatios[i].value)])))
  console.log(`\nwrote ${files.join(', ')}`)
}


async function runConnrate(opts) {
  const data = await connrate({ runs: opts.runs ?? 5, count: opts.count ?? 3000 })
  const med = (r) => r.connectionsPerSecond.median
  const ratios = ratioRows(data.results, [['node-mptcp', 'c-mptcp', 0.9], ['node-mptcp', 'node-net'], ['c-mptcp', 'c-tcp'], ['node-net', 'c-tcp']], med)
  const svg = ratioBars({ title: 'Loopback sequential connection rate, ratio of medians', subtitle: `${data.config.count} connections per run, ${data.config.runs} runs`, bars: ratios, target: 0.9 })
  const files = write('loopback-connrate', { ...data, ratios }, svg)
  const rows = Object.entries(data.results).map(([k, r]) => [k, `${fmt.num(r.connectionsPerSecond.median)}/s`, `${fmt.num(r.connectionsPerSecond.min)} - ${fmt.num(r.connectionsPerSecond.max)}`, `${r.microsecondsPerConnection.toFixed(0)} us`])
  console.log(`\n${table(['client -> server', 'median', 'range', 'per connection'], rows)}\n`)
  console.log(table(['ratio', 'value'], ratios.map((r) => [r.label, fmt.ratio(r.value)])))
  console.log(`\nwrote ${files.join(', ')}`)
}

async function runVariants(opts) {
  const data = await variants({ runs: opts.runs ?? 5, bytes: opts.bytes ?? 2 ** 29 })
  const r = data.results
  const ref = { send: 'send C write 256K', recv: 'recv C read 256K' }
  const refOf = (k) => {
    const tcp = /\b(tcp|node:net)\b/.test(k)
    if (k.startsWith('send')) return tcp ? 'send C tcp write 256K' : ref.send
    if (k.startsWith('recv')) return tcp ? 'recv C tcp read 64K' : k.includes('rcvbuf') ? 'recv C read 256K rcvbuf 4M' : ref.recv
    return tcp ? null : 'tuned C mptcp <-> C mptcp'
  }
  // The side a variant changes: the sender for send rows, the receiver for recv rows, both for tuned rows.
  const sideCpu = (k, v) => (k.startsWith('send') ? v.senderCpuSecondsPerGiB.median : k.startsWith('recv') ? v.receiverCpuSecondsPerGiB.median : cpuTotal(v))
  const rows = Object.entries(r).map(([k, v]) => {
    const base = refOf(k)
    const vs = base && base !== k ? r[base] : null
    return {
      key: k,
      median: v.bytesPerSecond.median,
      clean: activeMedian(v),
      stalls: `${v.runsWithStalls}/${v.bytesPerSecond.runs}`,
      stalledMs: v.stallSeconds.median * 1000,
      cpu: sideCpu(k, v),
      base,
      ratio: vs ? v.bytesPerSecond.median / vs.bytesPerSecond.median : NaN,
      cleanRatio: vs ? activeMedian(v) / activeMedian(vs) : NaN,
      cpuRatio: vs ? sideCpu(base, vs) / sideCpu(k, v) : NaN,
    }
  })
  const svg = ratioBars({
    title: 'Loopback variants: CPU efficiency vs the C baseline with the same knob (C CPU s/GiB / this)',
    subtitle: `${fmt.bytes(data.config.bytes)} per run, ${data.config.runs} runs; the side the variant changes (sender or receiver)`,
    bars: rows.filter((x) => Number.isFinite(x.cpuRatio)).map((x) => ({ label: x.key, value: x.cpuRatio })),
    target: 0.9,
  })
  const files = write('loopback-variants', { ...data, rows }, svg)
  console.log(`\n${table(['variant', 'median', 'runs with stalls', 'stalled per run', 'median w/o stalls', 'CPU s/GiB (this side)', 'vs', 'ratio', 'ratio w/o stalls', 'CPU efficiency'], rows.map((x) => [x.key, fmt.rate(x.median), x.stalls, `${x.stalledMs.toFixed(0)} ms`, fmt.rate(x.clean), x.cpu.toFixed(3), x.base === x.key ? '(reference)' : x.base ?? '-', fmt.ratio(x.ratio), fmt.ratio(x.cleanRatio), fmt.ratio(x.cpuRatio)]))}`)
  console.log(`\nwrote ${files.join(', ')}`)
}

async function runStall(opts) {
  const data = await stall({ runs: opts.runs, bytes: opts.bytes })
  const rows = Object.entries(data.results).map(([k, r]) => [k, `${r.runsWithStalls}/${r.bytesPerSecond.runs}`, `${(r.stallSeconds.median * 1000).toFixed(0)} ms`, fmt.rate(r.bytesPerSecond.median), fmt.rate(activeMedian(r))])
  const bars = Object.entries(data.results).map(([k, r]) => ({ label: k, value: r.runsWithStalls / r.bytesPerSecond.runs, color: k.startsWith('TCP') ? '#999999' : undefined }))
  const svg = ratioBars({ title: 'Kernel stall reproducer: share of runs with a delivery gap > 100 ms', subtitle: `C reader starting 10 ms late, ${fmt.bytes(data.config.bytes)} per run, ${data.config.runs} runs`, bars, unit: '' })
  const files = write('loopback-stall', data, svg)
  console.log(`\n${table(['reader', 'runs with stalls', 'stalled per run (median)', 'median', 'median w/o stalls'], rows)}\nwrote ${files.join(', ')}`)
}

// stall is not in the default set: it documents a kernel behaviour, not the package.
const PARTS = { throughput: runThroughput, connrate: runConnrate, variants: runVariants }
const EXTRA = { stall: runStall }

async function loopback(part, opts) {
  const all = { ...PARTS, ...EXTRA }
  for (const name of part ? [part] : Object.keys(PARTS)) {
    if (!all[name]) throw new Error(`unknown loopback part "${name}" (have: ${Object.keys(all).join(', ')})`)
    await all[name](opts)
  }
}

module.exports = { loopback }
