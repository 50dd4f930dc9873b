import net = require('node:net')
import tls = require('node:tls')
import { connect as netConnect, type MptcpSocketOptions, type NetConnectOpts } from '../socket'
import { attach } from './listen'
import { adoptTls, type MptcpTLSSocket } from './tls-socket'

export type ConnectionOptions = tls.ConnectionOptions & MptcpSocketOptions
export type TlsOptions = tls.TlsOptions & MptcpSocketOptions
export { MptcpTLSSocket, adoptTls } from './tls-socket'
export type { MultipathStats } from './tls-socket'

type Normalized = [options: ConnectionOptions, cb?: () => void]
const netNormalizeArgs = (net as unknown as { _normalizeArgs(args: unknown[]): [Record<string, unknown>, unknown] })
  ._normalizeArgs

/** tls.connect()'s argument forms: (options[, cb]), (port[, host][, options][, cb]). */
export function normalizeConnectArgs(args: unknown[]): Normalized {
  const [options, cb] = netNormalizeArgs(args) as [ConnectionOptions, (() => void) | undefined]
  if (args[1] !== null && typeof args[1] === 'object') Object.assign(options, args[1])
  else if (args[2] !== null && typeof args[2] === 'object') Object.assign(options, args[2])
  return cb ? [options, cb] : [options]
}

// What the TCP connection under TLS needs; the rest of the options belong to TLS.
const socketKeys = [
  'host', 'port', 'family', 'hints', 'lookup', 'localAddress', 'localPort', 'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout', 'allowHalfOpen', 'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'mptcp',
] as const

export function socketOptions(options: Record<string, unknown>): NetConnectOpts {
  const out: Record<string, unknown> = {}
  for (const key of socketKeys) if (options[key] !== undefined) out[key] = options[key]
  return out as unknown as NetConnectOpts
}

/** Whether TLS should run over a socket we open: not when the caller brought one or asked for a Unix socket. */
export function needsSocket(options: { socket?: unknown; path?: unknown }): boolean {
  return options.socket == null && options.path == null
}

/**
 * tls.connect() over an MPTCP connection: same arguments and events; SNI (`servername`), certificate and
 * hostname checks are tls's own. The TCP part honours the `mptcp` option.
 */
export function connect(options: ConnectionOptions, secureConnectListener?: () => void): MptcpTLSSocket
export function connect(port: number, host?: string, options?: ConnectionOptions, secureConnectListener?: () => void): MptcpTLSSocket
export function connect(port: number, options?: ConnectionOptions, secureConnectListener?: () => void): MptcpTLSSocket
export function connect(...args: unknown[]): MptcpTLSSocket {
  const [options, cb] = normalizeConnectArgs(args)
  if (!needsSocket(options)) return adoptTls(tls.connect(options, cb)) as MptcpTLSSocket
  const socket = netConnect(socketOptions(options as Record<string, unknown>))
  return adoptTls(tls.connect({ ...options, socket }, cb)) as MptcpTLSSocket
}

/** tls.createServer(), listening over MPTCP; `options.mptcp` as for net. */
export function createServer(secureConnectionListener?: (socket: MptcpTLSSocket) => void): tls.Server
export function createServer(options: TlsOptions, secureConnectionListener?: (socket: MptcpTLSSocket) => void): tls.Server
export function createServer(options?: unknown, listener?: unknown): tls.Server {
  if (typeof options === 'function') return attach(tls.createServer(options as () => void))
  const { mptcp, ...rest } = (options ?? {}) as TlsOptions
  return attach(tls.createServer(rest, listener as () => void), mptcp)
}
