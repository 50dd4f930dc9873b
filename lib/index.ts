export * from 'node:net'
export { Socket, Socket as Stream, connect, connect as createConnection } from './socket'
export type {
  Multipath,
  MptcpSocketOptions,
  SocketConstructorOpts,
  TcpSocketConnectOpts,
  SocketConnectOpts,
  NetConnectOpts,
} from './socket'
export { Server, createServer } from './server'
export type { ServerOpts } from './server'
export { support } from './support'
export type { Support, KernelSupport } from './support'
export type { Policy, MptcpOption } from './policy'
export type { MptcpInfo } from './decode/mptcp-info'
export type { TcpInfo } from './decode/tcp-info'
export type { Subflow } from './decode/subflows'
export type { Endpoint } from './decode/sockaddr'
export { MptcpError, MptcpUnavailableError, MptcpFallbackError } from './errors'
export { UserspaceSocket } from './userspace'
export type { UserspaceOptions, UserspaceSubflow, SchedulerName } from './userspace'
export { listen, attach } from './http/listen'
export * as http from './http/http'
export * as https from './http/https'
export * as tls from './http/tls'
export * as http2 from './http/http2'
export * as undici from './undici'
export type { MultipathStats } from './http/tls-socket'
