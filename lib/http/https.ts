import https = require('node:https')
import type http = require('node:http')
import type { Duplex } from 'node:stream'
import { connect, type MptcpSocketOptions } from '../socket'
import { attach } from './listen'
import { withAgent } from './request'
import { needsSocket, socketOptions } from './tls'
import { adoptTls } from './tls-socket'

export type AgentOptions = https.AgentOptions & MptcpSocketOptions
export type ServerOptions = https.ServerOptions & MptcpSocketOptions

type CreateConnection = (this: https.Agent, options: object, cb?: unknown) => Duplex
const tlsCreateConnection = (https.Agent.prototype as unknown as { createConnection: CreateConnection }).createConnection

/**
 * https.Agent whose TLS runs over MPTCP connections. TLS is https.Agent's own (session reuse, SNI from
 * `servername`/host, certificate and hostname checks, keep-alive): only the TCP connection under it changes.
 */
export class Agent extends https.Agent {
  constructor(options?: AgentOptions) {
    super(options)
  }

  override createConnection(options: Record<string, unknown>, cb?: (err: Error | null, socket: Duplex) => void): Duplex {
    if (!needsSocket(options)) return tlsCreateConnection.call(this, options, cb)
    const socket = connect(socketOptions(options))
    return adoptTls(tlsCreateConnection.call(this, { ...options, socket }, cb) as import('node:tls').TLSSocket)
  }
}

/** Like https.globalAgent (keep-alive), over MPTCP; used by this module's request() and get(). */
export const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 })

/** https.request() with the MPTCP globalAgent unless the caller passes an agent. */
export const request = withAgent(https.request, () => globalAgent)
/** https.get() with the MPTCP globalAgent unless the caller passes an agent. */
export const get = withAgent(https.get, () => globalAgent)

/** https.createServer(), listening over MPTCP; req.socket answers multipath/mptcpInfo()/subflows(). */
export function createServer(requestListener?: http.RequestListener): https.Server
export function createServer(options: ServerOptions, requestListener?: http.RequestListener): https.Server
export function createServer(options?: unknown, listener?: unknown): https.Server {
  if (typeof options === 'function' || options === undefined) return attach(https.createServer(options as http.RequestListener))
  const { mptcp, ...rest } = options as ServerOptions
  return attach(https.createServer(rest, listener as http.RequestListener), mptcp)
}
