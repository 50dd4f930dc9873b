import net = require('node:net')
import { MptcpUnavailableError, uvExceptionWithHostPort } from './errors'
import { openListener } from './listen'
import { policy, validateMptcpOption, type MptcpOption } from './policy'
import { adopt, type MptcpSocketOptions } from './socket'
import { kernelSupport } from './support'
import { UserspaceAcceptor, attachUserspace } from './userspace'

export type ServerOpts = net.ServerOpts & MptcpSocketOptions

type ConnectionListener = (socket: import('./socket').Socket) => void

const kMode = Symbol('mptcp.mode')
const kUserspace = Symbol('mptcp.userspace')

type Listen2 = (
  address: string | null,
  port: number | null,
  addressType: number | null,
  backlog: number | undefined,
  fd?: number,
  flags?: number,
) => void

interface NetServerInternals {
  _handle: unknown
  _listen2: Listen2
  _connectionKey?: string
}

export class Server extends net.Server {
  [kMode]: MptcpOption | undefined

  constructor(connectionListener?: ConnectionListener)
  constructor(options?: ServerOpts, connectionListener?: ConnectionListener)
  constructor(options?: ServerOpts | ConnectionListener, connectionListener?: ConnectionListener) {
    if (typeof options === 'function') {
      super(options as (socket: net.Socket) => void)
    } else {
      super(options ?? {}, connectionListener as ((socket: net.Socket) => void) | undefined)
    }
    this[kMode] = typeof options === 'object' && options !== null ? validateMptcpOption(options.mptcp) : undefined
    if (this[kMode] === 'userspace' && policy.listen && typeof options === 'object') {
      this[kUserspace] = new UserspaceAcceptor(this, options.userspace ?? {}, options.allowHalfOpen === true)
    }
  }

  [kUserspace]: UserspaceAcceptor | undefined

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const acceptor = this[kUserspace]
    if (event === 'connection' && acceptor && args[0] instanceof net.Socket) {
      acceptor.handle(args[0], (s) => {
        adopt(s)
        super.emit('connection', s)
      })
      return true
    }
    if (event === 'connection') adopt(args[0])
    return super.emit(event, ...args)
  }
}

const netListen2 = (net.Server.prototype as unknown as NetServerInternals)._listen2

// net calls _listen2 once it has settled address, port and flags (after lookup, cluster and signal
// handling). For a TCP listen without a handle yet, open the MPTCP socket here and let net adopt it.
function listen2(this: Server & NetServerInternals, ...args: Parameters<Listen2>): void {
  const [address, port, addressType, backlog, fd, flags] = args
  const isTcp = !(port === -1 && addressType === -1)
  const mode = this[kMode]
  if (this._handle || (typeof fd === 'number' && fd >= 0) || !isTcp || mode === false) {
    return netListen2.apply(this, args)
  }
  const kernel = kernelSupport()
  if (!kernel.available || !policy.listen) {
    if (mode !== 'require') return netListen2.apply(this, args)
    const reason = kernel.reason ?? `listeners disabled by ${policy.source}`
    process.nextTick(() => this.emit('error', new MptcpUnavailableError(reason)))
    return
  }
  const l = openListener(address, port ?? 0, addressType ?? 4, flags ?? 0)
  if (!('fd' in l)) {
    const err = uvExceptionWithHostPort(l.errno, 'listen', l.address, port ?? 0)
    process.nextTick(() => this.emit('error', err))
    return
  }
  netListen2.call(this, null, null, null, backlog, l.fd, flags)
  if (this._handle) this._connectionKey = `${l.addressType}:${l.address}:${port}`
}

Object.defineProperty(Server.prototype, '_listen2', { configurable: true, writable: true, value: listen2 })

/** Makes any net.Server (http, https, tls, http2, a framework's) open its TCP listeners over MPTCP, as Server does. */
export function useMptcpListener(server: net.Server, mode?: MptcpOption): void {
  ;(server as Server)[kMode] = mode
  if (mode === 'userspace' && policy.listen && !(server instanceof Server)) attachUserspace(server)
  Object.defineProperty(server, '_listen2', { configurable: true, writable: true, value: listen2 })
}

/** net.createServer(), listening over MPTCP. */
export function createServer(connectionListener?: ConnectionListener): Server
export function createServer(options?: ServerOpts, connectionListener?: ConnectionListener): Server
export function createServer(options?: ServerOpts | ConnectionListener, connectionListener?: ConnectionListener): Server {
  return typeof options === 'function' ? new Server(options) : new Server(options, connectionListener)
}
