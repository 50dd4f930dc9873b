import { decodeLayout, type Layout } from './layout'

/** struct mptcp_info (include/uapi/linux/mptcp.h). Fields the running kernel did not return are absent. */
export interface MptcpInfo {
  /** Additional subflows only; prefer `subflowsTotal`. */
  subflows: number
  addAddrSignal: number
  addAddrAccepted: number
  subflowsMax: number
  addAddrSignalMax: number
  addAddrAcceptedMax: number
  flags: number
  fallback: boolean
  remoteKeyReceived: boolean
  token: number
  writeSeq: bigint
  sndUna: bigint
  rcvNxt: bigint
  localAddrUsed?: number
  localAddrMax?: number
  csumEnabled?: number
  retransmits?: number
  bytesRetrans?: bigint
  bytesSent?: bigint
  bytesReceived?: bigint
  bytesAcked?: bigint
  /** Every subflow, the initial one included (6.5+). */
  subflowsTotal?: number
  endpLaminarMax?: number
  lastDataSent?: number
  lastDataRecv?: number
  lastAckRecv?: number
}

export const MPTCP_INFO_FLAG_FALLBACK = 1 << 0
export const MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED = 1 << 1

export const mptcpInfoLayout: Layout = [
  ['subflows', 0, 'u8'],
  ['addAddrSignal', 1, 'u8'],
  ['addAddrAccepted', 2, 'u8'],
  ['subflowsMax', 3, 'u8'],
  ['addAddrSignalMax', 4, 'u8'],
  ['addAddrAcceptedMax', 5, 'u8'],
  ['flags', 8, 'u32'],
  ['token', 12, 'u32'],
  ['writeSeq', 16, 'u64'],
  ['sndUna', 24, 'u64'],
  ['rcvNxt', 32, 'u64'],
  ['localAddrUsed', 40, 'u8'],
  ['localAddrMax', 41, 'u8'],
  ['csumEnabled', 42, 'u8'],
  ['retransmits', 44, 'u32'],
  ['bytesRetrans', 48, 'u64'],
  ['bytesSent', 56, 'u64'],
  ['bytesReceived', 64, 'u64'],
  ['bytesAcked', 72, 'u64'],
  ['subflowsTotal', 80, 'u8'],
  ['endpLaminarMax', 81, 'u8'],
  ['lastDataSent', 84, 'u32'],
  ['lastDataRecv', 88, 'u32'],
  ['lastAckRecv', 92, 'u32'],
]

/** The struct as of 5.11, the smallest any kernel defines (5.16, the first with MPTCP_INFO, returns 48). */
export const MPTCP_INFO_MIN_SIZE = 40

/** Decodes `length` bytes of a struct mptcp_info, or null if fewer than the oldest kernel's 40. */
export function decodeMptcpInfo(buf: Buffer, length = buf.length): MptcpInfo | null {
  if (Math.min(length, buf.length) < MPTCP_INFO_MIN_SIZE) return null
  const info = decodeLayout(mptcpInfoLayout, buf, length) as unknown as MptcpInfo
  info.fallback = (info.flags & MPTCP_INFO_FLAG_FALLBACK) !== 0
  info.remoteKeyReceived = (info.flags & MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED) !== 0
  return info
}
