'use strict'
// mptcpInfo() and subflows() on live loopback connections, both ends, both families, both kernel paths
// (MPTCP_FULL_INFO and MPTCP_TCPINFO + MPTCP_SUBFLOW_ADDRS).
const t = require('tap')
const { once } = require('node:events')
const mptcp = require('..')
const sockopt = require('../dist/sockopt')

if (!mptcp.support().mptcp) {
  t.plan(0, `kernel MPTCP not usable here: ${mptcp.support().kernel.reason}`)
  return
}

async function pair(t, host) {
  let accepted
  const server = mptcp.createServer((s) => {
    accepted = s
    s.on('error', () => {})
    s.pipe(s)
  })
  server.listen(0, host)
  await once(server, 'listening')
  const c = mptcp.connect(server.address().port, host)
  await once(c, 'connect')
  c.write(Buffer.alloc(200000))
  let echoed = 0
  await new Promise((resolve) => c.on('data', (d) => (echoed += d.length) >= 200000 && resolve()))
  t.teardown(() => {
    c.destroy()
    server.close()
  })
  return { c, s: accepted }
}

for (const [host, family] of [
  ['127.0.0.1', 'IPv4'],
  ['::1', 'IPv6'],
]) {
  t.test(`stats over ${family}`, async (t) => {
    const { c, s } = await pair(t, host)
    t.equal(c.multipath, 'kernel')
    t.equal(s.multipath, 'kernel')
    const ci = c.mptcpInfo()
    const si = s.mptcpInfo()
    t.equal(ci.fallback, false)
    t.equal(ci.subflowsTotal, 1)
    t.equal(ci.token === si.token, false, 'each end has its own token')
    t.ok(ci.bytesSent >= 200000n && ci.bytesReceived >= 200000n, 'client counted the echo')
    t.ok(si.bytesReceived >= 200000n, 'server counted it too')

    const cs = c.subflows()
    const ss = s.subflows()
    t.equal(cs.length, 1)
    t.equal(ss.length, 1)
    t.same(cs[0].local, { address: host, family, port: c.localPort })
    t.same(cs[0].remote, { address: host, family, port: c.remotePort })
    t.same(ss[0].local, cs[0].remote, 'server local = client remote')
    t.same(ss[0].remote, cs[0].local, 'server remote = client local')
    t.ok(cs[0].tcpInfo.rtt > 0 && cs[0].tcpInfo.sndCwnd > 0)
    t.ok(cs[0].tcpInfo.bytesAcked >= 200000n)

    const full = sockopt.fullInfoSubflows(c._handle.fd)
    const split = sockopt.splitSubflows(c._handle.fd)
    t.ok(Array.isArray(full) && Array.isArray(split), 'both kernel interfaces answer on 6.18')
    t.same(
      split.map((x) => [x.local, x.remote]),
      cs.map((x) => [x.local, x.remote]),
      'both kernel interfaces agree',
    )
  })
}

t.test('after both ends closed, no made-up subflow records', async (t) => {
  const server = mptcp.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const accepted = once(server, 'connection')
  const c = mptcp.connect(server.address().port, '127.0.0.1')
  const [s] = await accepted
  s.resume()
  c.resume()
  c.end('bye')
  await once(s, 'end')
  s.end()
  await once(c, 'end')
  await new Promise((r) => setTimeout(r, 50))
  t.same(s.subflows(), [], 'server side lists nothing once its subflows are gone')
})

t.test('stats on sockets without a connection', async (t) => {
  const s = new mptcp.Socket()
  t.equal(s.multipath, false)
  t.equal(s.mptcpInfo(), null)
  t.same(s.subflows(), [])
})

t.test('support() describes this host', async (t) => {
  const info = mptcp.support()
  t.equal(info.mptcp, true)
  t.equal(info.native.loaded, true)
  t.equal(info.kernel.available, true)
  t.equal(info.platform, 'linux')
  t.equal(info.sysctls['net.mptcp.enabled'], '1')
  t.not(mptcp.support(), mptcp.support(), 'a fresh object each call')
})
