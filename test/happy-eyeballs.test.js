'use strict'
// Happy eyeballs with a silent first address: net times the attempt out and builds a fresh handle for the
// next one; that handle must get an MPTCP socket too. Runs in a namespace of our own with an nftables drop.
const t = require('tap')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { isRoot, createNetns } = require('./helpers/netns')

function hasNft() {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

if (!isRoot() || !hasNft()) {
  t.plan(0, 'needs root and nft (scripts/install-system-deps.sh) for a namespace with a silent address; runs in CI')
  return
}

t.test('first address silent, second answers: connected over MPTCP after a timeout', async (t) => {
  const ns = createNetns(t, { 'net.mptcp.blackhole_timeout': 0 })
  ns.run('ip', 'addr', 'add', '10.77.0.1/32', 'dev', 'lo')
  ns.run('nft', 'add table inet he; add chain inet he in { type filter hook input priority 0; }; add rule inet he in ip daddr 10.77.0.1 tcp flags syn drop')
  const out = JSON.parse(ns.run(process.execPath, path.join(__dirname, 'helpers', 'child-happy-eyeballs.js')))
  t.same(out.events, [
    ['connectionAttempt', '10.77.0.1'],
    ['connectionAttemptTimeout', '10.77.0.1'],
    ['connectionAttempt', '::1'],
  ])
  t.equal(out.remote, '::1')
  t.same(out.wire, { protocol: 262, isMptcp: 1 }, 'the second attempt is MPTCP on the wire')
  t.equal(out.multipath, 'kernel')
  t.equal(out.body, 'hi')
})
