'use strict'
// One upload inside the lab between two lab-peer.js processes: resolves with goodput, the receiver's
// longest delivery gap, its samples, and what the connection was on both ends. `during(peers)` runs
// while the transfer is under way (failover uses it to break a path).
const path = require('node:path')
const { packageDir } = require('../lib/package')

const PEER = path.join(__dirname, 'lab-peer.js')

function loadLab() {
  return require(path.join(packageDir(), 'dist', 'lab'))
}

async function upload(lab, { mode, bytes, userspace, serverUserspace, during, timeoutMs = 120000 }) {
  await Promise.all([lab.client.setMptcpEnabled(mode === 'kernel'), lab.server.setMptcpEnabled(mode === 'kernel')])
  const server = lab.server.spawnNode(PEER, [JSON.stringify({ role: 'server', mode, userspace: serverUserspace })])
  let client
  try {
    const { port } = await server.next('listening', 10000)
    client = lab.client.spawnNode(PEER, [JSON.stringify({ role: 'client', mode, host: lab.paths[0].serverAddress, port, bytes, userspace })])
    const fail = (p) => p.next('error', timeoutMs).then((e) => Promise.reject(new Error(`${mode} ${p.label}: ${e.code} ${e.message}`)))
    const connected = await Promise.race([client.next('connected', 15000), fail(client)])
    const conn = await server.next('connection', 15000)
    if (during) await during({ server, client, conn })
    const [done, sent, cdone] = await Promise.race([Promise.all([server.next('done', timeoutMs), client.next('sent', timeoutMs), client.next('done', timeoutMs)]), fail(server), fail(client)])
    const seconds = (done.lastByteAt - conn.t) / 1000
    return {
      mode,
      bytes,
      goodputBitsPerSecond: (done.received * 8) / seconds,
      seconds,
      maxGapMs: done.maxGapMs,
      maxGapAtS: (done.maxGapAt - conn.t) / 1000,
      intact: done.received === bytes && done.sha256 === sent.sha256,
      wire: { client: cdone.wire ?? connected, server: done.wire },
      samples: server.messages.filter((m) => m.event === 'sample').map((m) => [(m.t - conn.t) / 1000, m.received]),
    }
  } finally {
    await Promise.all([server.kill(), client?.kill()])
  }
}

/** Throws unless the connection was what the mode claims, on both ends. */
function checkWire(r) {
  for (const side of ['client', 'server']) {
    const w = r.wire[side]
    const ok = r.mode === 'userspace' ? w.multipath === 'userspace' : r.mode === 'kernel' ? w.kernelMptcp === true : w.kernelMptcp === false && !w.multipath
    if (!ok) throw new Error(`${r.mode}: the ${side} connection was ${JSON.stringify(w)}`)
  }
}

module.exports = { loadLab, upload, checkWire }
