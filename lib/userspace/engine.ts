import crypto = require('node:crypto')
import { ErrorCode, FrameDecoder, MAGIC, type FrameSink, MAX_PAYLOAD, T, VERSIONS, encode, errorName, maxPayload, type ErrorCodeValue, type Frame } from './frames'
import { deriveKeys, generateKeyPair, macEqual, macs, hmac, sha256, sharedSecret, type ConnectionKeys, type KeyPair } from './keys'
import { Reassembly } from './reassembly'
import { choose, expectedCompletion, type SchedulerName } from './scheduler'
import { userspaceError } from './errors'

// The connection-level protocol engine (docs/userspace-protocol.md). No I/O: subflow bytes come in through
// receive(), bytes go out through hooks.send(), time comes from hooks.now() and tick().

export type Role = 'client' | 'server'

export interface AddressInfo {
  id: number
  family: 4 | 6
  address: string
  port: number
}

export interface EngineHooks {
  /** Write frames to a subflow. */
  send(sf: number, chunks: Buffer[]): void
  /** Bytes the subflow's socket has queued (not yet handed to the kernel). */
  backlog(sf: number): number
  /** In-order application data. */
  data(buf: Buffer): void
  /** The peer's DATA_FIN was reached. */
  end(): void
  established(): void
  /** The engine is done with a subflow: end it gracefully or destroy it. */
  closeSubflow(sf: number, graceful: boolean): void
  /** Connection finished (err null) or failed. Called once. */
  closed(err: Error | null): void
  /** Send buffer dropped below its limit. */
  writable(): void
  /** Bytes delivered to the application and not read yet (counts against the receive window). */
  appBuffered(): number
  addAddr?(a: AddressInfo): void
  removeAddr?(id: number): void
  /** Our DATA_FIN was acked. */
  finAcked?(): void
  /** A subflow's measured delivery rate changed (bytes/s): the transport may size its kernel queue to it. */
  rateChanged?(sf: number, rate: number): void
  /** Run fn at the end of this event-loop turn (setImmediate). Without it every chunk is acked at once. */
  defer?(fn: () => void): void
  /** A join on this engine failed (the server's rate limiter counts it). */
  joinFailed?(sf: number): void
  /** A joined subflow completed its handshake and can carry data. */
  subflowOpen?(sf: number): void
  /** A subflow went stale (no bytes for a few RTTs while it had data or a PING out) or recovered. */
  healthChanged?(sf: number, healthy: boolean): void
}

export interface EngineOptions {
  role: Role
  now?: () => number
  random?: (n: number) => Buffer
  window?: number
  sendBuffer?: number
  maxSubflows?: number
  scheduler?: SchedulerName
  handshakeTimeout?: number
  holeTimeout?: number
  idleInterval?: number
  versions?: number[]
}

type SubState = 'hello' | 'finished-wait' | 'join-ack-wait' | 'join-finished-wait' | 'open' | 'closed'

export interface Sub {
  id: number
  state: SubState
  initial: boolean
  decoder: FrameDecoder
  backup: boolean
  peerBackup: boolean
  healthy: boolean
  srtt: number
  rttvar: number
  lastRecv: number
  openedAt: number
  pingNonce: bigint | null
  pingSent: number
  /** The outstanding PING's PONG is an RTT sample: false once the subflow went stale (it would time the outage). */
  pingTimed: boolean
  inflight: number
  lastProgress: number
  rate: number
  reportedRate: number
  rateBytes: number
  rateStamp: number
  /** RTT and rate come from the kernel's tcp_info (pathInfo()) instead of PING/PONG and connection-level ACKs. */
  kernelPath: boolean
  bytesSent: number
  bytesReceived: number
  addrId: number
  nonce: Buffer | null
  peerNonce: Buffer | null
  magicSent: boolean
}

interface Segment {
  dsn: number
  buf: Buffer
  subs: number[]
  sentAt: number
  /** Already copied once to a faster subflow by opportunistic reinjection. */
  opportunistic?: boolean
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MAX_BLOCK = 256 * 1024
const MIN_BLOCK = 64 * 1024
const DEFAULT_BLOCK = 256 * 1024
const MIN_SLICE = 16 * 1024

export class Engine {
  readonly role: Role
  readonly opts: Required<Omit<EngineOptions, 'now' | 'random'>>
  private readonly hooks: EngineHooks
  readonly now: () => number
  private readonly random: (n: number) => Buffer
  readonly subs = new Map<number, Sub>()

  state: 'handshake' | 'established' | 'closed' = 'handshake'
  keys: ConnectionKeys | null = null
  private keyPair: KeyPair | null = null
  private helloRaw: Buffer | null = null
  private th2: Buffer | null = null
  private peerFinished = false
  version = 0
  /** DATA payload limit of the agreed version (version 1's until then). */
  maxPayload = MAX_PAYLOAD
  private createdAt: number

  // send side
  private unsent: Buffer[] = []
  private unsentBytes = 0
  private segments: Segment[] = []
  private reinjectQueue: Segment[] = []
  sndNxt = 0
  sndUna = 0
  private sndEdge = 0
  private finQueued = false
  private finDsn = -1
  private finAcked = false
  private writeBlocked = false
  private pumping = false

  // receive side
  rcvNxt = 0
  private rcvEdge = 0
  private advertisedEdge = 0
  private readonly ooo = new Reassembly()
  /** Bytes of out-of-order data charged against the window. */
  get oooCharged(): number {
    return this.ooo.charged
  }
  private peerFinDsn = -1
  private readEnded = false
  private lastRcvProgress = 0

  // stats
  bytesSent = 0
  bytesReceived = 0
  bytesAcked = 0
  bytesRetrans = 0
  retransmits = 0
  droppedOutOfWindow = 0
  joinsFailed = 0
  badMacs = 0
  addAddrReceived = 0
  addAddrSent = 0
  private lastDataSent = 0
  private lastDataRecv = 0
  private lastAckRecv = 0
  private rr = 0
  private pingCounter = 0n
  private announced = new Map<number, AddressInfo>()
  closeError: Error | null = null

