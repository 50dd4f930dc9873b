'use strict'
// `npm run bench -- apps[:express|:fastify|:fetch]`, or standalone `node benchmarks/apps/index.js [part] [--runs N]`.
// express / fastify: autocannon against the same app on node:net and on an MPTCP listener, with plain TCP
// clients (autocannon as is) and with MPTCP clients (the same autocannon under the package's preload,
// NODE_MPTCP=dial). fetch: built-in fetch through mptcp.undici.createAgent() vs new undici.Agent(), same server.
// Every client runs in its own process; each round runs every case back to back, in alternating order.
const path = require('node:path')
const children = require('../lib/children')
const { startServers: startServersIn, serverStats } = require('../lib/servers')
const { packageDir } = require('../lib/package')
const { summary, median } = require('../lib/stats')
const { log, section } = require('../lib/progress')
const { ratioBars } = require('../lib/svg')
const { write } = require('../lib/results')
const { table } = require('../lib/table')
const fmt = require('../lib/format')

const SERVER = path.join(__dirname, 'server.js')
const CANNON = path.join(__dirname, 'cannon.js')
const FETCH = path.join(__dirname, 'fetch-client.js')
const TARGET = 0.95

const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]))

const startServers = (framework, kinds) => startServersIn(SERVER, kinds, (k) => [framework, k])

function clientCommand(c, port, { connections, duration }) {
  const common = ['--connections', String(connections), '--duration', String(duration)]
  if (c.client === 'fetch') return { args: [FETCH, c.dispatcher, String(port), ...common], env: process.env }
  const preload = c.client === 'autocannon+preload' ? ['-r', path.join(packageDir(), 'dist', 'register.js')] : []
  return { args: [...preload, CANNON, String(port), ...common], env: { ...process.env, NODE_MPTCP: c.client === 'autocannon+preload' ? 'dial' : 'off' } }
}

/** Runs every case `runs` times, interleaved; checks on the wire (server side) that each case's connections are what it claims. */
async function measure({ title, framework, cases, runs, duration, connections }) {
  section(`${title}: ${cases.length} cases x ${runs} rounds x ${duration} s, ${connections} connections`)
  const kinds = [...new Set(cases.map((c) => c.server))]
  const servers = await startServers(framework, kinds)
  const s = Object.fromEntries(cases.map((c) => [c.key, { rps: [], serverCpu: [], clientCpu: [], p99: [], connections: 0, mptcpConnections: 0 }]))
  const once = async (c, dur) => {
    const port = servers[c.server].port
    const { args, env } = clientCommand(c, port, { connections, duration: dur })
    const before = await serverStats(port)
    const res = JSON.parse((await children.run(process.execPath, args, { env, timeoutMs: (dur + 30) * 1000 })).trim().split('\n').pop())
    const after = await serverStats(port)
    if (res.errors || res.non2xx) throw new Error(`${c.key}: ${res.errors} errors, ${res.non2xx ?? 0} non-2xx`)
    // The second /__stats request's own connection (plain TCP) is already counted in `after`.
    const conns = after.connections - before.connections - 1
    const mp = after.mptcpConnections - before.mptcpConnections
    if (conns < 1 || mp !== (c.mptcp ? conns : 0)) throw new Error(`${c.key}: ${mp}/${conns} accepted connections were MPTCP on the wire, expected ${c.mptcp ? 'all' : 'none'}`)
    return { res, conns, mp, serverCpu: (after.cpuUs - before.cpuUs) / (after.requests - before.requests) }
  }
  try {
    for (const c of cases) await once(c, 1) // warm-up: JIT, connection pools
    for (let r = 0; r < runs; r++) {
      for (const c of r % 2 ? [...cases].reverse() : cases) {
        const { res, conns, mp, serverCpu } = await once(c, duration)
        const x = s[c.key]
        const rps = res.requests / res.seconds
        x.rps.push(rps)
        x.serverCpu.push(serverCpu)
        x.clientCpu.push(res.cpuUs / res.requests)
        x.p99.push(res.p99)
        x.connections += conns
        x.mptcpConnections += mp
        log(`round ${r + 1}/${runs}  ${c.key.padEnd(34)} ${fmt.num(rps).padStart(7)} req/s  CPU/request server ${serverCpu.toFixed(1)} us, client ${(res.cpuUs / res.requests).toFixed(1)} us  (${mp}/${conns} MPTCP)`)
      }
    }
  } finally {
    for (const v of Object.values(servers)) await v.stop()
  }
  const results = Object.fromEntries(
    cases.map((c) => {
      const x = s[c.key]
      return [c.key, { ...c, requestsPerSecond: summary(x.rps), serverCpuUsPerRequest: summary(x.serverCpu), clientCpuUsPerRequest: summary(x.clientCpu), p99LatencyMs: summary(x.p99), wire: { connections: x.connections, mptcpConnections: x.mptcpConnections } }]
    }),
  )
  return { config: { runs, duration, connections, framework }, results, samples: s }
}

