'use strict'
// Two 50 Mbit/s paths carry clearly more than one: plain TCP over one path vs MPTCP over both, same lab.
const t = require('tap')
const { lab, skipUnlessLab, withLab, MiB, goodputMbit, clientLinkBytes } = require('./fixtures/helpers')

if (skipUnlessLab(t)) return

t.test('2 x 50 Mbit/s: MPTCP is clearly faster than one path, and uses both links', async (t) => {
  const l = await withLab(t, { paths: [{ rate: '50mbit' }, { rate: '50mbit' }], endpoints: 'signal' })

  const single = await lab.startTransfer(l, { bytes: 16 * MiB, mptcp: { client: false } })
  const one = await single.finished(60000)
  t.equal(one.server.multipath, false, 'the baseline is plain TCP (one path)')
  t.equal(one.server.sha256Received, one.client.sha256Sent, 'baseline intact')
  const singleMbit = goodputMbit(one.server)

  const before = await clientLinkBytes(l)
  const multi = await lab.startTransfer(l, { bytes: 16 * MiB })
  const two = await multi.finished(60000)
  const after = await clientLinkBytes(l)
  t.equal(two.server.received, 16 * MiB)
  t.equal(two.server.sha256Received, two.client.sha256Sent, 'intact')
  t.equal(two.client.subflows.length, 2, 'two subflows')
  const multiMbit = goodputMbit(two.server)

  const tx = after.map((a, i) => a.tx - before[i].tx)
  const total = tx[0] + tx[1]
  t.comment(`one path (TCP): ${singleMbit.toFixed(1)} Mbit/s; two paths (MPTCP): ${multiMbit.toFixed(1)} Mbit/s; ` +
    `ratio ${(multiMbit / singleMbit).toFixed(2)}; link shares ${tx.map((b) => ((100 * b) / total).toFixed(0) + '%').join(' / ')}`)
  t.ok(multiMbit > 1.3 * singleMbit, `two paths (${multiMbit.toFixed(1)}) > 1.3 x one path (${singleMbit.toFixed(1)}) Mbit/s`)
  t.ok(tx.every((b) => b > 0.25 * total), 'each link carried more than a quarter of the bytes')
})
