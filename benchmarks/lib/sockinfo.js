'use strict'
// Reads what the kernel says about a socket straight through the package's addon, independent of the
// package's own detection: whether a connection is MPTCP on the wire, retransmitted bytes, buffer sizes.
const path = require('node:path')
const { packageDir } = require('./package')

const native = require('node-gyp-build')(packageDir())
const c = native.constants
const SO_SNDBUF = 7
const SO_RCVBUF = 8

function fdOf(socket) {
  const fd = socket._handle && socket._handle.fd
  return typeof fd === 'number' ? fd : -1
}

function intOpt(fd, level, name) {
  const buf = Buffer.alloc(4)
  const rc = native.getsockopt(fd, level, name, buf)
  return rc < 0 ? rc : buf.readInt32LE(0)
}

/** true when the kernel carries this socket over MPTCP right now (TCP_IS_MPTCP). */
function isMptcp(socket) {
  return intOpt(fdOf(socket), c.SOL_TCP, c.TCP_IS_MPTCP) === 1
}

/** Cumulative MPTCP-level retransmitted bytes (mptcp_info.bytes_retrans @48), or -1 when not MPTCP. */
function bytesRetrans(socket) {
  const buf = Buffer.alloc(256)
  const rc = native.getsockopt(fdOf(socket), c.SOL_MPTCP, c.MPTCP_INFO, buf)
  return rc < 56 ? -1 : Number(buf.readBigUInt64LE(48))
}

function setBuffer(socket, which, size) {
  if (!size) return
  const rc = native.setsockopt(fdOf(socket), c.SOL_SOCKET, which === 'rcv' ? SO_RCVBUF : SO_SNDBUF, size)
  if (rc < 0) throw new Error(`setsockopt SO_${which.toUpperCase()}BUF: errno ${-rc}`)
}

module.exports = { isMptcp, bytesRetrans, setBuffer, fdOf }
