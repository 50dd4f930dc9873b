import net = require('node:net')
import { fdOf, isMptcp } from '../sockopt'
import { FirstFrame, JoinGuard, Registry } from './acceptor'
import { familyOf, isLoopback, isUsable, plainAddress, usableAddresses } from './addresses'
import { watchAddresses } from './address-watch'
import type { Engine } from './engine'
import { ErrorCode, MAGIC, encode, type ErrorCodeValue } from './frames'
import { engineOptions, type UserspaceOptions } from './options'
import { UserspaceSocket } from './socket'
import type { Transport } from './transport'

// Server side of `mptcp: 'userspace'`: every accepted connection is kernel MPTCP (handed over as is), plain TCP
// (handed over with its first bytes put back) or a userspace subflow (a new connection or a join).

const DEFAULT_DETECT_MS = 250
const MAX_PENDING_HANDSHAKES = 1024
const REJECT_DESTROY_MS = 1000
const MAX_ADDR_ID = 255

export interface UserspaceServerStats {
  connections: number
  joinsAccepted: number
  joinsRejected: number
  joinsRateLimited: number
  plain: number
  kernel: number
}

type Emit = (socket: net.Socket | UserspaceSocket) => void

export class UserspaceAcceptor {
  readonly registry = new Registry()
  readonly guard: JoinGuard
  readonly stats: UserspaceServerStats = { connections: 0, joinsAccepted: 0, joinsRejected: 0, joinsRateLimited: 0, plain: 0, kernel: 0 }
  private readonly transports = new Map<Engine, Transport>()
  /** Connections whose handshake has not finished (bounded: each holds a key pair and a timer). */
  private pendingHandshakes = 0

  constructor(
    private readonly server: net.Server,
    private readonly options: UserspaceOptions,
    private readonly allowHalfOpen: boolean,
  ) {
    this.guard = new JoinGuard(Date.now, options.joinLimits)
  }

  handle(socket: net.Socket, emit: Emit): void {
    if (isMptcp(fdOf(socket))) {
      this.stats.kernel++
      return emit(socket)
    }
    this.detect(socket, emit)
  }

