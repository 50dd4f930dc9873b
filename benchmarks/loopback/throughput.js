'use strict'
// Loopback bulk throughput, one client -> server transfer per run, both ends the same implementation:
// Node node:net, Node mptcp, C over TCP, C over MPTCP. Runs are interleaved (one of each per round, order
// rotating) so that load from other processes hits every implementation alike.
const { IMPLS, startPeerServer, runPeerClient } = require('../lib/peers')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')
const fmt = require('../lib/format')
const { lastJsonLine } = require('../lib/children')

const ORDER = ['node-net', 'node-mptcp', 'c-tcp', 'c-mptcp']

function rotate(list, n) {
  const k = n % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/**
 * pairs: [{ key, label, client, server (impl keys), mode: 'send' | 'recv', clientArgs, serverArgs }].
 * send: the client writes `bytes` to a sink server; recv: a source server writes them to the client.
 * Measured round-robin; returns per-pair summaries of bytes/s and each run's MPTCP retransmitted bytes.
 */
async function measurePairs(title, pairs, { runs, bytes }) {
  section(`${title}: ${pairs.length} configurations x ${runs} runs x ${fmt.bytes(bytes)}`)
  const servers = new Map()
  try {
    for (const p of pairs) {
      const s = IMPLS[p.server]
      const mode = p.mode === 'recv' ? ['source', '--bytes', String(bytes)] : ['sink']
      const args = [...mode, ...(p.serverArgs ?? [])]
      const id = `${p.server} ${args.join(' ')}`
      if (!servers.has(id)) servers.set(id, await startPeerServer(s.runtime, s.proto, args))
      p.peerServer = servers.get(id)
    }
    const samples = new Map(pairs.map((p) => [p.key, []]))
    for (let r = 0; r < runs; r++) {
      for (const p of rotate(pairs, r)) {
        const res = await measureOnce(p, bytes)
        samples.get(p.key).push(res)
        const stall = res.stalls > 0 ? `  (${res.stalls} stall(s), ${(res.stallS * 1000).toFixed(0)} ms; MPTCP retransmitted ${fmt.bytes(Math.max(0, res.retrans))})` : ''
        const cpu = `cpu/GiB send ${res.senderCpuPerGiB.toFixed(2)} s, recv ${res.receiverCpuPerGiB.toFixed(2)} s`
        log(`round ${r + 1}/${runs}  ${p.key.padEnd(34)} ${fmt.rate(res.rate).padStart(10)}  ${cpu}${stall}`)
      }
    }
    return Object.fromEntries(
      pairs.map((p) => {
        const xs = samples.get(p.key)
        const { peerServer, ...desc } = p
        return [
          p.key,
          {
            ...desc,
            bytesPerSecond: summary(xs.map((x) => x.rate)),
            activeBytesPerSecond: summary(xs.map((x) => x.activeRate)),
            stallSeconds: summary(xs.map((x) => x.stallS)),
            runsWithStalls: xs.filter((x) => x.stalls > 0).length,
            senderCpuSecondsPerGiB: summary(xs.map((x) => x.senderCpuPerGiB)),
            receiverCpuSecondsPerGiB: summary(xs.map((x) => x.receiverCpuPerGiB)),
            retransBytes: xs.map((x) => x.retrans),
            runsWithRetrans: xs.filter((x) => x.retrans > 0).length,
          },
        ]
      }),
    )
  } finally {
    for (const s of servers.values()) await s.stop()
  }
}

async function measureOnce(p, bytes) {
  const c = IMPLS[p.client]
  const port = String(p.peerServer.port)
  p.peerServer.child.stderrText = ''
  const args = p.mode === 'recv' ? ['recv', port] : ['send', port, String(bytes)]
  const res = await runPeerClient(c.runtime, c.proto, [...args, ...(p.clientArgs ?? [])])
  const wantMptcp = c.proto === 'mptcp'
  if (res.mptcp !== wantMptcp) throw new Error(`${p.key}: expected mptcp=${wantMptcp} on the wire, got ${res.mptcp}`)
  if (res.bytes !== bytes) throw new Error(`${p.key}: moved ${res.bytes} bytes, expected ${bytes}`)
  const server = await serverReport(p.peerServer.child)
  const retrans = p.mode === 'recv' ? server.retrans ?? -1 : res.retrans ?? -1
  // CPU seconds per GiB moved, sender and receiver separately.
  const perGiB = (us) => (us / 1e6) * (2 ** 30 / bytes)
  const [sendUs, recvUs] = p.mode === 'recv' ? [server.cpuUs, res.cpuUs] : [res.cpuUs, server.cpuUs]
  // The receiver adds up gaps of more than 100 ms between deliveries; without them, what the two ends manage.
  const receiver = p.mode === 'recv' ? res : server
  const stallS = receiver.stallS ?? 0
  return {
    rate: res.bytes / res.seconds,
    activeRate: res.bytes / Math.max(1e-6, res.seconds - stallS),
    stallS,
    stalls: receiver.stalls ?? 0,
    retrans,
    senderCpuPerGiB: perGiB(sendUs),
    receiverCpuPerGiB: perGiB(recvUs),
  }
}

// Servers print one JSON line per served connection on stderr ({ cpuUs, retrans? }) once they are done with it.
const serverReport = (child) => lastJsonLine(() => child.stderrText)

async function throughput({ runs = 5, bytes = 2 ** 30, writeSize = 262144 } = {}) {
  const args = ['--write-size', String(writeSize)]
  const pairs = ORDER.map((k) => ({ key: k, label: IMPLS[k].label, client: k, server: k, clientArgs: args }))
  const results = await measurePairs('loopback throughput', pairs, { runs, bytes })
  return { config: { runs, bytes, writeSize, readSize: 65536, direction: 'client sends, server reads to EOF and answers one byte' }, results }
}

module.exports = { throughput, measurePairs, ORDER }
