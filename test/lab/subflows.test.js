'use strict'
// Subflows on a real two-path topology: how many, and which address pairs, as both ends see them.
const t = require('tap')
const { lab, skipUnlessLab, withLab, MiB, pairs, until } = require('./fixtures/helpers')

if (skipUnlessLab(t)) return

// The address pairs (client > server) the kernel path manager should build in each endpoint mode.
function expectedPairs(paths, mode, v) {
  const c = (p) => p[`clientAddress${v}`]
  const s = (p) => p[`serverAddress${v}`]
  const [p1, p2] = paths
  const list = {
    signal: [[c(p1), s(p1)], [c(p2), s(p2)]],
    subflow: [[c(p1), s(p1)], [c(p2), s(p1)]],
    fullmesh: [[c(p1), s(p1)], [c(p1), s(p2)], [c(p2), s(p1)], [c(p2), s(p2)]],
  }[mode]
  return list.map(([a, b]) => `${a}>${b}`).sort()
}

for (const family of ['ipv4', 'ipv6']) {
  for (const mode of ['signal', 'subflow', 'fullmesh']) {
    t.test(`${family}, ${mode} endpoints: subflows() lists the right address pairs on both ends`, async (t) => {
      const l = await withLab(t, { endpoints: mode, family })
      const v = family === 'ipv4' ? 4 : 6
      const want = expectedPairs(l.paths, mode, v)
      // Some data first: the client's path manager adds subflows once the connection is fully established.
      const peers = await lab.startTransfer(l, { bytes: MiB, close: 'command' })
      const connected = await peers.client.next('connected')
      t.equal(connected.multipath, 'kernel', 'client connection is MPTCP')
      const snap = await until(
        async () => {
          const s = await peers.snapshot()
          const all = s.server.received === MiB
          return all && s.client.subflows.length >= want.length && s.server.subflows.length >= want.length && s
        },
        { timeoutMs: 8000, what: `${want.length} subflows on both ends` },
      )
      t.same(pairs(snap.client.subflows), want, 'client: local > remote pairs')
      t.same(pairs(snap.server.subflows, true), want, 'server: the same pairs, seen from the other end')
      t.equal(snap.client.info.subflowsTotal, want.length, 'mptcpInfo().subflowsTotal agrees')
      for (const s of snap.server.subflows) t.equal(s.localPort, peers.port, `server subflow ${s.id} is on the listening port`)
      t.ok(
        snap.client.subflows.every((s) => l.pathIndexOf(s.local) >= 0 && l.pathIndexOf(s.remote) >= 0),
        'every subflow uses lab addresses',
      )

      peers.command('close')
      const done = await peers.finished(15000)
      t.equal(done.server.received, MiB, 'data arrives over the subflows')
      t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')
    })
  }
}

t.test('dual stack: an IPv6 connection gets IPv4 and IPv6 subflows, listed alike on both ends', async (t) => {
  const l = await withLab(t, { endpoints: 'signal', family: 'dual' })
  const [p1, p2] = l.paths
  const want = [`${p1.clientAddress6}>${p1.serverAddress6}`, `${p2.clientAddress4}>${p2.serverAddress4}`, `${p2.clientAddress6}>${p2.serverAddress6}`].sort()
  const peers = await lab.startTransfer(l, { bytes: MiB, close: 'command', serverAddress: p1.serverAddress6 })
  const snap = await until(
    async () => {
      const s = await peers.snapshot()
      return s.server.received === MiB && s.client.subflows.length >= 3 && s.server.subflows.length >= 3 && s
    },
    { timeoutMs: 8000, what: '3 subflows on both ends' },
  )
  t.same(pairs(snap.client.subflows), want, 'client: one IPv6 subflow per path plus an IPv4 one to the announced IPv4 address')
  t.same(pairs(snap.server.subflows, true), want, 'server: the same')
  peers.command('close')
  const done = await peers.finished(15000)
  t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')
})