function ratiosOf(data, pairs) {
  const r = data.results
  const cpu = (k) => r[k].serverCpuUsPerRequest.median + r[k].clientCpuUsPerRequest.median
  return pairs.flatMap(([a, b, label, target]) => [
    { label: `${label}: req/s, ratio of medians`, value: r[a].requestsPerSecond.median / r[b].requestsPerSecond.median, target },
    { label: `${label}: req/s, median of per-round ratios`, value: pairedRatio(data.samples[a].rps, data.samples[b].rps), target },
    { label: `${label}: server CPU/request, inverse ratio`, value: r[b].serverCpuUsPerRequest.median / r[a].serverCpuUsPerRequest.median, color: '#109618' },
    { label: `${label}: client+server CPU/request, inverse ratio`, value: cpu(b) / cpu(a), color: '#109618' },
  ])
}

function report(name, title, data, ratios) {
  const svg = ratioBars({ title, subtitle: `${data.config.connections} connections, ${data.config.runs} rounds x ${data.config.duration} s, medians; green: CPU efficiency`, bars: ratios, target: TARGET })
  const { samples, ...kept } = data
  const files = write(name, { ...kept, perRound: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.rps])), ratios }, svg)
  const rows = Object.entries(data.results).map(([k, v]) => [k, fmt.num(v.requestsPerSecond.median), `${fmt.num(v.requestsPerSecond.min)} - ${fmt.num(v.requestsPerSecond.max)}`, v.serverCpuUsPerRequest.median.toFixed(1), v.clientCpuUsPerRequest.median.toFixed(1), v.p99LatencyMs.median.toFixed(1), `${v.wire.mptcpConnections}/${v.wire.connections}`])
  console.log(`\n${table(['client -> server', 'median req/s', 'range', 'server CPU us/req', 'client CPU us/req', 'p99 ms', 'MPTCP on the wire'], rows)}`)
  console.log(`\n${table(['ratio', 'value'], ratios.map((x) => [x.label, fmt.ratio(x.value)]))}\nwrote ${files.join(', ')}`)
}

async function framework(name, opts) {
  const cases = [
    { key: 'autocannon -> net', client: 'autocannon', server: 'net', mptcp: false },
    { key: 'autocannon -> mptcp', client: 'autocannon', server: 'mptcp', mptcp: false },
    { key: 'autocannon+preload -> mptcp', client: 'autocannon+preload', server: 'mptcp', mptcp: true },
  ]
  const data = await measure({ title: `apps, ${name}`, framework: name, cases, runs: opts.runs ?? 6, duration: opts.duration ?? 2, connections: opts.connections ?? 10 })
  const ratios = ratiosOf(data, [
    ['autocannon -> mptcp', 'autocannon -> net', 'plain clients, mptcp / net', TARGET],
    ['autocannon+preload -> mptcp', 'autocannon -> net', 'MPTCP clients+server / TCP'],
  ])
  report(`apps-${name}`, `${name}: MPTCP listener vs node:net (autocannon)`, data, ratios)
}

async function fetchPart(opts) {
  const cases = [
    { key: 'fetch, new undici.Agent()', client: 'fetch', dispatcher: 'undici', server: 'mptcp', mptcp: false },
    { key: 'fetch, mptcp.undici.createAgent()', client: 'fetch', dispatcher: 'mptcp', server: 'mptcp', mptcp: true },
  ]
  const data = await measure({ title: 'apps, built-in fetch', framework: 'express', cases, runs: opts.runs ?? 6, duration: opts.duration ?? 2, connections: opts.connections ?? 10 })
  const ratios = ratiosOf(data, [['fetch, mptcp.undici.createAgent()', 'fetch, new undici.Agent()', 'mptcp dispatcher / undici.Agent']])
  report('apps-fetch', 'built-in fetch: mptcp.undici.createAgent() vs new undici.Agent() (express on an MPTCP listener)', data, ratios)
}

const PARTS = { express: (o) => framework('express', o), fastify: (o) => framework('fastify', o), fetch: fetchPart }

async function apps(part, opts) {
  for (const name of part ? [part] : Object.keys(PARTS)) {
    if (!PARTS[name]) throw new Error(`unknown apps part "${name}" (have: ${Object.keys(PARTS).join(', ')})`)
    await PARTS[name](opts)
  }
}

module.exports = { apps }

if (require.main === module) {
  const { parseArgs } = require('../lib/args')
  const { snapshotPackage } = require('../lib/package')
  const argv = process.argv.slice(2)
  const { suites, opts } = parseArgs(argv)
  // The result files record `npm run bench -- <args>`: write down the run.js form of this standalone run.
  process.argv.splice(2, argv.length, suites[0] ? `apps:${suites[0]}` : 'apps', ...argv.filter((a) => a !== suites[0]))
  log(`package under test: a snapshot of the current build in ${snapshotPackage()}`)
  apps(suites[0], opts).then(
    () => children.killAll(),
    (err) => {
      console.error(err.stack || err)
      children.killAll()
      process.exitCode = 1
    },
  )
}
