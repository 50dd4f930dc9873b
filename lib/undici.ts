import type net = require('node:net')
import type tls = require('node:tls')
import { MptcpError } from './errors'
import type { MptcpOption } from './policy'
import { connect as netConnect } from './socket'
import { connect as tlsConnect } from './http/tls'

// undici is not a dependency: the connector needs nothing from it, and the Agent helpers use the undici the
// application installed (or the module passed in), loaded on first use.

/** What undici passes to a `connect` function. */
export interface ConnectParams {
  hostname: string
  host?: string
  protocol: string
  port: string | number
  servername?: string | null
  localAddress?: string | null
  httpSocket?: net.Socket
}
export type ConnectCallback = (err: Error | null, socket?: net.Socket | tls.TLSSocket) => void
/** undici's connector shape: `new undici.Agent({ connect })`, also for Client and Pool. */
export type Connector = (params: ConnectParams, callback: ConnectCallback) => net.Socket | tls.TLSSocket

export interface ConnectorOptions extends Omit<tls.ConnectionOptions, 'timeout'> {
  /** Connect timeout in ms (undici's default 10 s; 0 disables). */
  timeout?: number | null
  maxCachedSessions?: number | null
  allowH2?: boolean
  socketPath?: string | null
  keepAlive?: boolean | null
  keepAliveInitialDelay?: number
  /** The socket's `mptcp` option: true (default), false, 'require'. */
  mptcp?: MptcpOption
}

/** The parts of an undici module used here (any undici >= 5). */
export interface UndiciModule {
  Agent: new (options: Record<string, unknown>) => Dispatcher
  setGlobalDispatcher(dispatcher: Dispatcher): void
  errors?: { ConnectTimeoutError?: new (message: string) => Error }
}
/** An undici Dispatcher (Agent); typed loosely so this package does not need undici's types. */
export interface Dispatcher {
  dispatch(options: object, handler: object): boolean
  close(): Promise<void>
  destroy(err?: Error | null): Promise<void>
}

class SessionCache {
  readonly #max: number
  readonly #map = new Map<string, Buffer>()
  constructor(max: number) {
    this.#max = max
  }
  get(key: string): Buffer | undefined {
    return this.#map.get(key)
  }
  set(key: string, session: Buffer): void {
    if (this.#max === 0) return
    this.#map.delete(key)
    if (this.#map.size >= this.#max) this.#map.delete(this.#map.keys().next().value!)
    this.#map.set(key, session)
  }
}

function serverName(host: string | undefined): string | null {
  if (!host) return null
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '')
  return /^[\d.]+$/.test(name) || name.includes(':') ? null : name
}

let undiciErrors: UndiciModule['errors'] | undefined
function connectTimeoutError(hostname: string, port: string | number, timeout: number): Error {
  const message = `Connect Timeout Error (attempted address: ${hostname}:${port}, timeout: ${timeout}ms)`
  const Ctor = undiciErrors?.ConnectTimeoutError
  if (Ctor) return new Ctor(message)
  const err = new MptcpError('UND_ERR_CONNECT_TIMEOUT', message)
  err.name = 'ConnectTimeoutError'
  return err
}

/**
 * An undici connector whose connections are MPTCP (TLS on top for https, with SNI, session reuse and
 * certificate checks as undici's own connector does them).
 */
export function connector(options: ConnectorOptions = {}): Connector {
  const { allowH2 = false, maxCachedSessions, socketPath, timeout, mptcp, ...opts } = options
  const sessions = new SessionCache(maxCachedSessions ?? 100)
  const connectTimeout = timeout ?? 10e3
  return function connect({ hostname, host, protocol, port, servername, localAddress, httpSocket }, callback) {
    let socket: net.Socket | tls.TLSSocket
    const common = { ...opts, ...(socketPath ? { path: socketPath } : {}), mptcp, localAddress: localAddress ?? undefined, host: hostname }
    if (protocol === 'https:') {
      const name = servername || opts.servername || serverName(host) || undefined
      const key = name || hostname
      port = port || 443
      socket = tlsConnect(<tls.ConnectionOptions>{
        highWaterMark: 16384,
        ...common,
        servername: name,
        session: opts.session ?? sessions.get(key),
        ALPNProtocols: allowH2 ? ['http/1.1', 'h2'] : ['http/1.1'],
        ...(httpSocket ? { socket: httpSocket } : {}),
        port: Number(port),
      })
      socket.on('session', (session: Buffer) => sessions.set(key, session))
    } else {
      port = port || 80
      socket = netConnect({ highWaterMark: 64 * 1024, ...common, port: Number(port) } as never)
    }
    if (opts.keepAlive == null || opts.keepAlive) socket.setKeepAlive(true, opts.keepAliveInitialDelay ?? 60e3)

    let timer: NodeJS.Timeout | null = null
    if (connectTimeout) {
      timer = setTimeout(() => socket.destroy(connectTimeoutError(hostname, port, connectTimeout)), connectTimeout)
      timer.unref()
    }
    let cb: ConnectCallback | null = callback
    const finish = (err: Error | null) => {
      if (timer) clearTimeout(timer)
      timer = null
      const done = cb
      cb = null
      if (done) err ? done(err) : done(null, socket)
    }
    socket
      .setNoDelay(true)
      .once(protocol === 'https:' ? 'secureConnect' : 'connect', () => finish(null))
      .on('error', (err: Error) => finish(err))
    return socket
  }
}

function loadUndici(given?: UndiciModule): UndiciModule {
  if (given) return given
  try {
    return require('undici') as UndiciModule
  } catch (cause) {
    const err = new MptcpError(
      'ERR_MPTCP_UNDICI_MISSING',
      "mptcp.undici needs the 'undici' package (npm install undici), or pass it: { undici: require('undici') }",
    )
    ;(err as Error & { cause?: unknown }).cause = cause
    throw err
  }
}

export interface AgentOptions extends Record<string, unknown> {
  /** Connector options (as undici's `connect` object), or your own connector to wrap nothing. */
  connect?: ConnectorOptions | Connector
  /** The `mptcp` option for every connection. */
  mptcp?: MptcpOption
  /** The undici module to build the Agent with; default: require('undici'). */
  undici?: UndiciModule
}

/** `new undici.Agent(options)` whose connections are MPTCP. Works as `dispatcher` for fetch and undici. */
export function createAgent(options: AgentOptions = {}): Dispatcher {
  const { connect, mptcp, undici, ...agentOptions } = options
  const mod = loadUndici(undici)
  undiciErrors ??= mod.errors
  const connectFn = typeof connect === 'function' ? connect : connector({ ...connect, ...(mptcp !== undefined ? { mptcp } : {}) })
  return new mod.Agent({ ...agentOptions, connect: connectFn })
}

/** Makes an MPTCP Agent undici's global dispatcher: built-in fetch and undici's request/fetch then use MPTCP. */
export function install(options: AgentOptions = {}): Dispatcher {
  const agent = createAgent(options)
  loadUndici(options.undici).setGlobalDispatcher(agent)
  return agent
}

let shared: Dispatcher | undefined
/** Built-in fetch over MPTCP (a shared MPTCP Agent unless `init.dispatcher` is given). */
export function fetch(input: string | URL | Request, init: RequestInit & { dispatcher?: Dispatcher } = {}): Promise<Response> {
  shared ??= createAgent()
  return globalThis.fetch(input, { dispatcher: shared, ...init } as RequestInit)
}