  constructor(options: EngineOptions, hooks: EngineHooks) {
    this.role = options.role
    this.hooks = hooks
    this.now = options.now ?? Date.now
    this.random = options.random ?? crypto.randomBytes
    this.opts = {
      role: options.role,
      window: Math.min(options.window ?? 4 * 1024 * 1024, 0xffffffff),
      sendBuffer: options.sendBuffer ?? 4 * 1024 * 1024,
      maxSubflows: options.maxSubflows ?? 8,
      scheduler: options.scheduler ?? 'default',
      handshakeTimeout: options.handshakeTimeout ?? 10_000,
      holeTimeout: options.holeTimeout ?? 30_000,
      idleInterval: options.idleInterval ?? 500,
      versions: options.versions ?? VERSIONS,
    }
    this.createdAt = this.now()
    this.rcvEdge = this.opts.window
    this.advertisedEdge = this.opts.window
  }

  // ---- subflow lifecycle -------------------------------------------------------------------------------

  private decoderFor(): FrameDecoder {
    const d = new FrameDecoder(this.role === 'client')
    if (this.version) d.maxBody = maxPayload(this.version) + 8
    return d
  }

  // From the frame after the hello on, DATA may be as large as the agreed version allows.
  private setVersion(version: number): void {
    this.version = version
    this.maxPayload = maxPayload(version)
    for (const s of this.subs.values()) s.decoder.maxBody = this.maxPayload + 8
  }

  private newSub(id: number, state: SubState, initial: boolean, backup = false): Sub {
    if (this.subs.get(id)?.state !== undefined && this.subs.get(id)!.state !== 'closed') throw new RangeError(`subflow ${id} exists`)
    const now = this.now()
    const sub: Sub = {
      id,
      state,
      initial,
      decoder: this.decoderFor(),
      backup,
      peerBackup: false,
      healthy: true,
      srtt: 0,
      rttvar: 0,
      lastRecv: now,
      openedAt: now,
      pingNonce: null,
      pingSent: 0,
      pingTimed: false,
      inflight: 0,
      lastProgress: now,
      rate: 0,
      reportedRate: 0,
      rateBytes: 0,
      rateStamp: now,
      kernelPath: false,
      bytesSent: 0,
      bytesReceived: 0,
      addrId: 0,
      nonce: null,
      peerNonce: null,
      magicSent: false,
    }
    this.subs.set(id, sub)
    return sub
  }

  /** Client: start the handshake on the first subflow. */
  connect(sf: number): void {
    const sub = this.newSub(sf, 'hello', true)
    this.keyPair = generateKeyPair()
    this.helloRaw = encode.clientHello(this.opts.versions, this.random(32), this.keyPair.pub, this.opts.window)
    this.out(sub, [this.helloRaw])
  }

  /** Client: open an extra subflow (only once established). Returns false if it cannot. */
  join(sf: number, options: { backup?: boolean; addrId?: number } = {}): boolean {
    if (this.role !== 'client' || this.state !== 'established' || !this.keys) return false
    if (this.openSubCount() >= this.opts.maxSubflows) return false
    const sub = this.newSub(sf, 'join-ack-wait', false, options.backup === true)
    sub.addrId = options.addrId ?? 0
    sub.nonce = this.random(32)
    this.out(sub, [encode.join(this.keys.token, sub.nonce, sub.backup, sub.addrId)])
    return true
  }

  /** Server: a new subflow whose first frame is CLIENT_HELLO (`rest` are the bytes after it). */
  acceptInitial(sf: number, hello: Frame & { type: T.CLIENT_HELLO }, rest?: Buffer): void {
    const sub = this.newSub(sf, 'finished-wait', true)
    const common = hello.versions.filter((v) => this.opts.versions.includes(v))
    if (common.length === 0) return this.failHandshake(sub, ErrorCode.VERSION, `no common version (offered ${hello.versions.join(',')})`)
    this.setVersion(Math.max(...common))
    this.keyPair = generateKeyPair()
    const shared = sharedSecret(this.keyPair, hello.pub)
    if (!shared) return this.failHandshake(sub, ErrorCode.PROTOCOL, 'invalid key share')
    const sh = encode.serverHello(this.version, this.random(32), this.keyPair.pub, this.opts.window)
    const th1 = sha256(hello.raw, sh)
    this.keys = deriveKeys(shared, th1)
    const sf1 = encode.finished(hmac(this.keys.serverFinished, th1))
    this.th2 = sha256(hello.raw, sh, sf1)
    this.sndEdge = hello.window
    this.out(sub, [sh, sf1])
    if (rest && rest.length) this.receive(sf, rest)
  }

  /** Server: a new subflow whose first frame is JOIN for this connection's token. */
  acceptJoin(sf: number, join: Frame & { type: T.JOIN }, rest?: Buffer): void {
    const sub = this.newSub(sf, 'join-finished-wait', false, join.backup)
    sub.peerBackup = join.backup
    sub.addrId = join.addrId
    if (this.state !== 'established' || !this.keys) return this.rejectJoin(sub, ErrorCode.NOT_ESTABLISHED, 'connection not established')
    if (this.closingOrClosed()) return this.rejectJoin(sub, ErrorCode.CLOSING, 'connection closing')
    // Joins still in their handshake count too (this one included, hence the - 1); stale subflows do not: an
    // authenticated join may take the place of one (onJoinFinished).
    if (this.openSubCount() - this.staleSubCount() + this.pendingSubCount() - 1 >= this.opts.maxSubflows) return this.rejectJoin(sub, ErrorCode.TOO_MANY_SUBFLOWS, 'subflow cap reached')
    sub.peerNonce = Buffer.from(join.nonce)
    sub.nonce = this.random(32)
    this.out(sub, [encode.joinAck(sub.nonce, macs.joinServer(this.keys, sub.peerNonce, sub.nonce))])
    if (rest && rest.length) this.receive(sf, rest)
  }

