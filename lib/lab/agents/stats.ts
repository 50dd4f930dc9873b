import type { Socket } from '../../socket'

/** One subflow as a JSON-friendly record (bigints become numbers). */
export interface SubflowSample {
  id: number
  local: string
  remote: string
  localPort: number
  remotePort: number
  bytesAcked: number
  bytesReceived: number
  bytesSent: number
  rtt: number
  cwnd: number
  state: number
}

const num = (v: bigint | number | undefined): number => (v === undefined ? 0 : Number(v))

export function subflowSamples(socket: Socket): SubflowSample[] {
  let list: ReturnType<Socket['subflows']>
  try {
    list = socket.subflows()
  } catch {
    return []
  }
  return list.map((s) => ({
    id: s.id,
    local: s.local?.address ?? '',
    remote: s.remote?.address ?? '',
    localPort: s.local?.port ?? 0,
    remotePort: s.remote?.port ?? 0,
    bytesAcked: num(s.tcpInfo?.bytesAcked),
    bytesReceived: num(s.tcpInfo?.bytesReceived),
    bytesSent: num(s.tcpInfo?.bytesSent),
    rtt: s.tcpInfo?.rtt ?? 0,
    cwnd: s.tcpInfo?.sndCwnd ?? 0,
    state: s.tcpInfo?.state ?? 0,
  }))
}

export interface InfoSample {
  subflowsTotal?: number
  fallback?: boolean
  bytesSent?: number
  bytesReceived?: number
  bytesRetrans?: number
}

export function infoSample(socket: Socket): InfoSample | null {
  let info: ReturnType<Socket['mptcpInfo']>
  try {
    info = socket.mptcpInfo()
  } catch {
    return null
  }
  if (!info) return null
  const out: InfoSample = {}
  if (info.subflowsTotal !== undefined) out.subflowsTotal = info.subflowsTotal
  if (info.fallback !== undefined) out.fallback = info.fallback
  if (info.bytesSent !== undefined) out.bytesSent = num(info.bytesSent)
  if (info.bytesReceived !== undefined) out.bytesReceived = num(info.bytesReceived)
  if (info.bytesRetrans !== undefined) out.bytesRetrans = num(info.bytesRetrans)
  return out
}
