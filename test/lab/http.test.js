'use strict'
// HTTP over two paths: the package's http server on an MPTCP listener, 64 MiB to the package's MPTCP client.
const t = require('tap')
const { skipUnlessLab, withLab, MiB, fixture, pairs, clientLinkBytes } = require('./fixtures/helpers')

if (skipUnlessLab(t)) return

t.test('HTTP: 64 MiB from an MPTCP listener to an MPTCP client over 2 x 50 Mbit/s: aggregated, intact', async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  const bytes = 64 * MiB
  const server = l.server.spawnNode(fixture('http-server.js'), [JSON.stringify({ bytes })])
  const { port } = await server.next('listening', 15000)
  const before = await clientLinkBytes(l)
  const client = l.client.spawnNode(fixture('http-client.js'), [JSON.stringify({ url: `http://${l.paths[0].serverAddress}:${port}/` })])
  const request = await server.next('request', 15000)
  t.equal(request.multipath, 'kernel', 'the server sees an MPTCP connection')
  t.ok(request.isMptcpSocket, 'req.socket is an mptcp.Socket')
  const done = await client.next('done', 90000)
  const served = await server.next('served', 10000)
  const after = await clientLinkBytes(l)

  t.equal(done.status, 200)
  t.equal(done.bytes, bytes, '64 MiB arrived')
  t.equal(done.sha256, served.sha256, 'SHA-256 of the body equals what the server sent')
  t.equal(done.multipath, 'kernel', 'client connection is MPTCP')
  t.ok(done.isMptcpSocket, 'res.socket is an mptcp.Socket')
  const want = [`${l.paths[0].clientAddress}>${l.paths[0].serverAddress}`, `${l.paths[1].clientAddress}>${l.paths[1].serverAddress}`]
  t.same(pairs(done.subflows), want, 'client: one subflow per path')
  t.same(pairs(served.subflows, true), want, 'server: the same two subflows')

  const mbit = (bytes * 8) / done.ms / 1000
  const rx = after.map((a, i) => a.rx - before[i].rx)
  t.comment(`HTTP goodput ${mbit.toFixed(1)} Mbit/s over 2 x 50 Mbit/s; link shares ${rx.map((b) => ((100 * b) / (rx[0] + rx[1])).toFixed(0) + '%').join(' / ')}`)
  t.ok(mbit > 57.5, `aggregated: ${mbit.toFixed(1)} Mbit/s is more than one 50 Mbit/s path can carry (> 57.5)`)
  t.ok(rx.every((b) => b > 0.25 * (rx[0] + rx[1])), 'each link carried more than a quarter of the body')
})