  /** The transport lost a subflow (error, EOF, close). */
  subflowClosed(sf: number): void {
    const sub = this.subs.get(sf)
    if (!sub || sub.state === 'closed') return
    this.dropSub(sub)
    if (this.state === 'closed') return
    if (sub.initial && this.state === 'handshake') {
      return this.finish(userspaceError('HANDSHAKE', 'connection closed during the userspace handshake'))
    }
    if (this.doneBothWays()) return this.finish(null)
    if (this.openSubCount() === 0 && this.pendingSubCount() === 0 && this.readEnded) return this.finish(null)
    if (this.openSubCount() === 0 && this.pendingSubCount() === 0) {
      const err = Object.assign(userspaceError('RESET', 'all subflows closed'), { code: 'ECONNRESET' })
      return this.finish(err)
    }
    this.pump()
  }

  drained(_sf: number): void {
    this.pump()
  }

  setBackup(sf: number, backup: boolean): void {
    const sub = this.subs.get(sf)
    if (!sub || sub.state !== 'open') return
    sub.backup = backup
    this.out(sub, [encode.prio(backup)])
    this.pump()
  }

  /** Server: announce an address to the client. */
  announce(a: AddressInfo): void {
    if (!this.keys || this.state !== 'established' || this.role !== 'server') return
    const body = encode.addAddrBody(a.id, a.family, a.address, a.port)
    const frame = encode.addAddr(body, macs.addAddr(this.keys, body))
    this.announced.set(a.id, a)
    this.addAddrSent++
    const sub = this.bestControlSub()
    if (sub) this.out(sub, [frame])
  }

  removeAddress(id: number): void {
    if (!this.keys || this.state !== 'established') return
    this.announced.delete(id)
    const sub = this.bestControlSub()
    if (sub) this.out(sub, [encode.removeAddr(id, macs.removeAddr(this.keys, id))])
  }

  // ---- application side ------------------------------------------------------------------------------------

  /** Queue application bytes; false when the send buffer is over its limit (wait for hooks.writable). */
  write(buf: Buffer): boolean {
    if (this.finQueued || this.state === 'closed') return false
    if (buf.length > 0) {
      this.unsent.push(buf)
      this.unsentBytes += buf.length
      this.pump()
    }
    const ok = this.sendBuffered() < this.opts.sendBuffer
    if (!ok) this.writeBlocked = true
    return ok
  }

  sendBuffered(): number {
    return this.unsentBytes + (this.sndNxt - this.sndUna)
  }

  /** Application finished writing: DATA_FIN after the last byte. */
  end(): void {
    if (this.finQueued || this.state === 'closed') return
    this.finQueued = true
    this.pump()
  }

  /**
   * Close like close(2) on an MPTCP socket with nothing unread: DATA_FIN after the queued data, then end the
   * subflows once it is acked (abort after `lingerMs`).
   */
  close(lingerMs = 5000): void {
    if (this.state === 'closed') return
    if (this.state !== 'established') return this.abort(null)
    this.closeDeadline = this.now() + lingerMs
    this.end()
    if (this.finAcked) this.closeGracefully()
  }

  private closeDeadline = 0

  /** The application read data: the window may open. */
  windowUpdate(): void {
    if (this.state !== 'established') return
    const before = this.advertisedEdge
    this.recomputeEdge()
    if (this.rcvEdge - before >= this.opts.window / 4 || (before <= this.rcvNxt && this.rcvEdge > this.rcvNxt)) {
      const sub = this.bestControlSub()
      if (sub) this.sendAck(sub)
    }
  }

  /** Abort: authenticated fast close on every subflow. */
  abort(err: Error | null = null): void {
    if (this.state === 'closed') return
    if (this.keys) {
      const fc = encode.fastClose(macs.fastClose(this.keys))
      for (const sub of this.subs.values()) if (sub.state === 'open') this.out(sub, [fc])
    }
    this.finish(err, false)
  }

  // ---- input -----------------------------------------------------------------------------------------

  receive(sf: number, chunk: Buffer): void {
    const sub = this.subs.get(sf)
    if (!sub || sub.state === 'closed' || this.state === 'closed') return
    const now = this.now()
    sub.lastRecv = now
    sub.bytesReceived += chunk.length
    if (!sub.healthy && sub.state === 'open') {
      sub.healthy = true
      sub.lastProgress = now
      this.hooks.healthChanged?.(sf, true)
    }
    const ackBefore = this.rcvNxt
    const edgeBefore = this.advertisedEdge
    const prevSub = this.rxSub
    const prevAck = this.rxNeedAck
    const prevSeen = this.rxDataSeen
    this.rxSub = sub
    this.rxNeedAck = false
    this.rxDataSeen = false
    sub.decoder.feed(chunk, this.sink)
    const needAck = this.rxNeedAck
    const dataSeen = this.rxDataSeen
    this.rxSub = prevSub
    this.rxNeedAck = prevAck
    this.rxDataSeen = prevSeen
    if (this.gone(sub)) return
    if (sub.decoder.error) {
      const e = sub.decoder.error
      this.subProtocolError(sub, e.code, e.message)
      return
    }
    if (sub.state === 'open') {
      const changed = dataSeen || this.rcvNxt !== ackBefore || this.advertisedEdge !== edgeBefore
      if (needAck || (changed && (!this.hooks.defer || this.rcvNxt - this.lastAckSent >= this.opts.window / 4))) this.sendAck(sub)
      else if (changed) this.deferAck(sub)
    }
    this.pump()
  }

  // receive() state while its subflow's decoder runs: one sink per engine, no per-frame objects or closures.
  private rxSub: Sub | null = null
  private rxNeedAck = false
  private rxDataSeen = false
  private readonly sink: FrameSink = {
    data: (dsn, big, payload) => {
      const sub = this.rxSub!
      if (sub.state === 'open') return this.rxResult(sub, this.onData(sub, dsn, payload))
      return this.rxResult(sub, this.onFrame(sub, { type: T.DATA, raw: payload, dsn: big ?? BigInt(dsn), payload }))
    },
    frame: (f) => this.rxResult(this.rxSub!, this.onFrame(this.rxSub!, f)),
  }

  private rxResult(sub: Sub, r: boolean | 'defer' | void): boolean {
    if (r === true) this.rxNeedAck = true
    else if (r === 'defer') this.rxDataSeen = true
    return !this.gone(sub)
  }

