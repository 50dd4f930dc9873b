'use strict'
// Losing a path mid-transfer: link down (and back up), silent blackhole, and a backup path.
const t = require('tap')
const { lab, skipUnlessLab, withLab, MiB, until, sleep } = require('./fixtures/helpers')

if (skipUnlessLab(t)) return

/** Bytes acked so far on the client's subflow that starts from path `index`'s address. */
function ackedOnPath(l, sample, index) {
  return sample.subflows.filter((s) => l.pathIndexOf(s.local) === index).reduce((n, s) => n + s.bytesAcked, 0)
}

function lastSample(peer) {
  for (let i = peer.messages.length - 1; i >= 0; i--) if (peer.messages[i].event === 'sample') return peer.messages[i]
  return null
}

async function waitForServerBytes(peers, bytes) {
  return until(async () => {
    const s = lastSample(peers.server)
    return s && s.received >= bytes && s
  }, { timeoutMs: 30000, intervalMs: 50, what: `${bytes} bytes at the server` })
}

t.test('link down mid-transfer (64 MiB): completes intact, short stall; link up: the path carries data again', async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  const peers = await lab.startTransfer(l, { bytes: 64 * MiB, sampleMs: 100 })
  await waitForServerBytes(peers, 12 * MiB)
  const downSample = lastSample(peers.client)
  t.equal(downSample.subflows.length, 2, 'two subflows before the failure')
  await l.linkDown(0)
  const downAt = lastSample(peers.server).t
  await sleep(1500)
  await l.linkUp(0)
  const upSample = lastSample(peers.client)
  const ackedAtUp = ackedOnPath(l, upSample, 0)
  const recovered = await until(async () => {
    const s = lastSample(peers.client)
    return s && ackedOnPath(l, s, 0) > ackedAtUp + 2 * MiB && s
  }, { timeoutMs: 15000, what: 'path 0 carrying data again after link up' }).catch(() => null)
  const done = await peers.finished(60000)
  t.equal(done.server.received, 64 * MiB, 'everything arrived')
  t.equal(done.server.sha256Received, done.client.sha256Sent, 'SHA-256 of what arrived equals what was sent')
  const stall = done.server.maxGapMs
  t.comment(`longest delivery gap ${stall} ms (at ${done.server.maxGapAt} ms; link down at ~${downAt} ms)`)
  t.ok(stall < 3000, `longest stall ${stall} ms < 3000 ms`)
  t.ok(recovered, 'after link up, path 0 carried more than 2 MiB again')
})

t.test('silent blackhole mid-transfer: completes intact', async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  const peers = await lab.startTransfer(l, { bytes: 24 * MiB, sampleMs: 100 })
  await waitForServerBytes(peers, 6 * MiB)
  await l.blackhole(0)
  const done = await peers.finished(60000)
  t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')
  t.comment(`longest delivery gap ${done.server.maxGapMs} ms`)
  t.ok(done.server.maxGapMs < 5000, `longest stall ${done.server.maxGapMs} ms < 5000 ms`)
})

t.test('a backup endpoint carries traffic only once the primary path fails', async (t) => {
  const l = await withLab(t, { endpoints: 'backup' })
  t.same((await l.client.endpoints()).map((e) => e.flags), [['subflow', 'backup']], 'client has one subflow backup endpoint')
  const peers = await lab.startTransfer(l, { bytes: 32 * MiB, sampleMs: 100 })
  const healthy = await waitForServerBytes(peers, 8 * MiB)
  void healthy
  const before = lastSample(peers.client)
  t.equal(before.subflows.length, 2, 'the backup subflow is established')
  t.ok(ackedOnPath(l, before, 0) > 6 * MiB, 'primary carries the data')
  t.ok(ackedOnPath(l, before, 1) < 256 * 1024, `backup idle while the primary works (${ackedOnPath(l, before, 1)} bytes)`)
  await l.linkDown(0)
  const moved = await until(async () => {
    const s = lastSample(peers.client)
    return s && ackedOnPath(l, s, 1) > 4 * MiB && s
  }, { timeoutMs: 15000, what: 'the backup carrying data' }).catch(() => null)
  t.ok(moved, 'backup carries the data once the primary is down')
  const done = await peers.finished(60000)
  t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')
})
