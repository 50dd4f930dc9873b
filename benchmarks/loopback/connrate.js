'use strict'
// Sequential connection rate on loopback: connect, the server accepts and answers one byte, both close,
// next. Both ends the same implementation, plus mixed pairs (a Node end facing a C end) that show which
// side the time goes to. Same interleaving as the throughput runs.
const { IMPLS, startPeerServer, runPeerClient } = require('../lib/peers')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')
const fmt = require('../lib/format')
const { ORDER } = require('./throughput')

const PAIRS = [
  ...ORDER.map((k) => ({ key: k, client: k, server: k })),
  { key: 'node-mptcp client -> C server', client: 'node-mptcp', server: 'c-mptcp' },
  { key: 'C client -> node-mptcp server', client: 'c-mptcp', server: 'node-mptcp' },
  { key: 'node-net client -> C server', client: 'node-net', server: 'c-tcp' },
  { key: 'C client -> node-net server', client: 'c-tcp', server: 'node-net' },
]

async function connrate({ runs = 5, count = 3000 } = {}) {
  section(`loopback connection rate: ${PAIRS.length} client/server pairs x ${runs} runs x ${count} connections`)
  const servers = {}
  const samples = Object.fromEntries(PAIRS.map((p) => [p.key, []]))
  try {
    for (const k of ORDER) servers[k] = await startPeerServer(IMPLS[k].runtime, IMPLS[k].proto, ['accept'])
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < PAIRS.length; i++) {
        const p = PAIRS[(i + r) % PAIRS.length]
        const c = IMPLS[p.client]
        const res = await runPeerClient(c.runtime, c.proto, ['connect', String(servers[p.server].port), String(count)])
        if (res.mptcp !== (c.proto === 'mptcp')) throw new Error(`${p.key}: unexpected protocol on the wire`)
        const rate = res.count / res.seconds
        samples[p.key].push(rate)
        log(`round ${r + 1}/${runs}  ${p.key.padEnd(30)} ${fmt.num(rate).padStart(7)} conn/s  (${(1e6 / rate).toFixed(0)} us each)`)
      }
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop()
  }
  const results = Object.fromEntries(
    PAIRS.map((p) => [p.key, { label: IMPLS[p.key]?.label ?? p.key, client: p.client, server: p.server, connectionsPerSecond: summary(samples[p.key]), microsecondsPerConnection: 1e6 / summary(samples[p.key]).median }]),
  )
  return { config: { runs, count, protocol: 'connect; server accepts, writes 1 byte, closes; client reads it, closes' }, results }
}

module.exports = { connrate }