  private ackDue = new Set<number>()
  private lastAckSent = 0

  // One ACK per subflow per event-loop turn carries everything read in that turn (Node may read several
  // chunks); each subflow that carried data gets one, so its sender keeps seeing it alive.
  private deferAck(sub: Sub): void {
    if (this.ackDue.size === 0) {
      this.hooks.defer!(() => {
        const due = [...this.ackDue]
        this.ackDue.clear()
        if (this.state === 'closed') return
        for (const id of due) {
          const s = this.subs.get(id)
          if (s && s.state === 'open') this.sendAck(s)
        }
      })
    }
    this.ackDue.add(sub.id)
  }

  private gone(sub: Sub): boolean {
    return sub.state === 'closed' || this.state === 'closed'
  }

  /** Returns true when the frame calls for an ACK now, 'defer' when one by the end of the tick will do. */
  private onFrame(sub: Sub, f: Frame): boolean | 'defer' | void {
    if (f.type === T.ERROR) {
      const name = errorName[f.code] ?? String(f.code)
      this.closeSub(sub, false)
      if (sub.initial && this.state === 'handshake') {
        return this.finish(userspaceError('HANDSHAKE', `peer refused the handshake: ${name} ${f.reason}`))
      }
      return this.afterSubLoss(sub)
    }
    switch (sub.state) {
      case 'hello':
        return this.onServerFlight(sub, f)
      case 'finished-wait':
        return this.onClientFinished(sub, f)
      case 'join-ack-wait':
        return this.onJoinAck(sub, f)
      case 'join-finished-wait':
        return this.onJoinFinished(sub, f)
      case 'open':
        return this.onConnectionFrame(sub, f)
      default:
        return
    }
  }

  private onServerFlight(sub: Sub, f: Frame): void {
    if (f.type === T.SERVER_HELLO) {
      if (this.keys) return this.failHandshake(sub, ErrorCode.UNEXPECTED, 'second SERVER_HELLO')
      if (!this.opts.versions.includes(f.version)) return this.failHandshake(sub, ErrorCode.VERSION, `server chose version ${f.version}`)
      const shared = sharedSecret(this.keyPair!, f.pub)
      if (!shared) return this.failHandshake(sub, ErrorCode.PROTOCOL, 'invalid key share')
      this.setVersion(f.version)
      const th1 = sha256(this.helloRaw!, f.raw)
      this.keys = deriveKeys(shared, th1)
      this.th2 = th1 // holds th1 until FINISHED arrives
      this.helloRaw = Buffer.concat([this.helloRaw!, f.raw])
      this.sndEdge = f.window
      return
    }
    if (f.type === T.FINISHED && this.keys) {
      const th1 = this.th2!
      if (!macEqual(f.mac, hmac(this.keys.serverFinished, th1))) return this.failHandshake(sub, ErrorCode.BAD_MAC, 'server Finished MAC mismatch')
      const cf = encode.finished(hmac(this.keys.clientFinished, sha256(this.helloRaw!, f.raw)))
      this.helloRaw = null
      this.th2 = null
      this.out(sub, [cf])
      sub.state = 'open'
      this.establish()
      return
    }
    return this.failHandshake(sub, ErrorCode.UNEXPECTED, `unexpected frame 0x${f.type.toString(16)} during handshake`)
  }

  private onClientFinished(sub: Sub, f: Frame): void {
    if (f.type !== T.FINISHED || !this.keys || !this.th2) return this.failHandshake(sub, ErrorCode.UNEXPECTED, 'expected FINISHED')
    if (!macEqual(f.mac, hmac(this.keys.clientFinished, this.th2))) return this.failHandshake(sub, ErrorCode.BAD_MAC, 'client Finished MAC mismatch')
    this.th2 = null
    this.peerFinished = true
    sub.state = 'open'
    this.establish()
  }

  private onJoinAck(sub: Sub, f: Frame): void {
    if (f.type !== T.JOIN_ACK || !this.keys || !sub.nonce) return this.rejectJoin(sub, ErrorCode.UNEXPECTED, 'expected JOIN_ACK')
    sub.peerNonce = Buffer.from(f.nonce)
    if (!macEqual(f.mac, macs.joinServer(this.keys, sub.nonce, sub.peerNonce))) return this.rejectJoin(sub, ErrorCode.BAD_MAC, 'JOIN_ACK MAC mismatch')
    this.out(sub, [encode.joinFinished(macs.joinClient(this.keys, sub.nonce, sub.peerNonce))])
    this.openJoined(sub)
  }

  private onJoinFinished(sub: Sub, f: Frame): void {
    if (f.type !== T.JOIN_FINISHED || !this.keys || !sub.nonce || !sub.peerNonce) return this.rejectJoin(sub, ErrorCode.UNEXPECTED, 'expected JOIN_FINISHED')
    if (!macEqual(f.mac, macs.joinClient(this.keys, sub.peerNonce, sub.nonce))) return this.rejectJoin(sub, ErrorCode.BAD_MAC, 'JOIN_FINISHED MAC mismatch')
    if (this.openSubCount() >= this.opts.maxSubflows && !this.evictStale()) return this.rejectJoin(sub, ErrorCode.TOO_MANY_SUBFLOWS, 'subflow cap reached')
    this.openJoined(sub)
  }

  private openJoined(sub: Sub): void {
    sub.state = 'open'
    sub.lastProgress = this.now()
    if (sub.backup) this.out(sub, [encode.prio(true)])
    this.sendAck(sub)
    this.hooks.subflowOpen?.(sub.id)
    this.pump()
  }

