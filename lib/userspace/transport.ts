import net = require('node:net')
import { native } from '../binding'
import { fdOf, tcpPathSample } from '../sockopt'
import { Engine, type AddressInfo, type EngineHooks, type EngineOptions } from './engine'

// Wires an Engine to net.Socket subflows: socket bytes into engine.receive(), engine frames onto sockets,
// socket loss into engine.subflowClosed(), and a 100 ms tick.

export interface AppSide {
  data(buf: Buffer): void
  end(): void
  established(): void
  closed(err: Error | null): void
  writable(): void
  finAcked?(): void
  appBuffered(): number
  addAddr?(a: AddressInfo): void
  removeAddr?(id: number): void
  joinFailed?(sf: number): void
  subflowGone?(sf: number, record: SubflowRecord): void
  subflowOpen?(record: SubflowRecord): void
  subflowHealth?(record: SubflowRecord, healthy: boolean): void
}

export interface SubflowRecord {
  id: number
  socket: net.Socket
  backup: boolean
  /** Client: the path this subflow was opened for (re-opened when it fails). */
  path?: { local?: string; remote: string; port: number; addrId: number }
}

const TICK_MS = 50
const IPPROTO_TCP = 6
const TCP_NOTSENT_LOWAT = 25
// Keep little unsent data in the kernel: queued bytes then stay visible to the scheduler, and a segment
// (reinjected, or on a slow path) does not wait behind a deep kernel queue. Sized to ~5 ms of the subflow's
// measured rate once known (a slow path gets a short queue, loopback a long one: fewer syscalls).
const INITIAL_LOWAT = 128 * 1024
const MIN_LOWAT = 16 * 1024
const MAX_LOWAT = 4 * 1024 * 1024

function uncork(s: net.Socket): void {
  s.uncork()
}

function limitKernelQueue(socket: net.Socket, bytes: number): void {
  const fd = fdOf(socket)
  if (native && fd >= 0) native.setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, Math.round(bytes))
}
const DESTROY_AFTER_MS = 1000

export class Transport {
  readonly engine: Engine
  readonly subflows = new Map<number, SubflowRecord>()
  private nextId = 1
  private timer: NodeJS.Timeout | null
  // Connection-level ACKs are small frames: Nagle would hold them behind unacked data (40 ms stalls).
  private noDelay: boolean | undefined = true
  private keepAlive: [boolean, number] | undefined
  private refed = true

  constructor(options: EngineOptions, private readonly app: AppSide) {
    const hooks: EngineHooks = {
      send: (sf, chunks) => this.send(sf, chunks),
      backlog: (sf) => this.subflows.get(sf)?.socket.writableLength ?? 0,
      data: (b) => app.data(b),
      end: () => app.end(),
      established: () => app.established(),
      closeSubflow: (sf, graceful) => this.closeSubflow(sf, graceful),
      closed: (err) => this.onClosed(err),
      writable: () => app.writable(),
      finAcked: () => app.finAcked?.(),
      defer: (fn) => setImmediate(fn),
      rateChanged: (sf, rate) => {
        const s = this.subflows.get(sf)?.socket
        if (s) limitKernelQueue(s, Math.min(MAX_LOWAT, Math.max(MIN_LOWAT, rate * 0.005)))
      },
      appBuffered: () => app.appBuffered(),
      addAddr: (a) => app.addAddr?.(a),
      removeAddr: (id) => app.removeAddr?.(id),
      joinFailed: (sf) => app.joinFailed?.(sf),
      subflowOpen: (sf) => {
        const rec = this.subflows.get(sf)
        if (rec) app.subflowOpen?.(rec)
      },
      healthChanged: (sf, healthy) => {
        const rec = this.subflows.get(sf)
        if (rec) app.subflowHealth?.(rec, healthy)
      },
    }
    this.engine = new Engine(options, hooks)
    this.timer = setInterval(() => {
      this.samplePaths()
      this.engine.tick()
    }, TICK_MS)
    this.timer.unref()
  }

  // Where the addon can read tcp_info, the scheduler gets the kernel's RTT and delivery rate of each subflow.
  private samplePaths(): void {
    if (!native) return
    for (const [id, rec] of this.subflows) {
      const p = tcpPathSample(fdOf(rec.socket))
      if (p) this.engine.pathInfo(id, p.rttUs / 1000, p.deliveryRate, p.appLimited)
    }
  }

  /** Register a connected socket as a subflow; its bytes go to the engine from now on. */
  add(socket: net.Socket, record: Partial<SubflowRecord> = {}): number {
    const id = this.nextId++
    const rec: SubflowRecord = { id, socket, backup: record.backup ?? false, ...(record.path && { path: record.path }) }
    this.subflows.set(id, rec)
    if (this.noDelay !== undefined) socket.setNoDelay(this.noDelay)
    if (this.keepAlive) socket.setKeepAlive(...this.keepAlive)
    if (!this.refed) socket.unref()
    limitKernelQueue(socket, INITIAL_LOWAT)
    socket.on('data', (chunk: Buffer) => this.engine.receive(id, chunk))
    socket.on('drain', () => this.engine.drained(id))
    socket.on('error', () => {})
    socket.on('end', () => {
      this.engine.subflowClosed(id)
      if (!socket.destroyed) socket.end()
    })
    socket.on('close', () => {
      this.engine.subflowClosed(id)
      if (this.subflows.get(id) === rec) {
        this.subflows.delete(id)
        this.app.subflowGone?.(id, rec)
      }
    })
    return id
  }

  private send(sf: number, chunks: Buffer[]): void {
    const s = this.subflows.get(sf)?.socket
    if (!s || s.destroyed || !s.writable) return
    // Everything written to a subflow in one tick goes out as one writev (one syscall, not one per frame).
    if (s.writableCorked === 0) {
      s.cork()
      process.nextTick(uncork, s)
    }
    for (const c of chunks) s.write(c)
  }

  private closeSubflow(sf: number, graceful: boolean): void {
    const s = this.subflows.get(sf)?.socket
    if (!s || s.destroyed) return
    s.end()
    if (!graceful) setTimeout(() => s.destroy(), DESTROY_AFTER_MS).unref()
  }

  private onClosed(err: Error | null): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.app.closed(err)
  }

  first(): SubflowRecord | undefined {
    return this.subflows.values().next().value
  }

  setNoDelay(noDelay: boolean): void {
    this.noDelay = noDelay
    for (const r of this.subflows.values()) r.socket.setNoDelay(noDelay)
  }

  setKeepAlive(enable: boolean, delay: number): void {
    this.keepAlive = [enable, delay]
    for (const r of this.subflows.values()) r.socket.setKeepAlive(enable, delay)
  }

  ref(refed: boolean): void {
    this.refed = refed
    for (const r of this.subflows.values()) (refed ? r.socket.ref() : r.socket.unref())
  }

  /** Destroy every subflow now (after an abort the FAST_CLOSE frames are already queued). */
  destroyAll(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    for (const r of this.subflows.values()) {
      const s = r.socket
      s.end()
      setTimeout(() => s.destroy(), 200).unref()
    }
  }
}