  // Client-first protocols send at once, so the first byte decides without delay; a silent client (a
  // server-first protocol) is handed over as plain TCP after detectTimeout.
  private detect(socket: net.Socket, emit: Emit): void {
    const chunks: Buffer[] = []
    let total = 0
    let done = false
    const finish = (kind: 'plain' | 'userspace') => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.removeListener('readable', onReadable)
      socket.removeListener('end', onEnd)
      socket.removeListener('error', onError)
      const buf = Buffer.concat(chunks, total)
      if (kind === 'userspace') return this.userspace(socket, buf, emit)
      this.stats.plain++
      if (buf.length) {
        socket.unshift(buf)
        // http.Server would consume the handle directly and miss the bytes put back: make it read the stream.
        const h = (socket as unknown as { _handle?: { _consumed?: boolean } })._handle
        if (h) h._consumed = true
      }
      emit(socket)
    }
    const onReadable = () => {
      let c: Buffer | null
      while ((c = socket.read() as Buffer | null) !== null) {
        chunks.push(c)
        total += c.length
      }
      if (total === 0) return
      const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
      const n = Math.min(head.length, MAGIC.length)
      if (!head.subarray(0, n).equals(MAGIC.subarray(0, n))) return finish('plain')
      if (n === MAGIC.length) finish('userspace')
    }
    const onEnd = () => finish('plain')
    const onError = () => {
      done = true
      clearTimeout(timer)
      socket.destroy()
    }
    const timer = setTimeout(() => finish('plain'), this.options.detectTimeout ?? DEFAULT_DETECT_MS)
    socket.on('readable', onReadable)
    socket.on('end', onEnd)
    socket.on('error', onError)
  }

  private userspace(socket: net.Socket, head: Buffer, emit: Emit): void {
    const ff = new FirstFrame()
    const timeout = setTimeout(() => socket.destroy(), this.options.handshakeTimeout ?? 10_000)
    timeout.unref()
    const onError = () => socket.destroy()
    const onData = (chunk: Buffer) => {
      const r = ff.push(chunk)
      if (r.kind === 'pending') return
      clearTimeout(timeout)
      socket.removeListener('data', onData)
      socket.removeListener('error', onError)
      if (r.kind === 'error') return this.reject(socket, r.code, r.message)
      if (r.kind === 'hello') {
        if (this.pendingHandshakes >= MAX_PENDING_HANDSHAKES) return this.reject(socket, ErrorCode.RATE_LIMITED, 'too many handshakes in progress')
        return this.newConnection(socket, r.frame, r.rest, emit)
      }
      this.join(socket, r.frame, r.rest)
    }
    socket.on('error', onError)
    socket.on('data', onData)
    onData(head)
  }

  private newConnection(socket: net.Socket, hello: Parameters<Engine['acceptInitial']>[1], rest: Buffer, emit: Emit): void {
    let engine: Engine | null = null
    let pending = true
    const settle = () => {
      if (pending) this.pendingHandshakes--
      pending = false
    }
    this.pendingHandshakes++
    const swallow = () => {}
    const us = new UserspaceSocket(
      { allowHalfOpen: this.allowHalfOpen },
      {
        onEstablished: (s) => {
          settle()
          this.stats.connections++
          s.removeListener('error', swallow)
          emit(s)
          this.announce(s)
        },
        onClosed: () => {
          settle()
          if (engine) {
            this.registry.remove(engine)
            this.transports.delete(engine)
          }
        },
        joinFailed: (sf) => {
          const src = us.transport?.subflows.get(sf)?.socket.remoteAddress
          this.stats.joinsRejected++
          if (src) this.guard.fail(src)
        },
      },
    )
    us.on('error', swallow) // failures before the application has the socket have nowhere to go
    const t = us.startUserspace({ role: 'server', ...engineOptions(this.options) })
    engine = t.engine
    this.transports.set(engine, t)
    const id = t.add(socket)
    us.started()
    t.engine.acceptInitial(id, hello, rest.length ? Buffer.from(rest) : undefined)
    if (t.engine.state === 'closed') return
    if (!this.registry.add(t.engine)) t.engine.abort(new Error('token collision'))
  }

  private join(socket: net.Socket, frame: Parameters<Engine['acceptJoin']>[1], rest: Buffer): void {
    const source = socket.remoteAddress ?? ''
    if (!this.guard.allowed(source)) {
      this.stats.joinsRateLimited++
      return this.reject(socket, ErrorCode.RATE_LIMITED, 'too many failed joins')
    }
    const engine = this.registry.get(frame.token)
    const t = engine && this.transports.get(engine)
    if (!engine || !t) {
      this.guard.fail(source)
      this.stats.joinsRejected++
      return this.reject(socket, ErrorCode.UNKNOWN_TOKEN, 'unknown token')
    }
    const id = t.add(socket)
    engine.acceptJoin(id, frame, rest.length ? Buffer.from(rest) : undefined)
    if (engine.subs.get(id)?.state !== 'closed') this.stats.joinsAccepted++
  }

  private reject(socket: net.Socket, code: ErrorCodeValue, message: string): void {
    socket.on('error', () => {})
    socket.end(Buffer.concat([MAGIC, encode.error(code, message)]))
    setTimeout(() => socket.destroy(), REJECT_DESTROY_MS).unref()
  }

  private announce(us: UserspaceSocket): void {
    const t = us.transport
    if (!t || this.options.announce === false) return
    const first = t.first()?.socket
    const addr = this.server.address()
    if (!first || !addr || typeof addr === 'string') return
    const local = plainAddress(first.localAddress ?? '')
    const fam = familyOf(local)
    const loop = isLoopback(local)
    const wildcard = addr.address === '::' || addr.address === '0.0.0.0'
    const list = this.options.announce ?? (wildcard ? usableAddresses(fam, loop) : [])
    // Ids are never reused on a connection: a REMOVE_ADDR names its id only.
    const ids = new Map<string, number>()
    let nextId = 1
    const add = (a: string) => {
      const p = plainAddress(a)
      if (p === local || familyOf(p) !== fam || ids.has(p) || nextId > MAX_ADDR_ID) return
      ids.set(p, nextId)
      t.engine.announce({ id: nextId++, family: fam, address: p, port: addr.port })
    }
    for (const a of list) add(a)
    if (!wildcard || this.options.announce !== undefined || this.options.watchAddresses === false) return
    const unwatch = watchAddresses((added, removed) => {
      if (t.engine.state !== 'established') return
      for (const a of removed.map(plainAddress)) {
        const id = ids.get(a)
        if (id === undefined) continue
        ids.delete(a)
        t.engine.removeAddress(id)
      }
      for (const a of added) if (isUsable(plainAddress(a), fam, loop)) add(a)
    })
    us.once('close', unwatch)
  }
}

const attachedServers = new WeakSet<net.Server>()

/**
 * Gives any net.Server (http, https, tls, or one a framework made) the `mptcp: 'userspace'` acceptor: its
 * 'connection' listeners get kernel-MPTCP and plain TCP sockets as before, and a UserspaceSocket for clients
 * of the userspace protocol. Idempotent.
 */
export function attachUserspace(server: net.Server, options: UserspaceOptions = {}): UserspaceAcceptor | null {
  if (attachedServers.has(server)) return null
  attachedServers.add(server)
  const acceptor = new UserspaceAcceptor(server, options, (server as net.Server & { allowHalfOpen?: boolean }).allowHalfOpen === true)
  const emit = server.emit as (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean
  server.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection' && args[0] instanceof net.Socket) {
      acceptor.handle(args[0], (s) => emit.call(this, 'connection', s))
      return true
    }
    return emit.call(this, event, ...args)
  } as net.Server['emit']
  return acceptor
}
