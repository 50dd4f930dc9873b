'use strict'
// Memory and event-loop lag while 1 GiB moves: Node mptcp over two 1 Gbit/s paths against node:net over
// one, both ends monitored (peak RSS sampled every 50 ms, event-loop delay histogram).
const { loadLab, startServerIn, runClientIn, lastServerReport } = require('./hosts')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')
const fmt = require('../lib/format')

const MiB = 2 ** 20

async function memory({ runs = 3, bytes = 2 ** 30, rate = '1gbit' } = {}) {
  const { createLab } = loadLab()
  const impls = [
    { key: 'node-mptcp', proto: 'mptcp' },
    { key: 'node-net', proto: 'tcp' },
  ]
  section(`lab memory: ${fmt.bytes(bytes)} upload, ${impls.length} implementations x ${runs} runs, 2 x ${rate}`)
  const lab = await createLab({ paths: [{ rate }, { rate }], endpoints: 'signal' })
  const samples = Object.fromEntries(impls.map((i) => [i.key, []]))
  try {
    for (let r = 0; r < runs; r++) {
      for (const i of r % 2 ? [...impls].reverse() : impls) {
        // A fresh receiver process per run, so that its RSS growth is this transfer's.
        const server = await startServerIn(lab.server, 'node', i.proto, ['sink', '--monitor'])
        const args = ['send', String(server.port), String(bytes), '--host', lab.path(0).serverAddress, '--write-size', '65536', '--monitor']
        const sender = await runClientIn(lab.client, 'node', i.proto, args, 180000)
        const receiver = await lastServerReport(server)
        server.child.kill('SIGTERM')
        if (sender.mptcp !== (i.proto === 'mptcp')) throw new Error(`${i.key}: unexpected protocol on the wire`)
        const rate = (sender.bytes * 8) / sender.seconds
        samples[i.key].push({ sender, receiver, rate })
        log(`round ${r + 1}/${runs}  ${i.key.padEnd(11)} ${fmt.mbit(rate)}  peak RSS send ${(sender.peakRss / MiB).toFixed(0)} MiB, recv ${(receiver.peakRss / MiB).toFixed(0)} MiB; loop delay p99 send ${sender.loopDelayMs.p99} ms, recv ${receiver.loopDelayMs.p99} ms`)
      }
    }
  } finally {
    await lab.destroy()
  }
  const side = (xs, who) => ({
    peakRssMiB: summary(xs.map((x) => x[who].peakRss / MiB)),
    rssGrowthMiB: summary(xs.map((x) => (x[who].peakRss - x[who].startRss) / MiB)),
    loopDelayP99Ms: summary(xs.map((x) => x[who].loopDelayMs.p99)),
    loopDelayMaxMs: summary(xs.map((x) => x[who].loopDelayMs.max)),
  })
  const results = Object.fromEntries(impls.map((i) => [i.key, { bitsPerSecond: summary(samples[i.key].map((x) => x.rate)), sender: side(samples[i.key], 'sender'), receiver: side(samples[i.key], 'receiver') }]))
  return { config: { runs, bytes, rate, writeSize: 65536, paths: 2 }, results }
}

module.exports = { memory }
