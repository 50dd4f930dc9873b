'use strict'
// Failover of the userspace stack (net.mptcp.enabled=0 on both hosts): an upload over 2 x 50 Mbit/s; 1.5 s
// in, path 1 (the first subflow's) fails: link down on both ends, or a silent blackhole (nftables drop, link
// up). Measured at the receiver: the longest gap between two deliveries and the time until delivery is back
// to 80 % of the surviving path; the data must arrive intact. The lab is repaired between runs.
const { loadLab, upload, checkWire } = require('./lab-run')
const { summary } = require('../lib/stats')
const { log, section } = require('../lib/progress')

const KINDS = ['link-down', 'blackhole']

// Mbit/s delivered per sample interval, from the receiver's cumulative byte count.
function delivered(samples) {
  const out = []
  for (let i = 1; i < samples.length; i++) {
    const dt = samples[i][0] - samples[i - 1][0]
    if (dt > 0) out.push([samples[i][0], ((samples[i][1] - samples[i - 1][1]) * 8) / dt / 1e6])
  }
  return out
}

function recoveryS(points, failAtS, mbit, share = 0.8) {
  const after = points.filter((p) => p[0] > failAtS)
  for (let i = 0; i + 2 < after.length; i++) if ([0, 1, 2].every((k) => after[i + k][1] >= share * mbit)) return Math.max(0, after[i][0] - 0.1 - failAtS)
  return NaN
}

async function failover({ runs = 3, bytes = 32 * 2 ** 20, failAtMs = 1500 } = {}) {
  section(`userspace lab failover: ${KINDS.join(' / ')} of path 1 after ${failAtMs / 1000} s, ${runs} rounds, ${bytes / 2 ** 20} MiB over 2 x 50 Mbit/s`)
  const { createLab } = loadLab()
  const lab = await createLab({ paths: [{ rate: '50mbit' }, { rate: '50mbit' }], endpoints: 'none', mptcpEnabled: { client: false, server: false } })
  const out = Object.fromEntries(KINDS.map((k) => [k, []]))
  try {
    for (let r = 0; r < runs; r++) {
      for (const kind of r % 2 ? [...KINDS].reverse() : KINDS) {
        let failAt = 0
        let connAt = 0
        const res = await upload(lab, {
          mode: 'userspace',
          bytes,
          during: async ({ conn }) => {
            connAt = conn.t
            await new Promise((res) => setTimeout(res, failAtMs))
            failAt = Date.now()
            if (kind === 'link-down') await lab.linkDown(0)
            else await lab.blackhole(0)
          },
        })
        if (kind === 'link-down') await lab.linkUp(0)
        else await lab.unblackhole(0)
        await new Promise((res) => setTimeout(res, 1000))
        checkWire(res)
        if (!res.intact) throw new Error(`${kind}: the data that arrived differs from what was sent`)
        const failAtS = (failAt - connAt) / 1000
        const points = delivered(res.samples)
        const { samples, ...kept } = res
        const run = { ...kept, failAtS, recoveryS: recoveryS(points, failAtS, 50), delivered: points }
        out[kind].push(run)
        log(`${kind.padEnd(9)} round ${r + 1}/${runs}: longest delivery gap ${res.maxGapMs} ms (at ${res.maxGapAtS.toFixed(2)} s, failure at ${failAtS.toFixed(2)} s), back to 80% of one path after ${run.recoveryS.toFixed(2)} s, data intact, subflows at the receiver ${res.wire.server.subflows}`)
      }
    }
  } finally {
    await lab.destroy()
  }
  const results = Object.fromEntries(
    KINDS.map((k) => {
      const list = out[k]
      const chart = [...list].sort((a, b) => a.maxGapMs - b.maxGapMs)[Math.floor(list.length / 2)]
      return [k, { longestGapMs: summary(list.map((x) => x.maxGapMs)), recoveryS: summary(list.map((x) => x.recoveryS)), runs: list.map(({ delivered: _d, ...x }) => x), chart }]
    }),
  )
  return { config: { runs, bytes, failAtMs, paths: '2 x 50 Mbit/s', mptcpEnabled: false }, results }
}

module.exports = { failover, TARGETS: { 'link-down': 1000, blackhole: 2000 } }
