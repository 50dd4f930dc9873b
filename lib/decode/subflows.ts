import { decodeSockaddr, type Endpoint } from './sockaddr'
import { decodeTcpInfo, type TcpInfo } from './tcp-info'

// struct mptcp_subflow_data: the 16-byte header in front of MPTCP_TCPINFO and MPTCP_SUBFLOW_ADDRS arrays.
export const SUBFLOW_DATA_SIZE = 16
// struct mptcp_subflow_addrs: two sockaddr_storage.
export const SUBFLOW_ADDRS_SIZE = 256
// struct mptcp_subflow_info: u32 id, 4 bytes of padding, struct mptcp_subflow_addrs.
export const SUBFLOW_INFO_SIZE = 264
// struct mptcp_full_info up to (not including) its trailing struct mptcp_info.
export const FULL_INFO_HEADER_SIZE = 40
export const TCP_INFO_SIZE = 280

export interface Subflow {
  /** Kernel subflow id (MPTCP_FULL_INFO), otherwise the position in the kernel's list, from 1. */
  id: number
  local: Endpoint | null
  remote: Endpoint | null
  tcpInfo: TcpInfo | null
}

export interface SubflowArray {
  /** How many subflows the kernel has, even if the buffer held fewer. */
  count: number
  /** Element size the kernel wrote (its own size clamped to ours). */
  stride: number
  elements: Buffer[]
}

export function encodeSubflowData(elementSize: number, capacity: number): Buffer {
  const buf = Buffer.alloc(SUBFLOW_DATA_SIZE + elementSize * capacity)
  buf.writeUInt32LE(SUBFLOW_DATA_SIZE, 0)
  buf.writeUInt32LE(elementSize, 12)
  return buf
}

export function decodeSubflowData(buf: Buffer, length: number): SubflowArray | null {
  if (length < SUBFLOW_DATA_SIZE) return null
  const count = buf.readUInt32LE(4)
  const stride = buf.readUInt32LE(12)
  const elements: Buffer[] = []
  if (stride > 0) {
    for (let off = SUBFLOW_DATA_SIZE; off + stride <= length && elements.length < count; off += stride) {
      elements.push(buf.subarray(off, off + stride))
    }
  }
  return { count, stride, elements }
}

export function decodeSubflowAddrs(el: Buffer): { local: Endpoint | null; remote: Endpoint | null } {
  return { local: decodeSockaddr(el, 0), remote: decodeSockaddr(el, 128) }
}

export function encodeFullInfo(capacity: number, mptcpInfoSize: number): Buffer {
  const head = Buffer.alloc(FULL_INFO_HEADER_SIZE + mptcpInfoSize)
  head.writeUInt32LE(TCP_INFO_SIZE, 4)
  head.writeUInt32LE(SUBFLOW_INFO_SIZE, 12)
  head.writeUInt32LE(capacity, 20)
  return head
}

export interface FullInfoHeader {
  sizeTcpinfoKernel: number
  sizeTcpinfoUser: number
  sizeSfinfoKernel: number
  sizeSfinfoUser: number
  numSubflows: number
  sizeArraysUser: number
}

export function decodeFullInfoHeader(head: Buffer): FullInfoHeader {
  return {
    sizeTcpinfoKernel: head.readUInt32LE(0),
    sizeTcpinfoUser: head.readUInt32LE(4),
    sizeSfinfoKernel: head.readUInt32LE(8),
    sizeSfinfoUser: head.readUInt32LE(12),
    numSubflows: head.readUInt32LE(16),
    sizeArraysUser: head.readUInt32LE(20),
  }
}

/** Subflow records from the two arrays MPTCP_FULL_INFO filled. */
export function decodeFullInfoSubflows(h: FullInfoHeader, sfinfo: Buffer, tcpinfo: Buffer): Subflow[] {
  const n = Math.min(h.numSubflows, h.sizeArraysUser)
  const sfStride = Math.min(h.sizeSfinfoUser, h.sizeSfinfoKernel || h.sizeSfinfoUser)
  const tcpStride = Math.min(h.sizeTcpinfoUser, h.sizeTcpinfoKernel || h.sizeTcpinfoUser)
  const out: Subflow[] = []
  for (let i = 0; i < n; i++) {
    const sf = sfinfo.subarray(i * h.sizeSfinfoUser, i * h.sizeSfinfoUser + sfStride)
    const ti = tcpinfo.subarray(i * h.sizeTcpinfoUser, i * h.sizeTcpinfoUser + tcpStride)
    out.push({
      id: sf.length >= 4 ? sf.readUInt32LE(0) : i + 1,
      ...decodeSubflowAddrs(sf.subarray(8)),
      tcpInfo: decodeTcpInfo(ti),
    })
  }
  return out
}
