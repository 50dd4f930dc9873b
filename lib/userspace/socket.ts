import net = require('node:net')
import { Duplex } from 'node:stream'
import type { MptcpInfo } from '../decode/mptcp-info'
import type { Subflow } from '../decode/subflows'
import type { AddressInfo } from './engine'
import { userspaceMptcpInfo, userspaceSubflows } from './info'
import { Transport, type AppSide, type SubflowRecord } from './transport'
import type { EngineOptions } from './engine'

// The user-facing connection: a Duplex shaped like mptcp.Socket. Either it runs the userspace protocol over
// a Transport, or (client, kernel MPTCP worked) it passes bytes straight through to the kernel socket.

interface KernelSocket extends net.Socket {
  multipath?: 'kernel' | 'userspace' | false
  mptcpInfo?(): MptcpInfo | null
  subflows?(): Subflow[]
}

export interface UserspaceSocketHooks {
  /** Client: the connection is established; open extra subflows. */
  onEstablished?(s: UserspaceSocket): void
  onAddAddr?(s: UserspaceSocket, a: AddressInfo): void
  onRemoveAddr?(s: UserspaceSocket, id: number): void
  onSubflowGone?(s: UserspaceSocket, id: number, record: SubflowRecord): void
  onSubflowOpen?(s: UserspaceSocket, record: SubflowRecord): void
  onSubflowHealth?(s: UserspaceSocket, record: SubflowRecord, healthy: boolean): void
  onClosed?(s: UserspaceSocket): void
  joinFailed?(sf: number): void
}

/** net's `onread` option: data is copied into `buffer` and handed to `callback` instead of 'data' events. */
export interface OnRead {
  buffer: Uint8Array | (() => Uint8Array)
  callback(bytesWritten: number, buf: Uint8Array): boolean | void
}

export class UserspaceSocket extends Duplex {
  transport: Transport | null = null
  private inner: KernelSocket | null = null
  private mode: 'pending' | 'userspace' | 'passthrough' = 'pending'
  connecting = true
  private readonly ext: UserspaceSocketHooks
  private pendingWrite: (() => void) | null = null
  private pendingFinal: ((err?: Error | null) => void) | null = null
  private idleTimer: NodeJS.Timeout | null = null
  timeout: number | undefined
  private readBytes = 0
  private writtenBytes = 0
  private noDelay: boolean | undefined
  private keepAlive: [boolean, number] | undefined
  /** Local addresses in use (for mptcpInfo().localAddrUsed). */
  localAddrs = new Set<string>()

  private readonly onread: OnRead | undefined
  private readonly halfOpen: boolean

  constructor(options: { allowHalfOpen?: boolean; onread?: OnRead | undefined } = {}, hooks: UserspaceSocketHooks = {}) {
    // allowHalfOpen: false is applied one turn after 'end' instead of inside it: a consumer that wraps this
    // stream (TLS through a JSStreamSocket) still gets to write its answer to the last bytes it read.
    super({ allowHalfOpen: true, emitClose: true, autoDestroy: true, decodeStrings: true })
    this.halfOpen = options.allowHalfOpen === true
    this.ext = hooks
    this.onread = options.onread
    this.once('end', () => {
      if (!this.halfOpen) setImmediate(() => !this.writableEnded && !this.destroyed && this.end())
    })
  }

  private pushEnd(): void {
    this.push(null)
    // With onread nothing consumes the stream: read(0) lets 'end' be emitted, as net does.
    if (this.onread) this.read(0)
  }

  /** net.Socket's list of addresses tried while dialing the first subflow. */
  get autoSelectFamilyAttemptedAddresses(): string[] | undefined {
    return (this.initial as (net.Socket & { autoSelectFamilyAttemptedAddresses?: string[] }) | null)?.autoSelectFamilyAttemptedAddresses
  }

  private deliver(b: Buffer): boolean {
    this.readBytes += b.length
    this.activity()
    if (!this.onread) return this.push(b)
    // onread: copy into the caller's buffer, in pieces of its size; a false return pauses like net does.
    let ok = true
    for (let off = 0; off < b.length; ) {
      const target = typeof this.onread.buffer === 'function' ? this.onread.buffer() : this.onread.buffer
      const n = Math.min(target.length, b.length - off)
      target.set(b.subarray(off, off + n), 0)
      off += n
      if (this.onread.callback(n, target) === false) ok = false
    }
    if (!ok) this.pause()
    return ok
  }

