import net = require('node:net')
import { native } from '../binding'
import * as c from '../constants'
import { adoptConnections } from '../http/listen'
import { Server, useMptcpListener } from '../server'

type Listen2 = (this: net.Server & Internals, address: string | null, port: number | null, addressType: number | null, ...rest: unknown[]) => void
interface Internals {
  _handle: { fd?: number } | null
  _listen2: Listen2
}

function protocolOf(fd: number | undefined): number {
  if (typeof fd !== 'number' || fd < 0 || !native) return -1
  const buf = Buffer.alloc(4)
  return native.getsockopt(fd, c.SOL_SOCKET, c.SO_PROTOCOL, buf) < 0 ? -1 : buf.readInt32LE(0)
}

/**
 * Every net.Server (and so http, https, tls, http2 and the frameworks' servers) opens its TCP listeners over
 * MPTCP. net calls _listen2 only for a listener it must create: Unix paths, handles and fds pass through to net.
 */
export function patchListeners(debug: (fmt: string, ...args: unknown[]) => void): void {
  const proto = net.Server.prototype as unknown as Internals
  const netListen2 = proto._listen2
  proto._listen2 = function (this: net.Server & Internals, address, port, addressType, ...rest) {
    const fd = rest[1]
    const tcp = !(port === -1 && addressType === -1)
    if (this instanceof Server || this._handle || (typeof fd === 'number' && fd >= 0) || !tcp) {
      return netListen2.call(this, address, port, addressType, ...rest)
    }
    useMptcpListener(this)
    adoptConnections(this)
    this._listen2(address, port, addressType, ...rest)
    const handle = (this as Internals)._handle
    if (handle) {
      const mptcp = protocolOf(handle.fd) === c.IPPROTO_MPTCP
      const bound = this.address()
      const where = bound && typeof bound === 'object' ? `${bound.address}:${bound.port}` : String(bound)
      debug('listen %s: %s', where, mptcp ? 'MPTCP' : 'plain TCP')
    }
  }
}
