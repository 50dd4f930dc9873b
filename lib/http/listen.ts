import net = require('node:net')
import tls = require('node:tls')
import { validateMptcpOption, type MptcpOption } from '../policy'
import { useMptcpListener } from '../server'
import { adopt, type MptcpSocketOptions } from '../socket'
import { adoptTls } from './tls-socket'

const attached = new WeakSet<net.Server>()

/**
 * Makes a server's accepted connections mptcp.Socket instances (and its TLS connections answer the same
 * multipath/mptcpInfo()/subflows()), whatever net.Server subclass it is.
 */
export function adoptConnections(server: net.Server): void {
  if (attached.has(server)) return
  attached.add(server)
  const emit = server.emit as (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean
  server.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection' || event === 'secureConnection') {
      // Apps also emit 'connection' themselves (proxies hand TLS sockets or other streams to http servers):
      // only a plain net.Socket changes class.
      const socket = args[0]
      if (socket instanceof tls.TLSSocket) adoptTls(socket)
      else if (socket instanceof net.Socket && Object.getPrototypeOf(socket) === net.Socket.prototype) adopt(socket)
    }
    return emit.call(this, event, ...args)
  } as net.Server['emit']
}

/**
 * Gives any net.Server (http, https, tls, http2, or the one express/fastify/koa made) MPTCP listeners from its
 * next listen() on; `mode` is the `mptcp` option (true, false, 'require'). Returns the server.
 */
export function attach<S extends net.Server>(server: S, mode?: MptcpOption): S {
  if (!(server instanceof net.Server)) {
    const err = new TypeError('The "server" argument must be an instance of net.Server') as TypeError & { code: string }
    err.code = 'ERR_INVALID_ARG_TYPE'
    throw err
  }
  useMptcpListener(server, validateMptcpOption(mode, 'mode'))
  adoptConnections(server)
  return server
}

/**
 * `server.listen(...args)` over MPTCP, for any net.Server. Takes exactly net's listen arguments; a listen
 * options object may also carry `mptcp: true | false | 'require'`.
 */
export function listen<S extends net.Server>(server: S, port?: number, hostname?: string, backlog?: number, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, port?: number, hostname?: string, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, port?: number, backlog?: number, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, port?: number, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, path: string, backlog?: number, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, path: string, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, options: net.ListenOptions & MptcpSocketOptions, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, handle: unknown, backlog?: number, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, handle: unknown, listeningListener?: () => void): S
export function listen<S extends net.Server>(server: S, ...args: unknown[]): S {
  const first = args[0] as { mptcp?: unknown } | undefined
  const mode = first !== null && typeof first === 'object' && 'mptcp' in first ? validateMptcpOption(first.mptcp) : undefined
  attach(server, mode)
  ;(server.listen as (...a: unknown[]) => net.Server).apply(server, args)
  return server
}
