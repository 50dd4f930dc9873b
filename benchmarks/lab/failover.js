'use strict'
// Failover: an upload over two 50 Mbit/s paths; a few seconds in, path 1 (the initial subflow's) fails:
// its link goes down, or it silently drops everything (nftables). Measured at the receiver: the longest
// gap between two deliveries, and each subflow's throughput over time. Uses lib/lab's transfer peer.
const { loadLab } = require('./hosts')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')

const SAMPLE_MS = 100

// Per-subflow Mbit/s from the receiver's cumulative samples, keyed by the path of the subflow's remote end.
function subflowSeries(lab, samples, t0) {
  const series = new Map()
  const last = new Map()
  for (const s of samples) {
    for (const f of s.subflows ?? []) {
      const key = `${f.remote}:${f.remotePort}>${f.local}:${f.localPort}`
      const prev = last.get(key)
      last.set(key, { t: s.t, bytes: f.bytesReceived })
      if (!series.has(key)) {
        const pathIndex = lab.pathIndexOf(f.remote)
        series.set(key, { label: `subflow ${f.id}, path ${pathIndex + 1} (${f.remote.replace(/^::ffff:/, '')})`, points: [] })
      }
      if (prev && s.t > prev.t) series.get(key).points.push([(s.t - t0) / 1000, ((f.bytesReceived - prev.bytes) * 8) / ((s.t - prev.t) / 1000) / 1e6])
    }
  }
  return [...series.values()]
}

// What the application got per sample interval (Mbit/s), from the receiver's byte counter.
function deliveredSeries(samples, t0) {
  const points = []
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].t - samples[i - 1].t) / 1000
    if (dt > 0) points.push([(samples[i].t - t0) / 1000, ((samples[i].received - samples[i - 1].received) * 8) / dt / 1e6])
  }
  return points
}

/** Seconds from the failure until delivery is back to `share` of the surviving path's rate for 3 samples in a row. */
function recoveryTime(points, failAtS, survivingMbit, share = 0.8) {
  const after = points.filter((p) => p[0] > failAtS)
  for (let i = 0; i + 2 < after.length; i++) {
    if ([0, 1, 2].every((k) => after[i + k][1] >= share * survivingMbit)) return after[i][0] - SAMPLE_MS / 1000 - failAtS
  }
  return NaN
}

async function once(kind, { bytes, failAtMs }) {
  const { createLab, startTransfer } = loadLab()
  const lab = await createLab({ paths: [{ rate: '50mbit' }, { rate: '50mbit' }], endpoints: 'signal' })
  try {
    const peers = await startTransfer(lab, { bytes, sampleMs: SAMPLE_MS, direction: 'upload' })
    await peers.server.next('connection', 15000)
    await new Promise((r) => setTimeout(r, failAtMs))
    if (kind === 'link-down') await lab.linkDown(0)
    else await lab.blackhole(0)
    peers.server.send({ cmd: 'snapshot' })
    const mark = await peers.server.next('snapshot', 10000)
    const { server, client } = await peers.finished(120000)
    const samples = peers.server.messages.filter((m) => m.event === 'sample')
    const t0 = samples.length ? samples[0].t : 0
    const intact = server.received === bytes && server.sha256Received === client.sha256Sent
    await peers.kill()
    const failAtS = (mark.t - t0) / 1000
    const delivered = deliveredSeries(samples, t0)
    return {
      maxGapMs: server.maxGapMs,
      recoveryS: recoveryTime(delivered, failAtS, 50),
      maxGapAtS: (server.maxGapAt - t0) / 1000,
      failAtS,
      durationS: (server.lastByteAt - server.firstByteAt) / 1000,
      intact,
      series: [...subflowSeries(lab, samples, t0), { label: 'delivered to the app', points: delivered }],
    }
  } finally {
    await lab.destroy()
  }
}

async function failover({ runs = 3, bytes = 64 * 2 ** 20, failAtMs = 3000 } = {}) {
  const kinds = ['link-down', 'blackhole']
  section(`lab failover: ${kinds.join(' and ')} of path 1 after ${failAtMs / 1000} s, ${runs} runs each, ${bytes / 2 ** 20} MiB over 2 x 50 Mbit/s`)
  const out = {}
  for (const kind of kinds) {
    const list = []
    for (let r = 0; r < runs; r++) {
      const res = await once(kind, { bytes, failAtMs })
      if (!res.intact) throw new Error(`${kind}: the data that arrived differs from what was sent`)
      list.push(res)
      log(`${kind.padEnd(9)} run ${r + 1}/${runs}: longest delivery gap ${res.maxGapMs} ms (at ${res.maxGapAtS.toFixed(2)} s, failure at ${res.failAtS.toFixed(2)} s), back to 80% of one path after ${res.recoveryS.toFixed(2)} s, transfer ${res.durationS.toFixed(1)} s, data intact`)
    }
    const gap = summary(list.map((x) => x.maxGapMs))
    // The chart shows the run whose gap is the median.
    const chartRun = [...list].sort((a, b) => a.maxGapMs - b.maxGapMs)[Math.floor(list.length / 2)]
    out[kind] = { longestGapMs: gap, recoveryS: summary(list.map((x) => x.recoveryS)), runs: list.map(({ series, ...rest }) => rest), chart: chartRun }
  }
  return { config: { runs, bytes, failAtMs, paths: '2 x 50 Mbit/s', endpoints: 'signal', sampleMs: SAMPLE_MS }, results: out }
}

module.exports = { failover }
