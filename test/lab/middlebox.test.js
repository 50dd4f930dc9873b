'use strict'
// Middleboxes that strip or drop MPTCP (nftables in the lab's namespaces): fallback is clean, reported on
// both ends, and the data arrives intact.
const t = require('tap')
const { lab, skipUnlessLab, withLab, MiB, until } = require('./fixtures/helpers')

if (skipUnlessLab(t)) return

function assertPlainTcp(t, done, who) {
  t.equal(done.multipath, false, `${who}: multipath is false`)
  t.equal(done.info, null, `${who}: mptcpInfo() is null`)
  t.equal(done.subflows.length, 1, `${who}: one (TCP) subflow`)
}

t.test('MPTCP option stripped from the SYN: clean fallback on both ends, data intact', async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  await l.stripMptcpOption('syn')
  const peers = await lab.startTransfer(l, { bytes: 4 * MiB })
  t.equal((await peers.client.next('connected')).multipath, false, 'client reports plain TCP at connect')
  t.equal((await peers.server.next('connection')).multipath, false, 'server reports plain TCP at accept')
  const done = await peers.finished(30000)
  assertPlainTcp(t, done.client, 'client')
  assertPlainTcp(t, done.server, 'server')
  t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')
})

t.test("MPTCP option stripped from the SYN, client wants mptcp: 'require': ERR_MPTCP_FALLBACK", async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  await l.stripMptcpOption('syn')
  const peers = await lab.startTransfer(l, { bytes: MiB, mptcp: { client: 'require' } })
  const err = await peers.client.next('error', 15000)
  t.equal(err.code, 'ERR_MPTCP_FALLBACK')
})

t.test('MPTCP option stripped after the handshake: multipath turns false mid-connection, data intact', async (t) => {
  // The kernel falls back only while it still may (RFC 8684 3.7: one subflow, no data mapped yet). Stripping
  // once a second subflow has joined, or once data has flowed, stalls the connection here instead: so one
  // subflow, and the middlebox starts stripping between the handshake and the first byte.
  const l = await withLab(t, { endpoints: 'none' })
  const peers = await lab.startTransfer(l, { bytes: 8 * MiB, start: 'command' })
  t.equal((await peers.client.next('connected')).multipath, 'kernel', 'client starts as MPTCP')
  t.equal((await peers.server.next('connection')).multipath, 'kernel', 'server starts as MPTCP')
  await until(async () => (await peers.snapshot()).client.info?.subflowsTotal === 1, { what: 'connection established' })
  await l.stripMptcpOption('after-handshake')
  peers.command('start')
  const done = await peers.finished(30000)
  for (const [who, d] of [['client', done.client], ['server', done.server]]) {
    t.equal(d.multipath, false, `${who}: multipath is false at the end`)
    t.same(d.multipathChanges.map((c) => c.multipath), [false], `${who}: it turned from 'kernel' to false once`)
  }
  t.equal(done.server.received, 8 * MiB)
  t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')
})

t.test('SYNs with MP_CAPABLE dropped: falls back to TCP after retries, reported, data intact', async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  const undo = await l.dropMptcpSyns()
  const t0 = Date.now()
  const peers = await lab.startTransfer(l, { bytes: 2 * MiB })
  const connected = await peers.client.next('connected', 30000)
  const connectMs = Date.now() - t0
  t.comment(`connected after ${connectMs} ms`)
  t.equal(connected.multipath, false, 'client reports plain TCP')
  t.ok(connectMs >= 900, `the fallback came after SYN retransmissions (${connectMs} ms)`)
  t.equal((await peers.server.next('connection')).multipath, false, 'server reports plain TCP')
  const done = await peers.finished(30000)
  assertPlainTcp(t, done.client, 'client')
  assertPlainTcp(t, done.server, 'server')
  t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')

  await undo()
  const again = await lab.startTransfer(l, { bytes: MiB })
  t.equal((await again.client.next('connected')).multipath, 'kernel', 'without the middlebox, the next connection is MPTCP again')
  const done2 = await again.finished(30000)
  t.equal(done2.server.sha256Received, done2.client.sha256Sent, 'and intact')
})
