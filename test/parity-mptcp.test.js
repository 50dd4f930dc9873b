'use strict'
// The same suite against mptcp: kernel MPTCP on the wire, or plain TCP when the package runs without the addon.
const t = require('tap')
const mptcp = require('..')
const { runParity } = require('./parity/suite')
const expect = mptcp.support().mptcp ? 262 : 6
if (process.env.NODE_MPTCP_NO_NATIVE) t.equal(expect, 6, 'no-native run is plain TCP')
else t.equal(expect, 262, 'kernel MPTCP is available on this machine')
runParity(t, { name: 'mptcp', net: mptcp, expect })