  private onConnectionFrame(sub: Sub, f: Frame): boolean | 'defer' | void {
    switch (f.type) {
      case T.DATA:
        return this.onData(sub, f.dsn > MAX_SAFE ? Infinity : Number(f.dsn), f.payload)
      case T.ACK:
        return this.onAck(sub, f.ack, f.window)
      case T.DATA_FIN:
        return this.onDataFin(sub, f.dsn)
      case T.PING:
        this.out(sub, [encode.pong(f.nonce)])
        // A window update may have gone to a subflow that died since: a peer's PING doubles as a window probe.
        this.recomputeEdge()
        if (this.rcvEdge > this.advertisedEdge) this.sendAck(sub)
        return
      case T.PONG:
        if (sub.pingNonce !== null && f.nonce === sub.pingNonce) {
          if (sub.pingTimed && !sub.kernelPath) this.rttSample(sub, this.now() - sub.pingSent)
          sub.pingNonce = null
        }
        return
      case T.PRIO:
        sub.peerBackup = f.backup
        sub.backup = f.backup
        return
      case T.ADD_ADDR: {
        if (this.role !== 'client' || !this.keys) return this.subProtocolError(sub, ErrorCode.UNEXPECTED, 'ADD_ADDR to a server')
        const body = f.raw.subarray(4, f.raw.length - 32)
        if (!macEqual(f.mac, macs.addAddr(this.keys, body))) {
          this.badMacs++
          return
        }
        this.addAddrReceived++
        this.hooks.addAddr?.({ id: f.id, family: f.family, address: f.address, port: f.port })
        return
      }
      case T.REMOVE_ADDR:
        if (!this.keys || !macEqual(f.mac, macs.removeAddr(this.keys, f.id))) {
          this.badMacs++
          return
        }
        this.hooks.removeAddr?.(f.id)
        return
      case T.FAST_CLOSE:
        if (!this.keys || !macEqual(f.mac, macs.fastClose(this.keys))) {
          this.badMacs++
          return
        }
        return this.finish(Object.assign(userspaceError('RESET', 'connection reset by peer (fast close)'), { code: 'ECONNRESET' }), false)
      default:
        return this.subProtocolError(sub, ErrorCode.UNEXPECTED, `unexpected frame 0x${f.type.toString(16)} on an open subflow`)
    }
  }

  /** `dsn` is Infinity when the DSN is over 2^53 (never in a window). */
  private onData(sub: Sub, dsn: number, payload: Buffer): boolean | 'defer' | void {
    this.lastDataRecv = this.now()
    if (dsn > Number.MAX_SAFE_INTEGER) {
      this.droppedOutOfWindow += payload.length
      return true
    }
    let start = dsn
    const end = start + payload.length
    if (this.peerFinDsn >= 0 && end > this.peerFinDsn) return this.subProtocolError(sub, ErrorCode.PROTOCOL, 'data after DATA_FIN')
    if (end <= this.rcvNxt) return true // duplicate; ack so a reinjecting peer learns quickly
    if (start >= this.rcvEdge) {
      this.droppedOutOfWindow += payload.length
      return true
    }
    let buf = payload
    if (start < this.rcvNxt) {
      buf = buf.subarray(this.rcvNxt - start)
      start = this.rcvNxt
    }
    if (start + buf.length > this.rcvEdge) {
      this.droppedOutOfWindow += start + buf.length - this.rcvEdge
      buf = buf.subarray(0, this.rcvEdge - start)
    }
    if (start === this.rcvNxt) {
      this.deliver(buf)
      this.drainOoo()
    } else {
      this.insertOoo(start, buf)
    }
    this.recomputeEdge()
    return 'defer'
  }

  private deliver(buf: Buffer): void {
    this.rcvNxt += buf.length
    this.bytesReceived += buf.length
    this.lastRcvProgress = this.now()
    this.hooks.data(buf)
    this.checkPeerFin()
  }

  private drainOoo(): void {
    for (let b = this.ooo.take(this.rcvNxt); b; b = this.ooo.take(this.rcvNxt)) {
      this.deliver(b)
      if (this.state === 'closed') return
    }
  }

  private insertOoo(start: number, buf: Buffer): void {
    const budget = this.opts.window - this.hooks.appBuffered() - this.ooo.charged
    this.droppedOutOfWindow += this.ooo.insert(start, buf, budget)
  }

  private recomputeEdge(): void {
    const free = Math.max(0, this.opts.window - this.hooks.appBuffered() - this.ooo.charged)
    this.rcvEdge = Math.max(this.rcvEdge, this.rcvNxt + free)
  }

  private onDataFin(sub: Sub, dsn64: bigint): boolean | void {
    if (dsn64 > MAX_SAFE) return this.subProtocolError(sub, ErrorCode.PROTOCOL, 'DATA_FIN out of range')
    const dsn = Number(dsn64)
    if (this.peerFinDsn >= 0) {
      if (dsn !== this.peerFinDsn) return this.subProtocolError(sub, ErrorCode.PROTOCOL, 'conflicting DATA_FIN')
      return true
    }
    if (dsn < this.rcvNxt || (this.ooo.size && dsn < this.ooo.end)) {
      return this.subProtocolError(sub, ErrorCode.PROTOCOL, 'DATA_FIN before received data')
    }
    this.peerFinDsn = dsn
    this.checkPeerFin()
    return true
  }

  private checkPeerFin(): void {
    if (this.peerFinDsn >= 0 && this.rcvNxt === this.peerFinDsn && !this.readEnded) {
      this.readEnded = true
      this.rcvNxt += 1
      for (const sub of this.subs.values()) if (sub.state === 'open') this.sendAck(sub)
      this.hooks.end()
      if (this.doneBothWays() && this.state !== 'closed') this.closeGracefully()
    }
  }

  private onAck(sub: Sub, ack64: bigint, window: number): void {
    const now = this.now()
    this.lastAckRecv = now
    const limit = this.finDsn >= 0 && this.finSentOnce ? this.finDsn + 1 : this.sndNxt
    if (ack64 > BigInt(limit)) return this.subProtocolError(sub, ErrorCode.PROTOCOL, 'ACK for data never sent')
    const ack = Number(ack64)
    this.sndEdge = Math.max(this.sndEdge, ack + window)
    if (ack > this.sndUna) this.advanceUna(Math.min(ack, this.sndNxt), now)
    if (this.finDsn >= 0 && ack === this.finDsn + 1 && !this.finAcked) {
      this.finAcked = true
      this.hooks.finAcked?.()
      if ((this.doneBothWays() || this.closeDeadline) && this.state !== 'closed') this.closeGracefully()
    }
  }

