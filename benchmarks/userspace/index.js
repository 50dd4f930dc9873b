'use strict'
// `npm run bench -- userspace[:loopback|:aggregation|:failover|:latency|:memory]`, or standalone
// `node benchmarks/userspace/index.js [part] [--runs N]`. The lab parts need root (lib/lab namespaces).
const { loopback } = require('./loopback')
const { aggregation } = require('./lab-goodput')
const { failover, TARGETS } = require('./lab-failover')
const { latency } = require('./lab-latency')
const { memory } = require('./memory')
const { loadLab } = require('./lab-run')
const { ratioBars, timeLines } = require('../lib/svg')
const { write } = require('../lib/results')
const { table } = require('../lib/table')
const fmt = require('../lib/format')

async function runLoopback(opts) {
  const data = await loopback({ runs: opts.runs, bytes: opts.bytes, writeSize: opts.writeSize })
  const r = data.results
  const bars = [
    { label: 'userspace / node:net, ratio of medians', value: r.userspace.rate.median / r.net.rate.median, target: 0.8 },
    { label: 'userspace / node:net, per-round ratios', value: data.pairedRatios['userspace/net'], target: 0.8 },
    { label: 'userspace / kernel MPTCP, ratio of medians', value: r.userspace.rate.median / r.kernel.rate.median, color: '#999999' },
    { label: 'userspace / kernel MPTCP, both without stalls', value: r.userspace.rateWithoutStalls.median / r.kernel.rateWithoutStalls.median, color: '#999999' },
    { label: 'sender CPU/GiB, net / userspace', value: r.net.senderCpuSPerGiB.median / r.userspace.senderCpuSPerGiB.median, color: '#109618' },
    { label: 'receiver CPU/GiB, net / userspace', value: r.net.receiverCpuSPerGiB.median / r.userspace.receiverCpuSPerGiB.median, color: '#109618' },
  ]
  const svg = ratioBars({ title: 'Userspace stack, one subflow on loopback, vs node:net', subtitle: `${fmt.bytes(data.config.bytes)} per run, ${data.config.runs} rounds, medians; green: CPU efficiency; target 0.8`, bars, target: 0.8 })
  const files = write('userspace-loopback', { ...data, ratios: bars }, svg)
  const rows = Object.entries(r).map(([m, v]) => [m, fmt.rate(v.rate.median), `${fmt.rate(v.rate.min)} - ${fmt.rate(v.rate.max)}`, `${v.runsWithStalls}/${v.rate.runs}`, fmt.rate(v.rateWithoutStalls.median), v.senderCpuSPerGiB.median.toFixed(3), v.receiverCpuSPerGiB.median.toFixed(3)])
  console.log(`\n${table(['implementation', 'median', 'range', 'runs with stalls', 'median w/o stalls', 'sender CPU s/GiB', 'receiver CPU s/GiB'], rows)}`)
  console.log(`\n${table(['ratio', 'value'], bars.map((b) => [b.label, fmt.ratio(b.value)]))}\nwrote ${files.join(', ')}`)
}

async function runAggregation(opts) {
  const data = await aggregation({ runs: opts.runs, seconds: opts.seconds, scenario: opts.scenario })
  const bars = []
  const rows = []
  for (const [key, s] of Object.entries(data.scenarios)) {
    for (const [mode, v] of Object.entries(s.results)) {
      bars.push({ label: `${key}: ${mode === 'net' ? 'node:net (1 path)' : mode}`, value: v.efficiency.median, color: mode === 'net' ? '#999999' : mode === 'kernel' ? '#0099c6' : undefined })
      rows.push([key, mode, fmt.mbit(v.goodputBitsPerSecond.median), v.efficiency.median.toFixed(3), `${v.efficiency.min.toFixed(3)} - ${v.efficiency.max.toFixed(3)}`, `${v.longestGapMs.median} ms`, `${v.runs[0].wire.server.subflows}`])
    }
    const u = s.results.userspace.goodputBitsPerSecond.median
    const k = s.results.kernel.goodputBitsPerSecond.median
    bars.push({ label: `${key}: userspace / kernel MPTCP`, value: u / k, color: '#109618' })
    rows.push([key, 'userspace / kernel', fmt.ratio(u / k), '', '', '', ''])
  }
  const svg = ratioBars({ title: 'Userspace aggregation: goodput / sum of path rates (median)', subtitle: `${data.config.runs} rounds, ~${data.config.seconds} s uploads; MPTCP off in both kernels for userspace; kernel MPTCP and node:net (1 path, its ideal is that path) on the same lab`, bars, target: 0.9 })
  const files = write(opts.scenario ? `userspace-aggregation-${opts.scenario}` : 'userspace-aggregation', { ...data, ratios: bars }, svg)
  console.log(`\n${table(['paths', 'implementation', 'goodput (median)', 'efficiency', 'range', 'longest gap (median)', 'subflows'], rows)}\nwrote ${files.join(', ')}`)
}

