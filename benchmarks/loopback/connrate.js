'use strict'
// Sequential connection rate on loopback: connect, the server accepts and answers one byte, both close,
// next. Same four implementations and the same interleaving as the throughput runs.
const { IMPLS, startPeerServer, runPeerClient } = require('../lib/peers')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')
const fmt = require('../lib/format')
const { ORDER } = require('./throughput')

async function connrate({ runs = 5, count = 3000 } = {}) {
  section(`loopback connection rate: ${ORDER.length} implementations x ${runs} runs x ${count} connections`)
  const servers = {}
  const samples = Object.fromEntries(ORDER.map((k) => [k, []]))
  try {
    for (const k of ORDER) servers[k] = await startPeerServer(IMPLS[k].runtime, IMPLS[k].proto, ['accept'])
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < ORDER.length; i++) {
        const k = ORDER[(i + r) % ORDER.length]
        const res = await runPeerClient(IMPLS[k].runtime, IMPLS[k].proto, ['connect', String(servers[k].port), String(count)])
        if (res.mptcp !== (IMPLS[k].proto === 'mptcp')) throw new Error(`${k}: unexpected protocol on the wire`)
        const rate = res.count / res.seconds
        samples[k].push(rate)
        log(`round ${r + 1}/${runs}  ${k.padEnd(12)} ${fmt.num(rate)} conn/s`)
      }
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop()
  }
  const results = Object.fromEntries(ORDER.map((k) => [k, { label: IMPLS[k].label, connectionsPerSecond: summary(samples[k]) }]))
  return { config: { runs, count, protocol: 'connect; server accepts, writes 1 byte, closes; client reads it, closes' }, results }
}

module.exports = { connrate }
