import http = require('node:http')
import type { Duplex } from 'node:stream'
import { connect, type MptcpSocketOptions, type NetConnectOpts } from '../socket'
import { attach } from './listen'
import { withAgent } from './request'

export type AgentOptions = http.AgentOptions & MptcpSocketOptions
export type ServerOptions = http.ServerOptions & MptcpSocketOptions

/**
 * http.Agent whose connections are MPTCP (keep-alive, pooling, scheduling: all http.Agent's). `mptcp` in
 * the options (or in a request's options) is the socket's `mptcp` option.
 */
export class Agent extends http.Agent {
  constructor(options?: AgentOptions) {
    super(options)
  }

  override createConnection(options: NetConnectOpts, _cb?: (err: Error | null, socket: Duplex) => void): Duplex {
    // http.Agent uses the returned socket; the callback form is only for a socket made asynchronously.
    return connect(options)
  }
}

/** Like http.globalAgent (keep-alive), over MPTCP; used by this module's request() and get(). */
export const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 })

/** http.request() with the MPTCP globalAgent unless the caller passes an agent. */
export const request = withAgent(http.request, () => globalAgent)
/** http.get() with the MPTCP globalAgent unless the caller passes an agent. */
export const get = withAgent(http.get, () => globalAgent)

/** http.createServer(), listening over MPTCP; accepted sockets (req.socket) are mptcp.Socket. */
export function createServer(requestListener?: http.RequestListener): http.Server
export function createServer(options: ServerOptions, requestListener?: http.RequestListener): http.Server
export function createServer(options?: unknown, listener?: unknown): http.Server {
  if (typeof options === 'function' || options === undefined) return attach(http.createServer(options as http.RequestListener))
  const { mptcp, ...rest } = options as ServerOptions
  return attach(http.createServer(rest, listener as http.RequestListener), mptcp)
}