  private finSentOnce = false

  private advanceUna(ack: number, now: number): void {
    const acked = ack - this.sndUna
    this.bytesAcked += acked
    this.sndUna = ack
    while (this.segments.length) {
      const seg = this.segments[0]!
      const end = seg.dsn + seg.buf.length
      const n = Math.min(end, ack) - seg.dsn
      if (n <= 0) break
      for (const id of seg.subs) {
        const s = this.subs.get(id)
        if (!s) continue
        s.inflight -= n
        s.rateBytes += n
        s.lastProgress = now
      }
      if (end <= ack) this.segments.shift()
      else {
        seg.buf = seg.buf.subarray(n)
        seg.dsn = ack
        break
      }
    }
    for (const s of this.subs.values()) this.updateRate(s, now)
    if (this.writeBlocked && this.sendBuffered() < this.opts.sendBuffer) {
      this.writeBlocked = false
      this.hooks.writable()
    }
  }

  private updateRate(s: Sub, now: number): void {
    const dt = now - s.rateStamp
    if (dt < 50) return
    if (s.rateBytes > 0 && !s.kernelPath) {
      const sample = (s.rateBytes * 1000) / dt
      s.rate = s.rate === 0 ? sample : s.rate * 0.75 + sample * 0.25
    }
    s.rateBytes = 0
    s.rateStamp = now
  }

  /**
   * The kernel's view of a subflow's TCP connection (tcp_info, where the transport can read it): smoothed RTT
   * in ms and delivery rate in bytes/s. From the first call on they replace the engine's own estimates (PING
   * RTT, which includes the socket's queue; rate from connection-level ACKs, which a hole elsewhere delays).
   * An application-limited rate sample only ever raises the rate.
   */
  pathInfo(sf: number, rttMs: number, rate: number, appLimited: boolean): void {
    const sub = this.subs.get(sf)
    if (!sub || sub.state !== 'open') return
    sub.kernelPath = true
    if (rttMs > 0) sub.srtt = rttMs
    if (rate > 0 && (!appLimited || rate > sub.rate)) sub.rate = rate
  }

  private rttSample(sub: Sub, rtt: number): void {
    if (sub.srtt === 0) {
      sub.srtt = rtt
      sub.rttvar = rtt / 2
    } else {
      sub.rttvar = 0.75 * sub.rttvar + 0.25 * Math.abs(sub.srtt - rtt)
      sub.srtt = 0.875 * sub.srtt + 0.125 * rtt
    }
  }

  // ---- output ----------------------------------------------------------------------------------------------

  private out(sub: Sub, chunks: Buffer[]): void {
    if (sub.state === 'closed') return
    if (!sub.magicSent) {
      sub.magicSent = true
      chunks = [MAGIC, ...chunks]
    }
    let n = 0
    for (const c of chunks) n += c.length
    sub.bytesSent += n
    this.hooks.send(sub.id, chunks)
  }

  private sendAck(sub: Sub): void {
    this.recomputeEdge()
    this.advertisedEdge = this.rcvEdge
    this.lastAckSent = this.rcvNxt
    this.out(sub, [encode.ack(BigInt(this.rcvNxt), Math.min(this.rcvEdge - this.rcvNxt, 0xffffffff))])
  }

  // Past 64 KiB a segment grows to ~1 ms of the slowest chosen subflow's rate (version 2): fewer frames on fast
  // paths, while a segment on a slow one stays short enough not to hold data behind it.
  private segmentLength(picks: Sub[], room: number): number {
    let rate = Infinity
    for (const s of picks) rate = Math.min(rate, s.rate)
    const want = Math.floor(rate / 1000)
    return want > MAX_PAYLOAD ? Math.min(this.maxPayload, room, this.unsentBytes, want) : MAX_PAYLOAD
  }

  private usable(sub: Sub): boolean {
    return sub.state === 'open'
  }

