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

const adopted = new WeakSet<object>()

/** A tls.TLSSocket that also answers multipath / mptcpInfo() / subflows(). */
export class MptcpTLSSocket extends tls.TLSSocket implements MultipathStats {
  declare readonly multipath: Multipath
  declare mptcpInfo: () => MptcpInfo | null
  declare subflows: () => Subflow[]

  /** TLS sockets given the stats by adoptTls() answer `instanceof MptcpTLSSocket` too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (this === MptcpTLSSocket && typeof value === 'object' && value !== null && adopted.has(value)) ||
      Function.prototype[Symbol.hasInstance].call(this, value)
  }
}
Object.defineProperties(MptcpTLSSocket.prototype, statsDescriptors)

/** Gives a TLS socket the multipath stats as own members (a prototype swap would slow V8 down on it, see adopt()). */
export function adoptTls<T extends tls.TLSSocket>(socket: T): T & MultipathStats {
  if (!(socket instanceof tls.TLSSocket) || 'mptcpInfo' in socket) return socket as T & MultipathStats
  Object.defineProperties(socket, statsDescriptors)
  adopted.add(socket)
  return socket as T & MultipathStats
}
