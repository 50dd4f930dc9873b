'use strict'
// `npm run bench -- http[:plain|:mptcp-clients]`
// plain: autocannon (plain TCP clients) against the same http server on node:net and on an mptcp listener.
// mptcp-clients: http/client.js with an http.Agent over mptcp.connect against the mptcp server, and the
// same client over net.connect against the net server; with keep-alive and with a connection per request.
const path = require('node:path')
const autocannon = require('autocannon')
const children = require('../lib/children')
const { startServers: startServersIn, serverStats } = require('../lib/servers')
const { summary, median } = require('../lib/stats')

// Median of per-round ratios: each round measures both sides back to back, so slow drifts in the machine's
// load (other agents share the cores) cancel out better than in a ratio of medians.
const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]))
const { log, section } = require('../lib/progress')
const { ratioBars } = require('../lib/svg')
const { write } = require('../lib/results')
const { table } = require('../lib/table')
const fmt = require('../lib/format')

const SERVER = path.join(__dirname, 'server.js')
const CLIENT = path.join(__dirname, 'client.js')

const startServers = (kinds, body) => startServersIn(SERVER, kinds, (k) => [k, '--body', String(body)])

async function plain({ runs = 10, duration = 3, connections = 10, body = 12, kinds = ['net', 'mptcp'], title = 'http, plain clients (autocannon)' } = {}) {
  section(`${title}: ${kinds.length} servers x ${runs} runs x ${duration} s, ${connections} connections`)
  const servers = await startServers(kinds, body)
  const samples = Object.fromEntries(kinds.map((k) => [k, []]))
  const latency = Object.fromEntries(kinds.map((k) => [k, []]))
  const cpu = Object.fromEntries(kinds.map((k) => [k, []]))
  try {
    for (const k of kinds) await autocannon({ url: `http://127.0.0.1:${servers[k].port}/`, connections, duration: 1 })
    for (let r = 0; r < runs; r++) {
      for (const k of r % 2 ? [...kinds].reverse() : kinds) {
        const before = await serverStats(servers[k].port)
        const res = await autocannon({ url: `http://127.0.0.1:${servers[k].port}/`, connections, duration })
        const after = await serverStats(servers[k].port)
        if (res.errors || res.non2xx) throw new Error(`autocannon against ${k}: ${res.errors} errors, ${res.non2xx} non-2xx`)
        const rps = res.requests.total / res.duration
        // The server's CPU time per request: far steadier than req/s on a shared machine.
        const us = (after.cpuUs - before.cpuUs) / (after.requests - before.requests)
        samples[k].push(rps)
        latency[k].push(res.latency.p99)
        cpu[k].push(us)
        log(`round ${r + 1}/${runs}  ${k.padEnd(9)} ${fmt.num(rps).padStart(7)} req/s  server CPU ${us.toFixed(2)} us/request`)
      }
    }
    const wire = {}
    for (const k of kinds) wire[k] = await serverStats(servers[k].port)
    const results = Object.fromEntries(kinds.map((k) => [k, { requestsPerSecond: summary(samples[k]), serverCpuUsPerRequest: summary(cpu[k]), p99LatencyMs: summary(latency[k]), server: wire[k] }]))
    const paired = Object.fromEntries(kinds.slice(1).map((k) => [k, pairedRatio(samples[k], samples[kinds[0]])]))
    return { config: { runs, duration, connections, body, pipelining: 1, client: 'autocannon (plain TCP)' }, results, pairedRatio: paired.mptcp ?? null, pairedRatios: paired }
  } finally {
    for (const s of Object.values(servers)) await s.stop()
  }
}

