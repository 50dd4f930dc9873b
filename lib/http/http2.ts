import http2 = require('node:http2')
import net = require('node:net')
import type { Duplex } from 'node:stream'
import { connect as netConnect, type MptcpSocketOptions } from '../socket'
import { attach } from './listen'
import { connect as tlsConnect, type ConnectionOptions } from './tls'

export type ServerOptions = http2.ServerOptions & MptcpSocketOptions
export type SecureServerOptions = http2.SecureServerOptions & MptcpSocketOptions
export type ClientSessionOptions = http2.SecureClientSessionOptions & MptcpSocketOptions

type OnRequest = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => void

/** http2.createServer() (h2c), listening over MPTCP; `options.mptcp` as for net. */
export function createServer(onRequestHandler?: OnRequest): http2.Http2Server
export function createServer(options: ServerOptions, onRequestHandler?: OnRequest): http2.Http2Server
export function createServer(options?: unknown, listener?: unknown): http2.Http2Server {
  if (typeof options === 'function' || options === undefined) return attach(http2.createServer(options as OnRequest))
  const { mptcp, ...rest } = options as ServerOptions
  return attach(http2.createServer(rest, listener as OnRequest), mptcp)
}

/** http2.createSecureServer(), listening over MPTCP; `options.mptcp` as for net. */
export function createSecureServer(options: SecureServerOptions, onRequestHandler?: OnRequest): http2.Http2SecureServer {
  const { mptcp, ...rest } = options ?? {}
  return attach(http2.createSecureServer(rest, onRequestHandler), mptcp)
}

/**
 * http2.connect() over an MPTCP connection, for `http:` (h2c) and `https:` authorities. TLS is set up as
 * http2.connect() does it (ALPN h2, SNI from the host name unless it is an IP or `servername` says otherwise,
 * certificate checks); a `createConnection` of the caller's wins.
 */
export function connect(authority: string | URL, listener?: (session: http2.ClientHttp2Session) => void): http2.ClientHttp2Session
export function connect(authority: string | URL, options?: ClientSessionOptions, listener?: (session: http2.ClientHttp2Session) => void): http2.ClientHttp2Session
export function connect(authority: string | URL, options?: unknown, listener?: unknown): http2.ClientHttp2Session {
  if (typeof options === 'function') {
    listener = options
    options = undefined
  }
  const opts = { ...((options ?? {}) as ClientSessionOptions) }
  if (!opts.createConnection) opts.createConnection = (url: URL) => createConnection(url, opts)
  return http2.connect(authority, opts, listener as ((session: http2.ClientHttp2Session) => void) | undefined)
}

function createConnection(url: URL, options: ClientSessionOptions): Duplex {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const socket = { host, ...(options.mptcp !== undefined && { mptcp: options.mptcp }) }
  if (url.protocol === 'http:') return netConnect({ ...socket, port: Number(url.port) || 80 })
  const tlsOptions: ConnectionOptions = { ...(options as ConnectionOptions), ...socket, port: Number(url.port) || 443 }
  tlsOptions.ALPNProtocols = ['h2']
  if (tlsOptions.servername === undefined && net.isIP(host) === 0) tlsOptions.servername = host
  delete (tlsOptions as { createConnection?: unknown }).createConnection
  return tlsConnect(tlsOptions)
}