  // A subflow takes more data while its socket holds less than ~20 ms of its delivery rate: enough to keep the
  // path busy, little enough that a reinjected segment does not wait long behind it. Capped at 256 KiB: on a
  // fast path the kernel queue (TCP_NOTSENT_LOWAT) keeps it busy, and a deeper queue here only cost CPU.
  private blocked(sub: Sub): boolean {
    const limit = sub.rate > 0 ? Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, sub.rate * 0.02)) : DEFAULT_BLOCK
    return this.hooks.backlog(sub.id) >= limit
  }

  private pool(): Sub[] {
    const open = [...this.subs.values()].filter((s) => this.usable(s))
    const active = open.filter((s) => s.healthy && !s.backup)
    if (active.length) return active
    const backup = open.filter((s) => s.healthy && s.backup)
    if (backup.length) return backup
    return open
  }

  private pump(): void {
    if (this.pumping || this.state !== 'established') return
    this.pumping = true
    try {
      for (;;) {
        const pool = this.pool()
        if (pool.length === 0) break
        let seg = this.nextReinject()
        if (!seg) {
          const room = this.sndEdge - this.sndNxt
          if (this.unsentBytes > 0 && room <= 0) this.opportunisticReinject(pool)
          if (this.unsentBytes === 0 || room <= 0) break
          let len = Math.min(MAX_PAYLOAD, room, this.unsentBytes)
          const picks = choose(this.opts.scheduler, pool, len, (s) => this.blocked(s), this.rr++)
          if (picks.length === 0) break
          if (len === MAX_PAYLOAD && this.maxPayload > MAX_PAYLOAD) len = this.segmentLength(picks, room)
          seg = { dsn: this.sndNxt, buf: this.takeUnsent(len), subs: [], sentAt: this.now() }
          this.segments.push(seg)
          this.sndNxt += seg.buf.length
          this.sendSegment(seg, picks)
          continue
        }
        const others = pool.filter((s) => !seg!.subs.includes(s.id))
        const picks = choose(this.opts.scheduler === 'redundant' ? 'default' : this.opts.scheduler, others.length ? others : pool, seg.buf.length, (s) => this.blocked(s), this.rr++)
        if (picks.length === 0) {
          this.reinjectQueue.unshift(seg)
          break
        }
        this.retransmits++
        this.bytesRetrans += seg.buf.length
        this.sendSegment(seg, picks)
      }
      this.maybeSendFin()
    } finally {
      this.pumping = false
    }
  }

  private nextReinject(): Segment | undefined {
    while (this.reinjectQueue.length) {
      const seg = this.reinjectQueue.shift()!
      if (seg.dsn + seg.buf.length > this.sndUna && this.segments.includes(seg)) return seg
    }
    return undefined
  }

  // A segment never copies a large (>= 16 KiB) write: it is a slice of it, ending at the write's end rather
  // than straddling into the next one (after one window-limited short segment every later segment would
  // straddle, costing a 64 KiB copy each). Only runs of small writes are concatenated, up to a large one.
  private takeUnsent(want: number): Buffer {
    const head = this.unsent[0]!
    let out: Buffer
    if (head.length >= MIN_SLICE || head.length >= want) {
      const len = Math.min(head.length, want)
      out = len === head.length ? head : head.subarray(0, len)
      if (len === head.length) this.unsent.shift()
      else this.unsent[0] = head.subarray(len)
    } else {
      const parts: Buffer[] = []
      let len = 0
      while (len < want && this.unsent.length) {
        const h = this.unsent[0]!
        if (h.length >= MIN_SLICE) break
        const n = Math.min(h.length, want - len)
        parts.push(n === h.length ? h : h.subarray(0, n))
        if (n === h.length) this.unsent.shift()
        else this.unsent[0] = h.subarray(n)
        len += n
      }
      out = parts.length === 1 ? parts[0]! : Buffer.concat(parts, len)
    }
    this.unsentBytes -= out.length
    return out
  }

  // Head-of-line mitigation (MPTCP's opportunistic retransmission): when the peer's window is full and the
  // oldest unacked segment sits on a slower subflow, send one copy of it on the subflow that would deliver it
  // first. Only the head, only once, only after it waited longer than that subflow needs.
  private opportunisticReinject(pool: Sub[]): void {
    const head = this.segments[0]
    if (!head || head.opportunistic || pool.length < 2) return
    const others = pool.filter((s) => !head.subs.includes(s.id) && !this.blocked(s))
    if (others.length === 0) return
    const fast = others.reduce((a, b) => (expectedCompletion(a, head.buf.length) <= expectedCompletion(b, head.buf.length) ? a : b))
    // Its own in-flight bytes are not counted: behind the hole they are delivered but cannot be acked.
    const need = expectedCompletion({ ...fast, inflight: 0 }, head.buf.length)
    if (this.now() - head.sentAt < Math.max(20, 2 * need)) return
    head.opportunistic = true
    this.retransmits++
    this.bytesRetrans += head.buf.length
    this.sendSegment(head, [fast])
  }

  private sendSegment(seg: Segment, picks: Sub[]): void {
    const now = this.now()
    for (const s of picks) {
      if (!seg.subs.includes(s.id)) seg.subs.push(s.id)
      if (s.inflight === 0) s.lastProgress = now
      s.inflight += seg.buf.length
      this.bytesSent += seg.buf.length
      this.out(s, [encode.dataHeader(BigInt(seg.dsn), seg.buf.length), seg.buf])
    }
    this.lastDataSent = now
  }

  private maybeSendFin(): void {
    if (!this.finQueued || this.unsentBytes > 0 || this.state !== 'established') return
    if (this.finDsn < 0) this.finDsn = this.sndNxt
    if (this.finSentOnce) return
    this.finSentOnce = true
    this.sendFin()
  }

  private sendFin(): void {
    const fin = encode.dataFin(BigInt(this.finDsn))
    for (const s of this.pool()) this.out(s, [fin])
  }

  // ---- timers ------------------------------------------------------------------------------------------

  /** Call periodically (the transport does every 50 ms): liveness, staleness, reinjection, timeouts. */
  tick(): void {
    if (this.state === 'closed') return
    const now = this.now()
    for (const sub of [...this.subs.values()]) {
      if (sub.state === 'closed') continue
      if (sub.state !== 'open') {
        if (now - sub.openedAt > this.opts.handshakeTimeout) {
          if (sub.initial) return this.failHandshake(sub, ErrorCode.TIMEOUT, 'handshake timed out')
          this.rejectJoin(sub, ErrorCode.TIMEOUT, 'join timed out')
        }
        continue
      }
      // Liveness is "bytes arrive on this subflow": ACKs while it carries data, PONGs while idle. Progress of
      // the connection-level ACK is not used: a hole elsewhere stalls it for every subflow.
      const staleAfter = Math.min(1500, Math.max(200, 3 * sub.srtt))
      const silent = now - sub.lastRecv
      const probeAfter = sub.inflight > 0 ? Math.max(100, 2 * sub.srtt) : this.opts.idleInterval
      if (silent >= probeAfter && sub.pingNonce === null) {
        sub.pingNonce = ++this.pingCounter
        sub.pingSent = now
        sub.pingTimed = sub.healthy
        this.out(sub, [encode.ping(sub.pingNonce)])
      }
      if (sub.healthy && sub.pingNonce !== null && now - sub.pingSent > staleAfter) {
        sub.healthy = false
        sub.pingTimed = false
        this.hooks.healthChanged?.(sub.id, false)
      }
      if (!sub.healthy) {
        this.reinjectFrom(sub)
        if (sub.pingNonce !== null && now - sub.pingSent > staleAfter * 2) sub.pingNonce = null
      }
      this.updateRate(sub, now)
      if (sub.rate > 0 && Math.abs(sub.rate - sub.reportedRate) > sub.reportedRate / 4) {
        sub.reportedRate = sub.rate
        this.hooks.rateChanged?.(sub.id, sub.rate)
      }
    }
    if (this.closeDeadline && now > this.closeDeadline) {
      this.abort(null)
      return
    }
    if (this.ooo.size && now - this.lastRcvProgress > this.opts.holeTimeout) {
      this.abort(userspaceError('HOLE', `no progress for ${this.opts.holeTimeout} ms behind a hole in the data`))
      return
    }
    if (this.finSentOnce && !this.finAcked && now - this.lastAckRecv > 1000) {
      this.lastAckRecv = now
      this.sendFin()
    }
    this.pump()
  }

  private reinjectFrom(sub: Sub): void {
    const healthyOthers = (seg: Segment) => seg.subs.some((id) => id !== sub.id && this.subs.get(id)?.healthy && this.subs.get(id)?.state === 'open')
    const hasAlternative = [...this.subs.values()].some((s) => s !== sub && s.state === 'open')
    if (!hasAlternative) return
    for (const seg of this.segments) {
      if (seg.subs.includes(sub.id) && !healthyOthers(seg) && !this.reinjectQueue.includes(seg)) this.reinjectQueue.push(seg)
    }
  }

  // ---- closing -------------------------------------------------------------------------------------------

  private doneBothWays(): boolean {
    return this.readEnded && this.finAcked
  }

  private closingOrClosed(): boolean {
    return this.state === 'closed' || this.doneBothWays()
  }

  private closeGracefully(): void {
    for (const sub of this.subs.values()) if (sub.state !== 'closed') this.closeSub(sub, true)
    this.finish(null)
  }

  private finish(err: Error | null, graceful = err === null): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.closeError = err
    for (const sub of this.subs.values()) if (sub.state !== 'closed') this.closeSub(sub, graceful)
    this.unsent = []
    this.unsentBytes = 0
    this.segments = []
    this.reinjectQueue = []
    this.ooo.clear()
    this.hooks.closed(err)
  }

  private closeSub(sub: Sub, graceful: boolean): void {
    if (sub.state === 'closed') return
    this.dropSub(sub)
    this.hooks.closeSubflow(sub.id, graceful)
  }

  private dropSub(sub: Sub): void {
    const wasOpen = sub.state === 'open'
    sub.state = 'closed'
    if (wasOpen) this.reinjectAll(sub)
    sub.inflight = 0
  }

  private reinjectAll(sub: Sub): void {
    for (const seg of this.segments) {
      const i = seg.subs.indexOf(sub.id)
      if (i < 0) continue
      seg.subs.splice(i, 1)
      const alive = seg.subs.some((id) => this.subs.get(id)?.state === 'open' && this.subs.get(id)?.healthy)
      if (!alive && !this.reinjectQueue.includes(seg)) this.reinjectQueue.push(seg)
    }
  }

  private afterSubLoss(_sub: Sub): void {
    if (this.state === 'closed') return
    if (this.openSubCount() === 0 && this.pendingSubCount() === 0 && !this.doneBothWays()) {
      this.finish(Object.assign(userspaceError('RESET', 'all subflows closed'), { code: 'ECONNRESET' }), false)
      return
    }
    this.pump()
  }

  private subProtocolError(sub: Sub, code: ErrorCodeValue, message: string): void {
    if (sub.state !== 'open') return this.failHandshake(sub, code, message)
    this.out(sub, [encode.error(code, message)])
    this.closeSub(sub, false)
    this.protocolErrors++
    if (this.openSubCount() === 0 && this.pendingSubCount() === 0) {
      this.finish(userspaceError('PROTOCOL', `peer violated the userspace protocol: ${message}`), false)
      return
    }
    this.afterSubLoss(sub)
  }

  protocolErrors = 0

  private failHandshake(sub: Sub, code: ErrorCodeValue, message: string): void {
    if (!sub.initial) return this.rejectJoin(sub, code, message)
    this.out(sub, [encode.error(code, message)])
    this.closeSub(sub, false)
    this.finish(userspaceError('HANDSHAKE', `userspace handshake failed: ${message}`), false)
  }

  private rejectJoin(sub: Sub, code: ErrorCodeValue, message: string): void {
    this.joinsFailed++
    this.out(sub, [encode.error(code, message)])
    this.closeSub(sub, false)
    this.hooks.joinFailed?.(sub.id)
  }

  private establish(): void {
    if (this.state !== 'handshake') return
    this.state = 'established'
    this.lastRcvProgress = this.now()
    this.hooks.established()
    this.pump()
  }

  private openSubCount(): number {
    let n = 0
    for (const s of this.subs.values()) if (s.state === 'open') n++
    return n
  }

  private staleSubCount(): number {
    let n = 0
    for (const s of this.subs.values()) if (s.state === 'open' && !s.healthy) n++
    return n
  }

  // At the cap, an authenticated join replaces the subflow that has been silent longest (the peer is
  // replacing a path whose connection a middlebox lost); its data is reinjected.
  private evictStale(): boolean {
    let victim: Sub | null = null
    for (const s of this.subs.values()) if (s.state === 'open' && !s.healthy && (!victim || s.lastRecv < victim.lastRecv)) victim = s
    if (!victim) return false
    this.closeSub(victim, false)
    return true
  }

  private pendingSubCount(): number {
    let n = 0
    for (const s of this.subs.values()) if (s.state !== 'open' && s.state !== 'closed') n++
    return n
  }

  private bestControlSub(): Sub | undefined {
    const pool = this.pool()
    return pool.sort((a, b) => this.hooks.backlog(a.id) - this.hooks.backlog(b.id))[0]
  }

  /** Server registry key. */
  get token(): Buffer | null {
    return this.keys ? this.keys.token : null
  }

  get peerFinishedVerified(): boolean {
    return this.role === 'client' ? this.state !== 'handshake' : this.peerFinished
  }

  get ended(): { read: boolean; write: boolean } {
    return { read: this.readEnded, write: this.finAcked }
  }

  get lastTimes(): { dataSent: number; dataRecv: number; ackRecv: number; created: number } {
    return { dataSent: this.lastDataSent, dataRecv: this.lastDataRecv, ackRecv: this.lastAckRecv, created: this.createdAt }
  }

  get announcedCount(): number {
    return this.announced.size
  }

  /** Memory the engine holds for this connection (send + reassembly + parser), for tests and stats. */
  memory(): number {
    let parser = 0
    for (const s of this.subs.values()) parser += s.decoder.buffered
    return this.sendBuffered() + this.ooo.charged + parser
  }
}