async function mptcpClients({ runs = 6, duration = 3, connections = 10, body = 12 } = {}) {
  const kinds = ['net', 'mptcp']
  const cases = []
  for (const keepalive of [1, 0]) for (const k of kinds) cases.push({ key: `${k} ${keepalive ? 'keep-alive' : 'connection per request'}`, impl: k, keepalive })
  section(`http, Node clients (http.Agent over net.connect / mptcp.connect): ${cases.length} cases x ${runs} runs x ${duration} s`)
  const servers = await startServers(kinds, body)
  const samples = Object.fromEntries(cases.map((c) => [c.key, []]))
  const cpu = Object.fromEntries(cases.map((c) => [c.key, { client: [], server: [] }]))
  const last = {}
  try {
    for (let r = 0; r < runs; r++) {
      const order = r % 2 ? [...cases].reverse() : cases
      for (const c of order) {
        const args = [CLIENT, c.impl, String(servers[c.impl].port), '--connections', String(connections), '--duration', String(duration), '--keepalive', String(c.keepalive)]
        const before = await serverStats(servers[c.impl].port)
        const res = JSON.parse((await children.run(process.execPath, args, { timeoutMs: (duration + 30) * 1000 })).trim())
        const after = await serverStats(servers[c.impl].port)
        cpu[c.key].client.push(res.cpuUs / res.requests)
        cpu[c.key].server.push((after.cpuUs - before.cpuUs) / (after.requests - before.requests))
        if (res.errors) throw new Error(`${c.key}: ${res.errors} request errors`)
        const wantMptcp = c.impl === 'mptcp' ? res.sockets : 0
        if (res.mptcpSockets !== wantMptcp) throw new Error(`${c.key}: ${res.mptcpSockets}/${res.sockets} sockets were MPTCP on the wire`)
        const rps = res.requests / res.seconds
        samples[c.key].push(rps)
        last[c.key] = res
        log(`round ${r + 1}/${runs}  ${c.key.padEnd(30)} ${fmt.num(rps).padStart(7)} req/s  CPU/request client ${(res.cpuUs / res.requests).toFixed(1)} us, server ${cpu[c.key].server.at(-1).toFixed(1)} us  (${res.sockets} sockets, ${res.mptcpSockets} MPTCP)`)
      }
    }
    const results = Object.fromEntries(cases.map((c) => [c.key, { impl: c.impl, keepAlive: !!c.keepalive, requestsPerSecond: summary(samples[c.key]), clientCpuUsPerRequest: summary(cpu[c.key].client), serverCpuUsPerRequest: summary(cpu[c.key].server), lastRun: last[c.key] }]))
    const paired = Object.fromEntries(['keep-alive', 'connection per request'].map((m) => [m, pairedRatio(samples[`mptcp ${m}`], samples[`net ${m}`])]))
    return { config: { runs, duration, connections, body, client: 'benchmarks/http/client.js' }, results, pairedRatios: paired }
  } finally {
    for (const s of Object.values(servers)) await s.stop()
  }
}

async function runPlain(opts) {
  const data = await plain({ runs: opts.runs, duration: opts.duration, connections: opts.connections })
  const r = data.results
  const ratio = r.mptcp.requestsPerSecond.median / r.net.requestsPerSecond.median
  const cpuRatio = r.net.serverCpuUsPerRequest.median / r.mptcp.serverCpuUsPerRequest.median
  const ratios = [
    { label: 'mptcp listener / net, ratio of medians', value: ratio, target: 0.95 },
    { label: 'mptcp listener / net, median of per-round ratios', value: data.pairedRatio, target: 0.95 },
    { label: 'server CPU per request, net / mptcp', value: cpuRatio, target: 0.95 },
  ]
  const svg = ratioBars({ title: 'HTTP req/s, plain TCP clients (autocannon)', subtitle: `${data.config.connections} connections, ${data.config.runs} x ${data.config.duration} s, ratio of medians`, bars: ratios, target: 0.95 })
  const files = write('http-plain', { ...data, ratios }, svg)
  console.log(`\n${table(['server', 'median req/s', 'range', 'server CPU us/request (median)', 'accepted connections that were MPTCP'], Object.entries(r).map(([k, v]) => [k, fmt.num(v.requestsPerSecond.median), `${fmt.num(v.requestsPerSecond.min)} - ${fmt.num(v.requestsPerSecond.max)}`, v.serverCpuUsPerRequest.median.toFixed(2), `${v.server.mptcpConnections}/${v.server.connections}`]))}`)
  console.log(`\nmptcp / net: ${fmt.ratio(ratio)} (ratio of medians), ${fmt.ratio(data.pairedRatio)} (median of per-round ratios), ${fmt.ratio(cpuRatio)} (net CPU / mptcp CPU per request); target >= 0.95\nwrote ${files.join(', ')}`)
}

