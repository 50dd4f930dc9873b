import net = require('node:net')
import { armHandle, type Dialer, type TcpHandle } from '../dial'
import { Socket } from '../socket'

type Normalized = [Record<string, unknown>, unknown?]
type LookupFn = (host: string, opts: object, cb: (...args: unknown[]) => void) => void

const netNormalizeArgs = (net as unknown as { _normalizeArgs(args: unknown[]): Normalized })._normalizeArgs
const normalizedMark = Object.getOwnPropertySymbols(netNormalizeArgs([]))[0]
const kReinitializeHandle = Object.getOwnPropertySymbols(net.Socket.prototype).find(
  (s) => s.description === 'kReinitializeHandle',
)
const kDialer = Symbol('mptcp.register.dialer')

type Dialed = net.Socket & { _handle?: TcpHandle | null; [kDialer]?: Dialer }

function normalize(args: unknown[]): Normalized {
  const first = args[0] as Record<symbol, unknown> | undefined
  if (Array.isArray(first) && normalizedMark && first[normalizedMark]) return first as unknown as Normalized
  return netNormalizeArgs(args)
}

// A lookup answering synchronously would make net connect before the handle is armed.
function deferred(lookup: LookupFn): LookupFn {
  return (host, opts, cb) => {
    let sync = true
    lookup(host, opts, (...a) => (sync ? process.nextTick(() => cb(...a)) : cb(...a)))
    sync = false
  }
}

/**
 * Every TCP connect() made through net.Socket (net.connect, http.Agent, built-in fetch, and tls.connect, whose
 * TLSSocket connects through net.Socket.prototype.connect over a TLS handle that proxies to its TCP handle) opens
 * an MPTCP socket. Sockets are not changed otherwise (no class swap); mptcp.Socket keeps its own logic; Unix
 * paths and sockets that already have an fd are left alone.
 */
export function patchDialers(debug: (fmt: string, ...args: unknown[]) => void): void {
  const proto = net.Socket.prototype
  const netConnect = proto.connect as (this: net.Socket, ...args: unknown[]) => net.Socket
  function connect(this: Dialed, ...args: unknown[]): net.Socket {
    if (this instanceof Socket) return netConnect.apply(this, args)
    let normalized = normalize(args)
    const [options, cb] = normalized
    if (options.path != null) return netConnect.call(this, normalized)
    if (typeof options.lookup === 'function') {
      const opts = { ...options, lookup: deferred(options.lookup as LookupFn) }
      normalized = normalize(cb ? [opts, cb] : [opts])
    }
    const out = netConnect.call(this, normalized)
    const handle = this._handle
    if (handle && handle.fd < 0) {
      const dialer: Dialer = { require: false, destroy: (err) => this.destroy(err) }
      this[kDialer] = dialer
      armHandle(handle, dialer)
      debug('connect %s:%s: MPTCP', options.host ?? 'localhost', options.port)
    }
    return out
  }
  Object.defineProperty(proto, 'connect', { configurable: true, writable: true, value: connect })

  if (kReinitializeHandle) {
    const p = proto as unknown as Record<symbol, (this: Dialed, h: TcpHandle) => void>
    const reinit = p[kReinitializeHandle]!
    p[kReinitializeHandle] = function (this: Dialed, handle: TcpHandle) {
      reinit.call(this, handle)
      const dialer = this[kDialer]
      if (dialer && this._handle) armHandle(this._handle, dialer)
    }
  }
}
