import { native } from './binding'
import * as c from './constants'
import { decodeMptcpInfo, type MptcpInfo } from './decode/mptcp-info'
import { decodeTcpInfo, type TcpInfo } from './decode/tcp-info'
import {
  FULL_INFO_HEADER_SIZE,
  SUBFLOW_ADDRS_SIZE,
  SUBFLOW_INFO_SIZE,
  TCP_INFO_SIZE,
  decodeFullInfoHeader,
  decodeFullInfoSubflows,
  decodeSubflowAddrs,
  decodeSubflowData,
  encodeFullInfo,
  encodeSubflowData,
  type Subflow,
  type SubflowArray,
} from './decode/subflows'
import { constants, endianness } from 'node:os'
import type net = require('node:net')

// Reads MPTCP state from a socket fd. Each function asks the kernel afresh: a connection can fall back
// to TCP at any time, so nothing here is cached.

const le = endianness() === 'LE'
const intBuf = Buffer.alloc(4)
const MPTCP_INFO_BUF = 256
const { errno } = constants as unknown as { errno: Record<string, number> }

/** The fd of a socket's libuv handle, or -1 (not connected yet, closed, or not a TCP handle). */
export function fdOf(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd
  return typeof fd === 'number' ? fd : -1
}

/** getsockopt() of an int: the value, or -errno. */
export function getIntOption(fd: number, level: number, name: number): number {
  if (!native) return -errno.ENOSYS!
  const rc = native.getsockopt(fd, level, name, intBuf)
  if (rc < 0) return rc
  return le ? intBuf.readInt32LE(0) : intBuf.readInt32BE(0)
}

/** -errno, or the MPTCP_INFO bytes the kernel returned. */
export function readMptcpInfoRaw(fd: number): Buffer | number {
  if (!native) return -errno.ENOSYS!
  const buf = Buffer.alloc(MPTCP_INFO_BUF)
  const rc = native.getsockopt(fd, c.SOL_MPTCP, c.MPTCP_INFO, buf)
  return rc < 0 ? rc : buf.subarray(0, rc)
}

/**
 * Whether the connection on fd is MPTCP right now: TCP_IS_MPTCP (5.16+), then MPTCP_INFO (fails once the
 * connection fell back), then SO_PROTOCOL (cannot see a fallback, but is all that very old kernels offer).
 */
export function isMptcp(fd: number): boolean {
  if (!native || fd < 0) return false
  const is = getIntOption(fd, c.SOL_TCP, c.TCP_IS_MPTCP)
  if (is >= 0) return is === 1
  const info = readMptcpInfoRaw(fd)
  if (typeof info !== 'number') return true
  if (info === -errno.EOPNOTSUPP!) return false
  return getIntOption(fd, c.SOL_SOCKET, c.SO_PROTOCOL) === c.IPPROTO_MPTCP
}

export function mptcpInfo(fd: number): MptcpInfo | null {
  if (!native || fd < 0) return null
  const raw = readMptcpInfoRaw(fd)
  return typeof raw === 'number' ? null : decodeMptcpInfo(raw)
}

export function tcpInfo(fd: number): TcpInfo | null {
  if (!native || fd < 0) return null
  const buf = Buffer.alloc(TCP_INFO_SIZE)
  const rc = native.getsockopt(fd, c.SOL_TCP, c.TCP_INFO, buf)
  return rc < 0 ? null : decodeTcpInfo(buf, rc)
}

const pathBuf = Buffer.alloc(TCP_INFO_SIZE)
const TCPI_RTT = 68
const TCPI_DELIVERY_RATE = 160

/**
 * Just what a scheduler needs from tcp_info, without decoding the rest: smoothed RTT (µs), delivery rate
 * (bytes/s, 4.9+) and whether that rate sample was application-limited. null without the addon or on error.
 */
export function tcpPathSample(fd: number): { rttUs: number; deliveryRate: number; appLimited: boolean } | null {
  if (!native || fd < 0) return null
  const rc = native.getsockopt(fd, c.SOL_TCP, c.TCP_INFO, pathBuf)
  if (rc < TCPI_DELIVERY_RATE + 8) return null
  const rttUs = le ? pathBuf.readUInt32LE(TCPI_RTT) : pathBuf.readUInt32BE(TCPI_RTT)
  const rate = le ? pathBuf.readBigUInt64LE(TCPI_DELIVERY_RATE) : pathBuf.readBigUInt64BE(TCPI_DELIVERY_RATE)
  // Byte 7: tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2 (the bit order follows the ABI).
  const bits = pathBuf[7]!
  return { rttUs, deliveryRate: Number(rate), appLimited: (le ? bits & 1 : bits & 0x80) !== 0 }
}

function subflowArray(fd: number, name: number, elementSize: number): SubflowArray | number {
  let capacity = 8
  for (;;) {
    const buf = encodeSubflowData(elementSize, capacity)
    const rc = native!.getsockopt(fd, c.SOL_MPTCP, name, buf)
    if (rc < 0) return rc
    const arr = decodeSubflowData(buf, rc)
    if (!arr) return -errno.EINVAL!
    if (arr.count <= capacity) return arr
    capacity = arr.count
  }
}

/** MPTCP_FULL_INFO (6.5+): one call for addresses, ids and tcp_info. */
export function fullInfoSubflows(fd: number): Subflow[] | number {
  let capacity = 8
  for (;;) {
    const head = encodeFullInfo(capacity, MPTCP_INFO_BUF)
    const sfinfo = Buffer.alloc(capacity * SUBFLOW_INFO_SIZE)
    const tcpinfo = Buffer.alloc(capacity * TCP_INFO_SIZE)
    const rc = native!.getsockoptFullInfo(fd, head, sfinfo, tcpinfo)
    if (rc < 0) return rc
    if (rc < FULL_INFO_HEADER_SIZE) return -errno.EINVAL!
    const h = decodeFullInfoHeader(head)
    if (h.numSubflows <= capacity) return decodeFullInfoSubflows(h, sfinfo, tcpinfo)
    capacity = h.numSubflows
  }
}

/** MPTCP_SUBFLOW_ADDRS + MPTCP_TCPINFO, for kernels before MPTCP_FULL_INFO. */
export function splitSubflows(fd: number): Subflow[] | number {
  const addrs = subflowArray(fd, c.MPTCP_SUBFLOW_ADDRS, SUBFLOW_ADDRS_SIZE)
  if (typeof addrs === 'number') return addrs
  const infos = subflowArray(fd, c.MPTCP_TCPINFO, TCP_INFO_SIZE)
  if (typeof infos === 'number') return infos
  // Two calls, so a subflow may come or go in between: pair what both saw.
  const n = Math.min(addrs.elements.length, infos.elements.length)
  const out: Subflow[] = []
  for (let i = 0; i < n; i++) {
    out.push({ id: i + 1, ...decodeSubflowAddrs(addrs.elements[i]!), tcpInfo: decodeTcpInfo(infos.elements[i]!) })
  }
  return out
}

/** One record per subflow of an MPTCP connection, or -errno (not MPTCP, fell back, old kernel). */
export function mptcpSubflows(fd: number): Subflow[] | number {
  if (!native || fd < 0) return -errno.EBADF!
  const full = fullInfoSubflows(fd)
  if (typeof full !== 'number') return full
  return splitSubflows(fd)
}