async function runMptcpClients(opts) {
  const data = await mptcpClients({ runs: opts.runs, duration: opts.duration, connections: opts.connections })
  const r = data.results
  const cpuOf = (k) => r[k].clientCpuUsPerRequest.median + r[k].serverCpuUsPerRequest.median
  const ratios = ['keep-alive', 'connection per request'].flatMap((mode) => [
    { label: `mptcp / net, ${mode}, ratio of medians`, value: r[`mptcp ${mode}`].requestsPerSecond.median / r[`net ${mode}`].requestsPerSecond.median },
    { label: `mptcp / net, ${mode}, per-round ratios`, value: data.pairedRatios[mode] },
    { label: `${mode}: CPU per request (client + server), net / mptcp`, value: cpuOf(`net ${mode}`) / cpuOf(`mptcp ${mode}`), color: '#109618' },
  ])
  const svg = ratioBars({ title: 'HTTP req/s, MPTCP clients and server vs net clients and server', subtitle: `Node http.Agent loop, ${data.config.connections} concurrent, ${data.config.runs} x ${data.config.duration} s, ratio of medians`, bars: ratios })
  const files = write('http-mptcp-clients', { ...data, ratios }, svg)
  console.log(`\n${table(['client -> server', 'median req/s', 'range', 'client CPU us/request', 'server CPU us/request'], Object.entries(r).map(([k, v]) => [k, fmt.num(v.requestsPerSecond.median), `${fmt.num(v.requestsPerSecond.min)} - ${fmt.num(v.requestsPerSecond.max)}`, v.clientCpuUsPerRequest.median.toFixed(1), v.serverCpuUsPerRequest.median.toFixed(1)]))}`)
  console.log(`\n${table(['ratio', 'value'], ratios.map((x) => [x.label, fmt.ratio(x.value)]))}\nwrote ${files.join(', ')}`)
}

// What the package's adoption of accepted sockets (Object.setPrototypeOf to mptcp.Socket) costs per request,
// against giving the sockets the same members as own properties. All four servers are on node:net but mptcp.
async function runAdopt(opts) {
  const kinds = ['net', 'net-swap', 'net-own', 'mptcp']
  const data = await plain({ runs: opts.runs ?? 8, duration: opts.duration ?? 2, connections: opts.connections, kinds, title: 'http, cost of socket adoption' })
  const r = data.results
  const bars = kinds.slice(1).map((k) => ({ label: `server CPU/request: net / ${k}`, value: r.net.serverCpuUsPerRequest.median / r[k].serverCpuUsPerRequest.median }))
  const svg = ratioBars({ title: 'HTTP server CPU per request relative to node:net (plain clients)', subtitle: 'net-swap: setPrototypeOf(mptcp.Socket) per connection, net-own: the same members as own properties', bars, target: 0.95 })
  const files = write('http-adopt', { ...data, ratios: bars }, svg)
  console.log(`\n${table(['server', 'median req/s', 'server CPU us/request (median)', 'range', 'per-round req/s ratio vs net'], kinds.map((k) => [k, fmt.num(r[k].requestsPerSecond.median), r[k].serverCpuUsPerRequest.median.toFixed(2), `${r[k].serverCpuUsPerRequest.min.toFixed(2)} - ${r[k].serverCpuUsPerRequest.max.toFixed(2)}`, k === 'net' ? '-' : fmt.ratio(data.pairedRatios[k])]))}\nwrote ${files.join(', ')}`)
}

const PARTS = { plain: runPlain, 'mptcp-clients': runMptcpClients, adopt: runAdopt }

async function httpSuite(part, opts) {
  for (const name of part ? [part] : Object.keys(PARTS)) {
    if (!PARTS[name]) throw new Error(`unknown http part "${name}" (have: ${Object.keys(PARTS).join(', ')})`)
    await PARTS[name](opts)
  }
}

module.exports = { http: httpSuite }
