import { decodeLayout, type Layout } from './layout'

/** struct tcp_info (include/uapi/linux/tcp.h). Times in microseconds unless noted; absent when not returned. */
export interface TcpInfo {
  state: number
  caState: number
  retransmits: number
  probes: number
  backoff: number
  options: number
  sndWscale: number
  rcvWscale: number
  rto: number
  ato: number
  sndMss: number
  rcvMss: number
  unacked: number
  sacked: number
  lost: number
  retrans: number
  fackets: number
  /** ms */ lastDataSent: number
  /** ms */ lastAckSent: number
  /** ms */ lastDataRecv: number
  /** ms */ lastAckRecv: number
  pmtu: number
  rcvSsthresh: number
  rtt: number
  rttvar: number
  sndSsthresh: number
  sndCwnd: number
  advmss: number
  reordering: number
  rcvRtt?: number
  rcvSpace?: number
  totalRetrans?: number
  /** bytes/s */ pacingRate?: bigint
  maxPacingRate?: bigint
  bytesAcked?: bigint
  bytesReceived?: bigint
  segsOut?: number
  segsIn?: number
  notsentBytes?: number
  minRtt?: number
  dataSegsIn?: number
  dataSegsOut?: number
  /** bytes/s */ deliveryRate?: bigint
  busyTime?: bigint
  rwndLimited?: bigint
  sndbufLimited?: bigint
  delivered?: number
  deliveredCe?: number
  bytesSent?: bigint
  bytesRetrans?: bigint
  dsackDups?: number
  reordSeen?: number
  rcvOoopack?: number
  sndWnd?: number
  rcvWnd?: number
  rehash?: number
  totalRto?: number
  totalRtoRecoveries?: number
  /** ms */ totalRtoTime?: number
}

export const tcpInfoLayout: Layout = [
  ['state', 0, 'u8'],
  ['caState', 1, 'u8'],
  ['retransmits', 2, 'u8'],
  ['probes', 3, 'u8'],
  ['backoff', 4, 'u8'],
  ['options', 5, 'u8'],
  ['rto', 8, 'u32'],
  ['ato', 12, 'u32'],
  ['sndMss', 16, 'u32'],
  ['rcvMss', 20, 'u32'],
  ['unacked', 24, 'u32'],
  ['sacked', 28, 'u32'],
  ['lost', 32, 'u32'],
  ['retrans', 36, 'u32'],
  ['fackets', 40, 'u32'],
  ['lastDataSent', 44, 'u32'],
  ['lastAckSent', 48, 'u32'],
  ['lastDataRecv', 52, 'u32'],
  ['lastAckRecv', 56, 'u32'],
  ['pmtu', 60, 'u32'],
  ['rcvSsthresh', 64, 'u32'],
  ['rtt', 68, 'u32'],
  ['rttvar', 72, 'u32'],
  ['sndSsthresh', 76, 'u32'],
  ['sndCwnd', 80, 'u32'],
  ['advmss', 84, 'u32'],
  ['reordering', 88, 'u32'],
  ['rcvRtt', 92, 'u32'],
  ['rcvSpace', 96, 'u32'],
  ['totalRetrans', 100, 'u32'],
  ['pacingRate', 104, 'u64'],
  ['maxPacingRate', 112, 'u64'],
  ['bytesAcked', 120, 'u64'],
  ['bytesReceived', 128, 'u64'],
  ['segsOut', 136, 'u32'],
  ['segsIn', 140, 'u32'],
  ['notsentBytes', 144, 'u32'],
  ['minRtt', 148, 'u32'],
  ['dataSegsIn', 152, 'u32'],
  ['dataSegsOut', 156, 'u32'],
  ['deliveryRate', 160, 'u64'],
  ['busyTime', 168, 'u64'],
  ['rwndLimited', 176, 'u64'],
  ['sndbufLimited', 184, 'u64'],
  ['delivered', 192, 'u32'],
  ['deliveredCe', 196, 'u32'],
  ['bytesSent', 200, 'u64'],
  ['bytesRetrans', 208, 'u64'],
  ['dsackDups', 216, 'u32'],
  ['reordSeen', 220, 'u32'],
  ['rcvOoopack', 224, 'u32'],
  ['sndWnd', 228, 'u32'],
  ['rcvWnd', 232, 'u32'],
  ['rehash', 236, 'u32'],
  ['totalRto', 240, 'u16'],
  ['totalRtoRecoveries', 242, 'u16'],
  ['totalRtoTime', 244, 'u32'],
]

/** The 2.6-era struct, up to `reordering`: anything shorter is not a tcp_info. */
export const TCP_INFO_MIN_SIZE = 92

export function decodeTcpInfo(buf: Buffer, length = buf.length): TcpInfo | null {
  if (Math.min(length, buf.length) < TCP_INFO_MIN_SIZE) return null
  const info = decodeLayout(tcpInfoLayout, buf, length) as unknown as TcpInfo
  const wscale = buf.readUInt8(6)
  info.sndWscale = wscale & 0x0f
  info.rcvWscale = wscale >> 4
  return info
}
