import net = require('node:net')
import diagnostics = require('node:diagnostics_channel')
import { native } from './binding'
import { armHandle, type Dialer, type TcpHandle } from './dial'
import { MptcpUnavailableError, invalidArgValue } from './errors'
import type { Endpoint } from './decode/sockaddr'
import type { MptcpInfo } from './decode/mptcp-info'
import type { Subflow } from './decode/subflows'
import { policy, validateMptcpOption, type MptcpOption } from './policy'
import { fdOf, isMptcp, mptcpInfo, mptcpSubflows, tcpInfo } from './sockopt'
import { kernelSupport } from './support'
import { connectUserspace, type UserspaceOptions, type UserspaceSocket } from './userspace'

export interface MptcpSocketOptions {
  /** true (default): MPTCP where the kernel can, plain TCP otherwise; false: plain TCP; 'require': MPTCP or an error. */
  mptcp?: MptcpOption
  /** Settings of the userspace multipath stack (with `mptcp: 'userspace'`). */
  userspace?: UserspaceOptions
}

export type SocketConstructorOpts = net.SocketConstructorOpts & MptcpSocketOptions
export type TcpSocketConnectOpts = net.TcpSocketConnectOpts & MptcpSocketOptions
export type SocketConnectOpts = net.SocketConnectOpts & MptcpSocketOptions
export type NetConnectOpts = net.NetConnectOpts & MptcpSocketOptions

/** How a connection is carried right now. */
export type Multipath = 'kernel' | 'userspace' | false

type NormalizedArgs = [options: Record<string, unknown>, cb: (() => void) | null]
type LookupFn = (host: string, opts: object, cb: (...args: unknown[]) => void) => void

const netNormalizeArgs = (net as unknown as { _normalizeArgs(args: unknown[]): NormalizedArgs })._normalizeArgs
// net marks arrays it already normalized with a private symbol; connect() passes such an array on.
const normalizedArgs = Object.getOwnPropertySymbols(netNormalizeArgs([]))[0]

function normalizeArgs(args: unknown[]): NormalizedArgs {
  const first = args[0] as Record<symbol, unknown> | undefined
  if (Array.isArray(first) && normalizedArgs && first[normalizedArgs]) return first as unknown as NormalizedArgs
  return netNormalizeArgs(args)
}
const clientSocketChannel = diagnostics.channel('net.client.socket')
const kReinitializeHandle = Object.getOwnPropertySymbols(net.Socket.prototype).find(
  (s) => s.description === 'kReinitializeHandle',
)
const kMode = Symbol('mptcp.mode')
const kDialer = Symbol('mptcp.dialer')

export function handleOf(socket: net.Socket): TcpHandle | null {
  return ((socket as unknown as { _handle?: TcpHandle | null })._handle ?? null) as TcpHandle | null
}

// A lookup that answers synchronously would make net connect before connect() returns, before the
// handle is armed; deferring its callback one tick keeps the order net itself relies on.
function deferredLookup(lookup: LookupFn): LookupFn {
  return (host, opts, cb) => {
    let sync = true
    lookup(host, opts, (...args) => (sync ? process.nextTick(() => cb(...args)) : cb(...args)))
    sync = false
  }
}

export class Socket extends net.Socket {
  [kMode]: MptcpOption | undefined;
  [kDialer]: Dialer | null = null

  /** Sockets a server accepted answer `instanceof mptcp.Socket` too (see adopt()). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (this === Socket && typeof value === 'object' && value !== null && adopted.has(value)) ||
      Function.prototype[Symbol.hasInstance].call(this, value)
  }

  constructor(options?: SocketConstructorOpts) {
    super(options)
    this[kMode] = validateMptcpOption(options?.mptcp)
  }

  /** 'kernel' while the connection is MPTCP, false if it is (or fell back to) plain TCP. Asked afresh each time. */
  get multipath(): Multipath {
    return isMptcp(fdOf(this)) ? 'kernel' : false
  }

  /** Decoded MPTCP_INFO, or null when the connection is not MPTCP. */
  mptcpInfo(): MptcpInfo | null {
    return mptcpInfo(fdOf(this))
  }

  /** One record per subflow; a plain TCP connection has one, from TCP_INFO. */
  subflows(): Subflow[] {
    const fd = fdOf(this)
    if (fd < 0) return []
    const list = mptcpSubflows(fd)
    if (typeof list !== 'number') return list
    // Still MPTCP but the kernel lists nothing (subflows already closed), or no peer (not connected): none.
    const remote = endpoint(this.remoteAddress, this.remoteFamily, this.remotePort)
    if (!native || !remote || isMptcp(fd)) return []
    return [{ id: 1, local: endpoint(this.localAddress, this.localFamily, this.localPort), remote, tcpInfo: tcpInfo(fd) }]
  }