  // ---- modes ---------------------------------------------------------------------------------------------

  /** Run the userspace protocol; returns the transport so the caller can add the first subflow. */
  startUserspace(engineOptions: EngineOptions): Transport {
    this.mode = 'userspace'
    const app: AppSide = {
      data: (b) => {
        this.deliver(b)
      },
      end: () => this.pushEnd(),
      established: () => this.onEstablished(),
      closed: (err) => this.onEngineClosed(err),
      writable: () => {
        const cb = this.pendingWrite
        this.pendingWrite = null
        cb?.()
      },
      finAcked: () => {
        const fin = this.pendingFinal
        this.pendingFinal = null
        fin?.()
      },
      appBuffered: () => this.readableLength,
      addAddr: (a) => this.ext.onAddAddr?.(this, a),
      removeAddr: (id) => this.ext.onRemoveAddr?.(this, id),
      joinFailed: (sf) => this.ext.joinFailed?.(sf),
      subflowGone: (id, rec) => this.ext.onSubflowGone?.(this, id, rec),
      subflowOpen: (rec) => this.ext.onSubflowOpen?.(this, rec),
      subflowHealth: (rec, healthy) => this.ext.onSubflowHealth?.(this, rec, healthy),
    }
    this.transport = new Transport(engineOptions, app)
    if (this.noDelay !== undefined) this.transport.setNoDelay(this.noDelay)
    if (this.keepAlive) this.transport.setKeepAlive(...this.keepAlive)
    return this.transport
  }

  /** Pass bytes through to a kernel (MPTCP) socket. */
  startPassthrough(sock: KernelSocket): void {
    this.mode = 'passthrough'
    this.inner = sock
    sock.on('data', (b: Buffer) => {
      if (!this.deliver(b)) sock.pause()
    })
    sock.on('end', () => this.pushEnd())
    sock.on('error', (err) => this.destroy(err))
    sock.on('close', () => {
      if (!this.destroyed) this.destroy()
    })
    this.connecting = false
    this.emit('connect')
    this.emit('ready')
  }

  private onEstablished(): void {
    this.connecting = false
    if (this.transport?.engine.role === 'client') {
      this.emit('connect')
      this.emit('ready')
    }
    this.ext.onEstablished?.(this)
  }

  private onEngineClosed(err: Error | null): void {
    const fin = this.pendingFinal
    this.pendingFinal = null
    fin?.()
    this.ext.onClosed?.(this)
    if (err) this.destroy(err)
    else if (!this.readableEnded && this.readable) {
      // The peer finished both directions; let our reader drain what is buffered.
    }
  }

  /** A failure before the connection could be set up (connect error, handshake refused). */
  fail(err: Error): void {
    this.destroy(err)
  }

