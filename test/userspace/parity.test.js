'use strict'
// The kernel-mode parity suite (test/parity/suite.js) run in userspace mode: every connection is a
// UserspaceSocket over plain TCP subflows, checked on the wire through its first subflow.
const t = require('tap')
const net = require('node:net')
const mptcp = require('../..')
const wireHelper = require('../helpers/wire')

// The suite checks the wire of the sockets it gets; for a UserspaceSocket that is its first subflow.
const realWire = wireHelper.wire
wireHelper.wire = (s) => realWire(s instanceof mptcp.UserspaceSocket ? s.transport.first().socket : s)
const { runParity } = require('../parity/suite')

const userspaceNet = {
  ...mptcp,
  createServer(opts, cb) {
    if (typeof opts === 'function' || opts === undefined) [cb, opts] = [opts, {}]
    return mptcp.createServer({ ...opts, mptcp: 'userspace' }, cb)
  },
  connect(...args) {
    const [options, cb] = net._normalizeArgs(args)
    return mptcp.connect({ ...options, mptcp: 'userspace', userspace: { force: true } }, cb || undefined)
  },
}
userspaceNet.createConnection = userspaceNet.connect

const NO_HANDLE = 'reads the first subflow through socket._handle, which a UserspaceSocket does not have (setNoDelay/setKeepAlive reach every subflow instead; see loopback.test.js)'
// The server's 'connection' comes once the handshake is verified, after the client's 'connect': this test ends
// (client aborted) before the server side checks its wire. The abort behaviour is tested in loopback.test.js.
const LATE_SERVER = "the server's 'connection' fires after the client's 'connect' (handshake); abort is covered in loopback.test.js"
const skips = { 'noDelay and keepAlive constructor options': NO_HANDLE, 'AbortSignal: aborted before connect': LATE_SERVER }
const filtered = {
  test(name, ...rest) {
    const skip = Object.entries(skips).find(([prefix]) => name.startsWith(prefix))
    if (skip) return t.test(name, { skip: skip[1] }, rest[rest.length - 1])
    return t.test(name, ...rest)
  },
}
runParity(filtered, { name: 'userspace', net: userspaceNet, expect: 6 })
