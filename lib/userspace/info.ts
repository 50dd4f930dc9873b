import type { MptcpInfo } from '../decode/mptcp-info'
import type { Subflow } from '../decode/subflows'
import type { Endpoint } from '../decode/sockaddr'
import { fdOf, tcpInfo } from '../sockopt'
import type { Transport } from './transport'
import { plainAddress } from './addresses'

// mptcpInfo() and subflows() in the kernel-mode shapes (lib/decode), filled from the engine's own counters.

export function userspaceMptcpInfo(t: Transport, localAddrs: number): MptcpInfo {
  const e = t.engine
  const subflowsTotal = [...e.subs.values()].filter((s) => s.state === 'open').length
  const now = e.now()
  const since = (t0: number) => (t0 ? Math.max(0, Math.round(now - t0)) : 0)
  const times = e.lastTimes
  return {
    subflows: Math.max(0, subflowsTotal - 1),
    addAddrSignal: e.role === 'server' ? e.addAddrSent : e.addAddrReceived,
    addAddrAccepted: e.role === 'client' ? e.addAddrReceived : 0,
    subflowsMax: e.opts.maxSubflows,
    addAddrSignalMax: 8,
    addAddrAcceptedMax: 8,
    flags: e.keys ? 2 : 0,
    fallback: false,
    remoteKeyReceived: e.keys !== null,
    token: e.keys ? e.keys.token.readUInt32BE(0) : 0,
    writeSeq: BigInt(e.sndNxt),
    sndUna: BigInt(e.sndUna),
    rcvNxt: BigInt(e.rcvNxt),
    localAddrUsed: localAddrs,
    localAddrMax: 8,
    csumEnabled: 0,
    retransmits: e.retransmits,
    bytesRetrans: BigInt(e.bytesRetrans),
    bytesSent: BigInt(e.bytesSent),
    bytesReceived: BigInt(e.bytesReceived),
    bytesAcked: BigInt(e.bytesAcked),
    subflowsTotal,
    lastDataSent: since(times.dataSent),
    lastDataRecv: since(times.dataRecv),
    lastAckRecv: since(times.ackRecv),
  }
}

function endpoint(address: string | undefined, port: number | undefined): Endpoint | null {
  if (!address || port === undefined) return null
  const a = plainAddress(address)
  return { address: a, family: a.includes(':') ? 'IPv6' : 'IPv4', port }
}

export interface UserspaceSubflow extends Subflow {
  backup: boolean
  /** The engine's view: RTT (ms, from PING/PONG), bytes in flight, delivery rate (bytes/s), healthy. */
  userspace: { srtt: number; inflight: number; rate: number; healthy: boolean; bytesSent: number; bytesReceived: number }
}

export function userspaceSubflows(t: Transport): UserspaceSubflow[] {
  const out: UserspaceSubflow[] = []
  for (const r of t.subflows.values()) {
    const s = t.engine.subs.get(r.id)
    if (!s || s.state !== 'open') continue
    out.push({
      id: r.id,
      local: endpoint(r.socket.localAddress, r.socket.localPort),
      remote: endpoint(r.socket.remoteAddress, r.socket.remotePort),
      tcpInfo: tcpInfo(fdOf(r.socket)),
      backup: s.backup,
      userspace: { srtt: s.srtt, inflight: s.inflight, rate: Math.round(s.rate), healthy: s.healthy, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived },
    })
  }
  return out
}