  // ---- Duplex ---------------------------------------------------------------------------------------------

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writtenBytes += chunk.length
    this.activity()
    if (this.mode === 'passthrough') {
      this.inner!.write(chunk, cb)
      return
    }
    const engine = this.transport?.engine
    if (!engine) {
      // Not started yet (client still dialing): hold the write until the mode is known.
      this.once('mptcp:started', () => this._write(chunk, _enc, cb))
      this.writtenBytes -= chunk.length
      return
    }
    if (engine.state === 'closed') return cb(engine.closeError ?? Object.assign(new Error('write after close'), { code: 'EPIPE' }))
    if (engine.write(chunk)) cb()
    else this.pendingWrite = () => cb()
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.mode === 'passthrough') {
      this.inner!.end(() => cb())
      return
    }
    const engine = this.transport?.engine
    if (!engine) {
      this.once('mptcp:started', () => this._final(cb))
      return
    }
    if (engine.state === 'closed') return cb()
    engine.end()
    if (engine.ended.write) return cb()
    this.pendingFinal = cb
  }

  override _read(): void {
    if (this.mode === 'passthrough') this.inner?.resume()
    else this.transport?.engine.windowUpdate()
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    if (this.mode === 'passthrough') {
      this.inner?.destroy()
    } else if (this.transport) {
      const e = this.transport.engine
      // As close(2) on an MPTCP socket: nothing unread and no error is a DATA_FIN, otherwise a fast close.
      if (e.state !== 'closed' && !err && this.readableLength === 0 && e.state === 'established') e.close()
      else {
        if (e.state !== 'closed') e.abort(err)
        this.transport.destroyAll()
      }
    }
    this.emit('mptcp:destroyed')
    // Like net.Socket, whose 'close' waits for the handle to close: never in the same tick as 'end'.
    setImmediate(() => cb(err))
  }

  /** Called by the client once the mode is known, to release held writes. */
  started(): void {
    this.emit('mptcp:started')
  }

  // ---- net.Socket surface ------------------------------------------------------------------------------

  /** 'userspace' while the userspace protocol carries the connection; 'kernel' or false when passed through. */
  get multipath(): 'userspace' | 'kernel' | false {
    if (this.mode === 'passthrough') return this.inner?.multipath ?? false
    return this.mode === 'userspace' ? 'userspace' : false
  }

  mptcpInfo(): MptcpInfo | null {
    if (this.mode === 'passthrough') return this.inner?.mptcpInfo?.() ?? null
    if (!this.transport || !this.transport.engine.keys) return null
    return userspaceMptcpInfo(this.transport, Math.max(1, this.localAddrs.size))
  }

  subflows(): Subflow[] {
    if (this.mode === 'passthrough') return this.inner?.subflows?.() ?? []
    return this.transport ? userspaceSubflows(this.transport) : []
  }

  /** Mark a subflow (by id from subflows()) as backup or active. */
  setBackup(id: number, backup: boolean): void {
    this.transport?.engine.setBackup(id, backup)
  }

  private firstSocket(): net.Socket | null {
    if (this.mode === 'passthrough') return this.inner
    return this.transport?.first()?.socket ?? this.initial
  }

  /** Client: the socket of the first subflow while it is still connecting. */
  initial: net.Socket | null = null

  get remoteAddress(): string | undefined {
    return this.firstSocket()?.remoteAddress
  }
  get remotePort(): number | undefined {
    return this.firstSocket()?.remotePort
  }
  get remoteFamily(): string | undefined {
    return this.firstSocket()?.remoteFamily
  }
  get localAddress(): string | undefined {
    return this.firstSocket()?.localAddress
  }
  get localPort(): number | undefined {
    return this.firstSocket()?.localPort
  }
  get localFamily(): string | undefined {
    return (this.firstSocket() as (net.Socket & { localFamily?: string }) | null)?.localFamily
  }
  address(): net.AddressInfo | {} {
    return this.firstSocket()?.address() ?? {}
  }
  get bytesRead(): number {
    return this.readBytes
  }
  get bytesWritten(): number {
    return this.writtenBytes
  }
  get pending(): boolean {
    return this.connecting
  }
  get readyState(): string {
    if (this.connecting) return 'opening'
    if (this.readable && this.writable) return 'open'
    if (this.readable && !this.writable) return 'readOnly'
    if (!this.readable && this.writable) return 'writeOnly'
    return 'closed'
  }
  get bufferSize(): number {
    return this.writableLength
  }

  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay
    if (this.mode === 'passthrough') this.inner?.setNoDelay(noDelay)
    else if (this.transport) this.transport.setNoDelay(noDelay)
    else this.initial?.setNoDelay(noDelay)
    return this
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this.keepAlive = [enable, initialDelay]
    if (this.mode === 'passthrough') this.inner?.setKeepAlive(enable, initialDelay)
    else if (this.transport) this.transport.setKeepAlive(enable, initialDelay)
    else this.initial?.setKeepAlive(enable, initialDelay)
    return this
  }

  /** Idle timeout over the whole connection (any subflow's traffic counts), like net.Socket#setTimeout. */
  setTimeout(ms: number, cb?: () => void): this {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
    this.timeout = ms
    if (cb) {
      if (ms === 0) this.removeListener('timeout', cb)
      else this.once('timeout', cb)
    }
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), ms)
      this.idleTimer.unref()
    }
    return this
  }

  private activity(): void {
    this.idleTimer?.refresh()
  }

  ref(): this {
    if (this.mode === 'passthrough') this.inner?.ref()
    else this.transport?.ref(true)
    this.initial?.ref()
    return this
  }

  unref(): this {
    if (this.mode === 'passthrough') this.inner?.unref()
    else this.transport?.ref(false)
    this.initial?.unref()
    return this
  }

  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  /** Fast close (the peer gets ECONNRESET), like net.Socket#resetAndDestroy's RST. */
  resetAndDestroy(): this {
    if (this.transport && this.transport.engine.state !== 'closed') this.transport.engine.abort(null)
    this.destroy()
    return this
  }
}
