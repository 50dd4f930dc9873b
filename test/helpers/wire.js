'use strict'
// What the kernel says about a socket, read with the addon directly, so the check does not depend on
// the package's own detection (and still works when the package runs with NODE_MPTCP_NO_NATIVE).
const path = require('node:path')
const native = require('node-gyp-build')(path.join(__dirname, '..', '..'))
const c = native.constants

function fdOf(socket) {
  const fd = socket._handle && socket._handle.fd
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no fd')
  return fd
}

function intOpt(fd, level, name) {
  const buf = Buffer.alloc(4)
  const rc = native.getsockopt(fd, level, name, buf)
  return rc < 0 ? rc : buf.readInt32LE(0)
}

/** { protocol: 6 | 262, isMptcp: 0 | 1 } as the kernel reports them for the socket's fd. */
function wire(socket) {
  const fd = fdOf(socket)
  return { protocol: intOpt(fd, c.SOL_SOCKET, c.SO_PROTOCOL), isMptcp: intOpt(fd, c.SOL_TCP, c.TCP_IS_MPTCP) }
}

function openFds() {
  return require('node:fs').readdirSync('/proc/self/fd').length
}

module.exports = { wire, native, openFds, IPPROTO_MPTCP: c.IPPROTO_MPTCP, IPPROTO_TCP: c.IPPROTO_TCP }
