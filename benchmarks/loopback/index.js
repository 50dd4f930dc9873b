'use strict'
// `npm run bench -- loopback[:throughput|:connrate|:variants]`
const { throughput } = require('./throughput')
const { connrate } = require('./connrate')
const { variants } = require('./variants')
const { median } = require('../lib/stats')
const { ratioBars } = require('../lib/svg')
const { write } = require('../lib/results')
const { table } = require('../lib/table')
const fmt = require('../lib/format')

// Median over the runs in which the sender saw no MPTCP-level retransmission (kernel stalls, see README).
function cleanMedian(r) {
  const clean = r.bytesPerSecond.values.filter((_, i) => !(r.retransBytes[i] > 0))
  return clean.length ? median(clean) : NaN
}

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
  const cleanRatios = ratioRows(data.results, THROUGHPUT_RATIOS, cleanMedian)
  const svg = ratioBars({
    title: 'Loopback throughput, ratio of medians',
    subtitle: `${fmt.bytes(data.config.bytes)} per run, ${data.config.runs} runs, writes of ${fmt.bytes(data.config.writeSize)}`,
    bars: [...ratios, ...cleanRatios.map((r) => ({ ...r, label: `${r.label} (runs w/o retrans)`, color: '#7799dd' }))],
    target: 0.9,
  })
  const files = write('loopback-throughput', { ...data, ratios, cleanRatios }, svg)
  const rows = Object.entries(data.results).map(([k, r]) => [
    k,
    fmt.rate(r.bytesPerSecond.median),
    `${fmt.rate(r.bytesPerSecond.min)} - ${fmt.rate(r.bytesPerSecond.max)}`,
    Number.isFinite(cleanMedian(r)) ? fmt.rate(cleanMedian(r)) : 'n/a',
    r.clientArgs.length && IS_MPTCP(k) ? `${r.runsWithRetrans}/${r.bytesPerSecond.runs}` : '-',
  ])
  console.log(`\n${table(['implementation', 'median', 'range', 'median w/o retrans', 'runs with MPTCP retrans'], rows)}\n`)
  console.log(table(['ratio', 'all runs', 'runs w/o retrans'], ratios.map((r, i) => [r.label + (r.target ? ` (target >= ${r.target})` : ''), fmt.ratio(r.value), fmt.ratio(cleanRatios[i].value)])))
  console.log(`\nwrote ${files.join(', ')}`)
}

const IS_MPTCP = (k) => k.endsWith('mptcp')

async function runConnrate(opts) {
  const data = await connrate({ runs: opts.runs ?? 5, count: opts.count ?? 3000 })
  const med = (r) => r.connectionsPerSecond.median
  const ratios = ratioRows(data.results, [['node-mptcp', 'c-mptcp', 0.9], ['node-mptcp', 'node-net'], ['c-mptcp', 'c-tcp'], ['node-net', 'c-tcp']], med)
  const svg = ratioBars({ title: 'Loopback sequential connection rate, ratio of medians', subtitle: `${data.config.count} connections per run, ${data.config.runs} runs`, bars: ratios, target: 0.9 })
  const files = write('loopback-connrate', { ...data, ratios }, svg)
  const rows = Object.entries(data.results).map(([k, r]) => [k, `${fmt.num(r.connectionsPerSecond.median)}/s`, `${fmt.num(r.connectionsPerSecond.min)} - ${fmt.num(r.connectionsPerSecond.max)}`])
  console.log(`\n${table(['implementation', 'median', 'range'], rows)}\n`)
  console.log(table(['ratio', 'value'], ratios.map((r) => [r.label, fmt.ratio(r.value)])))
  console.log(`\nwrote ${files.join(', ')}`)
}

async function runVariants(opts) {
  const data = await variants({ runs: opts.runs ?? 5, bytes: opts.bytes ?? 2 ** 29 })
  const r = data.results
  const ref = { send: 'send C write 256K', recv: 'recv C read 256K' }
  const refOf = (k) => (k.startsWith('send') ? (k.includes('tcp') || k.includes('net') ? 'send C tcp write 256K' : ref.send) : k.startsWith('recv') ? (k.includes('tcp') || k.includes('net') ? 'recv C tcp read 64K' : ref.recv) : k.includes('net') ? null : 'tuned C mptcp <-> C mptcp')
  const rows = Object.entries(r).map(([k, v]) => {
    const base = refOf(k)
    return {
      key: k,
      median: v.bytesPerSecond.median,
      clean: cleanMedian(v),
      stalls: `${v.runsWithRetrans}/${v.bytesPerSecond.runs}`,
      base,
      ratio: base && base !== k ? v.bytesPerSecond.median / r[base].bytesPerSecond.median : NaN,
      cleanRatio: base && base !== k ? cleanMedian(v) / cleanMedian(r[base]) : NaN,
    }
  })
  const svg = ratioBars({
    title: 'Loopback MPTCP variants: ratio to the C baseline with the same knob',
    subtitle: `${fmt.bytes(data.config.bytes)} per run, ${data.config.runs} runs; median of runs without MPTCP retransmissions`,
    bars: rows.filter((x) => Number.isFinite(x.cleanRatio)).map((x) => ({ label: x.key, value: x.cleanRatio })),
    target: 0.9,
  })
  const files = write('loopback-variants', { ...data, rows }, svg)
  console.log(`\n${table(['variant', 'median', 'median w/o retrans', 'runs with retrans', 'vs', 'ratio', 'ratio w/o retrans'], rows.map((x) => [x.key, fmt.rate(x.median), Number.isFinite(x.clean) ? fmt.rate(x.clean) : 'n/a', x.stalls, x.base === x.key ? '(reference)' : x.base ?? '-', fmt.ratio(x.ratio), fmt.ratio(x.cleanRatio)]))}`)
  console.log(`\nwrote ${files.join(', ')}`)
}

const PARTS = { throughput: runThroughput, connrate: runConnrate, variants: runVariants }

async function loopback(part, opts) {
  for (const name of part ? [part] : Object.keys(PARTS)) {
    if (!PARTS[name]) throw new Error(`unknown loopback part "${name}" (have: ${Object.keys(PARTS).join(', ')})`)
    await PARTS[name](opts)
  }
}

module.exports = { loopback }
