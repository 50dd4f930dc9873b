import tls = require('node:tls')
import { Socket, type Multipath } from '../socket'
import type { MptcpInfo } from '../decode/mptcp-info'
import type { Subflow } from '../decode/subflows'

/** What mptcp.Socket exposes about the connection it carries; TLS sockets over MPTCP expose it too. */
export interface MultipathStats {
  readonly multipath: Multipath
  mptcpInfo(): MptcpInfo | null
  subflows(): Subflow[]
}

// A TLS socket's handle (TLSWrap) reports the fd of the TCP handle under it, so mptcp.Socket's readers,
// which only look at `_handle.fd`, work on it unchanged.
const proto = Socket.prototype as unknown as MultipathStats
const multipathGetter = Object.getOwnPropertyDescriptor(Socket.prototype, 'multipath')!.get!

const statsDescriptors: PropertyDescriptorMap = {
  multipath: {
    configurable: true,
    get(this: tls.TLSSocket): Multipath {
      return multipathGetter.call(this) as Multipath
    },
  },
  mptcpInfo: { configurable: true, writable: true, value: proto.mptcpInfo },
  subflows: { configurable: true, writable: true, value: proto.subflows },
}

/** A tls.TLSSocket that also answers multipath / mptcpInfo() / subflows(). */
export class MptcpTLSSocket extends tls.TLSSocket implements MultipathStats {
  declare readonly multipath: Multipath
  declare mptcpInfo: () => MptcpInfo | null
  declare subflows: () => Subflow[]
}
Object.defineProperties(MptcpTLSSocket.prototype, statsDescriptors)

/** Gives a TLS socket the multipath stats (prototype swap for plain TLSSockets, own properties otherwise). */
export function adoptTls<T extends tls.TLSSocket>(socket: T): T & MultipathStats {
  if (!(socket instanceof tls.TLSSocket) || 'mptcpInfo' in socket) return socket as T & MultipathStats
  if (Object.getPrototypeOf(socket) === tls.TLSSocket.prototype) Object.setPrototypeOf(socket, MptcpTLSSocket.prototype)
  else Object.defineProperties(socket, statsDescriptors)
  return socket as T & MultipathStats
}
