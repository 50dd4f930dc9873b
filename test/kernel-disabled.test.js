'use strict'
// A host whose kernel has MPTCP switched off (net.mptcp.enabled=0, in a namespace of our own):
// everything still works over plain TCP, is reported as such, and 'require' is a coded error.
const t = require('tap')
const path = require('node:path')
const { isRoot, createNetns } = require('./helpers/netns')

if (!isRoot()) {
  t.plan(0, 'needs root to create a network namespace (ip netns add); runs in CI')
  return
}

t.test('net.mptcp.enabled=0', async (t) => {
  const ns = createNetns(t, { 'net.mptcp.enabled': 0 })
  const out = JSON.parse(ns.run(process.execPath, path.join(__dirname, 'helpers', 'child-probe.js')))
  t.equal(out.support.mptcp, false)
  t.equal(out.support.native.loaded, true)
  t.equal(out.support.kernel.code, 'ENOPROTOOPT')
  t.match(out.support.kernel.reason, /net\.mptcp\.enabled=0/)
  t.equal(out.support.sysctls['net.mptcp.enabled'], '0')
  t.equal(out.listenError, null, 'default listener falls back to TCP')
  t.same(out.default, { multipath: false, wire: { protocol: 6, isMptcp: 0 }, subflows: 1 })
  t.same(out.serverWire, { protocol: 6, isMptcp: 0 })
  t.same(out.require, { error: 'ERR_MPTCP_UNAVAILABLE' })
  t.same(out.off, { multipath: false, wire: { protocol: 6, isMptcp: 0 }, subflows: 1 })
  t.equal(out.strictListen, 'ERR_MPTCP_UNAVAILABLE')
})
