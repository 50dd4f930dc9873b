'use strict'
const t = require('tap')
const mptcp = require('..')
const { wire, IPPROTO_MPTCP } = require('./helpers/wire')
t.test('echo over loopback is MPTCP on both ends', (t) => {
  const server = mptcp.createServer((s) => {
    t.same(wire(s), { protocol: IPPROTO_MPTCP, isMptcp: 1 })
    s.pipe(s)
  })
  server.listen(0, '127.0.0.1', () => {
    const c = mptcp.connect(server.address().port, '127.0.0.1', () => {
      t.same(wire(c), { protocol: IPPROTO_MPTCP, isMptcp: 1 })
      c.end('hello')
    })
    let got = ''
    c.on('data', (d) => (got += d))
    c.on('close', () => {
      t.equal(got, 'hello')
      server.close(() => t.end())
    })
  })
})