  override connect(options: SocketConnectOpts, connectionListener?: () => void): this
  override connect(port: number, host: string, connectionListener?: () => void): this
  override connect(port: number, connectionListener?: () => void): this
  override connect(path: string, connectionListener?: () => void): this
  override connect(...args: unknown[]): this {
    let normalized = normalizeArgs(args)
    const [options, cb] = normalized
    const mode = validateMptcpOption(options.mptcp) ?? this[kMode]
    if (mode === 'userspace' && options.path == null && policy.dial) {
      // The userspace stack is a different object (a Duplex over several subflows): only connect() can return it.
      // (With dialers switched off by NODE_MPTCP it is plain TCP, like every other mode.)
      throw invalidArgValue('options.mptcp', mode, "works with mptcp.connect(), not with Socket.prototype.connect()")
    }
    this[kMode] = mode
    this[kDialer] = null
    if (options.path != null || mode === false) return super.connect(normalized as never)

    const kernel = kernelSupport()
    const usable = kernel.available && policy.dial
    if (!usable && mode !== 'require') return super.connect(normalized as never)
    if (typeof options.lookup === 'function') {
      const opts = { ...options, lookup: deferredLookup(options.lookup as LookupFn) }
      normalized = normalizeArgs(cb ? [opts, cb] : [opts])
    }
    super.connect(normalized as never)
    if (!usable) {
      this.destroy(new MptcpUnavailableError(kernel.reason ?? `dialers disabled by ${policy.source}`))
      return this
    }
    const handle = handleOf(this)
    if (handle) {
      this[kDialer] = { require: mode === 'require', destroy: (err) => this.destroy(err) }
      armHandle(handle, this[kDialer])
    }
    return this
  }
}

function endpoint(address: string | undefined, family: string | undefined, port: number | undefined): Endpoint | null {
  if (!address || port === undefined) return null
  return { address, family: family === 'IPv6' ? 'IPv6' : 'IPv4', port }
}

// Happy eyeballs gives each attempt after the first a fresh handle: arm it too.
if (kReinitializeHandle) {
  const reinit = (net.Socket.prototype as unknown as Record<symbol, (h: TcpHandle) => void>)[kReinitializeHandle]!
  Object.defineProperty(Socket.prototype, kReinitializeHandle, {
    configurable: true,
    writable: true,
    value: function (this: Socket, handle: TcpHandle) {
      reinit.call(this, handle)
      const dialer = this[kDialer]
      if (dialer) armHandle(handle, dialer)
    },
  })
}

const adopted = new WeakSet<object>()
const statsMembers: PropertyDescriptorMap = {
  multipath: { configurable: true, get: Object.getOwnPropertyDescriptor(Socket.prototype, 'multipath')!.get },
  mptcpInfo: { configurable: true, writable: true, value: Socket.prototype.mptcpInfo },
  subflows: { configurable: true, writable: true, value: Socket.prototype.subflows },
}

/** Makes a socket that net.Server accepted an mptcp.Socket (same object, so nothing else changes). */
export function adopt(socket: unknown): void {
  // Only a plain net.Socket: a subclass an app emits (a TLSSocket, say) keeps its own class. Own members, not a
  // prototype swap: V8 runs the whole http stack measurably slower on objects whose prototype changed.
  if (socket instanceof net.Socket && Object.getPrototypeOf(socket) === net.Socket.prototype) {
    Object.defineProperties(socket, statsMembers)
    adopted.add(socket)
  }
}

/** net.connect(), over MPTCP. With `mptcp: 'userspace'` the result is a UserspaceSocket (same surface, a Duplex). */
export function connect(options: NetConnectOpts, connectionListener?: () => void): Socket
export function connect(port: number, host?: string, connectionListener?: () => void): Socket
export function connect(path: string, connectionListener?: () => void): Socket
export function connect(...args: unknown[]): Socket {
  const normalized = normalizeArgs(args)
  const options = normalized[0] as SocketConstructorOpts & { timeout?: number }
  if (options.mptcp === 'userspace' && (options as { path?: unknown }).path == null && policy.dial) {
    const us: UserspaceSocket = connectUserspace(options as Record<string, unknown>, normalized[1], (o) => connect(o as unknown as NetConnectOpts))
    return us as unknown as Socket
  }
  const socket = new Socket(options)
  if (clientSocketChannel.hasSubscribers) clientSocketChannel.publish({ socket })
  if (options.timeout) socket.setTimeout(options.timeout)
  return socket.connect(normalized as never)
}