async function runFailover(opts) {
  const data = await failover({ runs: opts.runs })
  const files = []
  const rows = []
  for (const [kind, r] of Object.entries(data.results)) {
    const c = r.chart
    const svg = timeLines({
      title: `Userspace failover (${kind} of path 1): delivered to the app`,
      subtitle: `2 x 50 Mbit/s, MPTCP off in both kernels, ${fmt.bytes(data.config.bytes)} upload; longest gap ${c.maxGapMs} ms (median run of ${data.config.runs})`,
      series: [{ label: 'delivered (Mbit/s)', points: c.delivered }],
      events: [{ t: c.failAtS, label: kind }],
      yLabel: 'Mbit/s',
    })
    files.push(...write(`userspace-failover-${kind}`, { config: data.config, kind, target: { longestGapMs: TARGETS[kind] }, longestGapMs: r.longestGapMs, recoveryS: r.recoveryS, runs: r.runs, chart: c }, svg))
    rows.push([kind, `${r.longestGapMs.median} ms`, `${r.longestGapMs.min} - ${r.longestGapMs.max} ms`, `<= ${TARGETS[kind]} ms`, `${r.recoveryS.median.toFixed(2)} s`, `${r.recoveryS.min.toFixed(2)} - ${r.recoveryS.max.toFixed(2)} s`])
  }
  console.log(`\n${table(['failure', 'longest delivery gap (median)', 'range', 'target', 'back to 80% of one path (median)', 'range'], rows)}\nwrote ${files.join(', ')}`)
}

async function runLatency(opts) {
  const data = await latency({ runs: opts.runs })
  const r = data.results
  const bars = Object.entries(r).flatMap(([k, v]) => [
    { label: `${k}: p50`, value: v.p50Ms.median, color: '#3366cc' },
    { label: `${k}: p99`, value: v.p99Ms.median, color: '#ff9900' },
  ])
  const svg = ratioBars({ title: 'Small-message round trip under bulk load (ms, lower is better)', subtitle: `200 B every 10 ms beside a bulk upload, 50 + 10 Mbit/s, ${data.config.runs} rounds x ${data.config.count}, medians`, bars, unit: ' ms' })
  const files = write('userspace-latency', data, svg)
  const rows = Object.entries(r).map(([k, v]) => [k, `${v.p50Ms.median.toFixed(1)} ms`, `${v.p50Ms.min.toFixed(1)} - ${v.p50Ms.max.toFixed(1)}`, `${v.p99Ms.median.toFixed(1)} ms`, `${v.p99Ms.min.toFixed(1)} - ${v.p99Ms.max.toFixed(1)}`])
  console.log(`\n${table(['stack, scheduler', 'p50 (median)', 'range', 'p99 (median)', 'range'], rows)}\nwrote ${files.join(', ')}`)
}

async function runMemory(opts) {
  const runs = opts.runs ?? 3
  const rounds = []
  for (let i = 0; i < runs; i++) rounds.push(await memory({ connections: opts.connections }))
  const { summary } = require('../lib/stats')
  const pick = (mode, f) => summary(rounds.map((r) => f(r.results[mode])))
  const config = rounds[0].config
  const r = {}
  for (const mode of ['net', 'userspace']) {
    r[mode] = {
      rssPerConnection: pick(mode, (x) => x.rssPerConnection),
      externalPerConnection: pick(mode, (x) => x.externalPerConnection),
      maxBufferedOverWindow: pick(mode, (x) => x.maxBufferedOverWindow),
    }
  }
  const w = config.window
  const bars = [
    { label: 'userspace: largest engine buffer / window', value: r.userspace.maxBufferedOverWindow.median, target: 1 },
    { label: 'userspace: RSS growth per connection / window', value: r.userspace.rssPerConnection.median / w },
    { label: 'userspace: Buffer memory per connection / window', value: r.userspace.externalPerConnection.median / w },
    { label: 'node:net (paused; the kernel holds the bytes): RSS per connection / window', value: r.net.rssPerConnection.median / w, color: '#999999' },
  ]
  const svg = ratioBars({ title: 'Memory under a hole-leaving peer (per connection, in windows)', subtitle: `${config.connections} connections, each a 64 KiB hole and ${fmt.bytes(config.floodBytes)} behind it; window ${fmt.bytes(w)}; ${runs} rounds, medians`, bars, target: 1 })
  const files = write('userspace-memory', { config: { ...config, runs }, results: r, rounds, ratios: bars }, svg)
  const rows = Object.entries(r).map(([m, v]) => [m, fmt.bytes(v.rssPerConnection.median), fmt.bytes(v.externalPerConnection.median), v.maxBufferedOverWindow.median.toFixed(3)])
  console.log(`\n${table(['server', 'RSS growth per connection', 'Buffer memory per connection', 'largest buffer / window'], rows)}\nwrote ${files.join(', ')}`)
}

const PARTS = { loopback: runLoopback, aggregation: runAggregation, failover: runFailover, latency: runLatency, memory: runMemory }
const LAB_PARTS = new Set(['aggregation', 'failover', 'latency'])

async function userspace(part, opts) {
  for (const name of part ? [part] : Object.keys(PARTS)) {
    if (!PARTS[name]) throw new Error(`unknown userspace part "${name}" (have: ${Object.keys(PARTS).join(', ')})`)
    if (LAB_PARTS.has(name)) {
      const reason = loadLab().labUnavailableReason()
      if (reason) {
        console.error(`userspace:${name} skipped: ${reason}`)
        continue
      }
    }
    await PARTS[name](opts)
  }
}

module.exports = { userspace }

if (require.main === module) {
  const { parseArgs } = require('../lib/args')
  const { snapshotPackage } = require('../lib/package')
  const { killAll } = require('../lib/children')
  const { log } = require('../lib/progress')
  const argv = process.argv.slice(2)
  const { suites, opts } = parseArgs(argv)
  // The result files record `npm run bench -- <args>`: write down the run.js form of this standalone run.
  process.argv.splice(2, argv.length, suites[0] ? `userspace:${suites[0]}` : 'userspace', ...argv.filter((a) => a !== suites[0]))
  log(`package under test: a snapshot of the current build in ${snapshotPackage()}`)
  userspace(suites[0], opts).then(
    () => killAll(),
    (err) => {
      console.error(err.stack || err)
      killAll()
      process.exitCode = 1
    },
  )
}
