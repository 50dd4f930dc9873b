import { ErrorCode, HEADER_SIZE, MAGIC, T, decodeFrame, isFrameError, type ErrorCodeValue, type Frame } from './frames'
import type { Engine } from './engine'

// Server side, before a subflow belongs to a connection: read the magic and the first frame (CLIENT_HELLO or
// JOIN), look joins up by token, rate-limit failures. No I/O.

const MAX_FIRST_BODY = 1 + 16 + 68

export type FirstFrameResult =
  | { kind: 'pending' }
  | { kind: 'hello'; frame: Frame & { type: T.CLIENT_HELLO }; rest: Buffer }
  | { kind: 'join'; frame: Frame & { type: T.JOIN }; rest: Buffer }
  | { kind: 'error'; code: ErrorCodeValue; message: string }

export class FirstFrame {
  private buf: Buffer = Buffer.alloc(0)
  private done = false

  push(chunk: Buffer): FirstFrameResult {
    if (this.done) return { kind: 'error', code: ErrorCode.PROTOCOL, message: 'first frame already read' }
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    const m = Math.min(this.buf.length, MAGIC.length)
    if (!this.buf.subarray(0, m).equals(MAGIC.subarray(0, m))) return this.fail(ErrorCode.PROTOCOL, 'bad magic')
    if (this.buf.length < MAGIC.length + HEADER_SIZE) return { kind: 'pending' }
    const type = this.buf[MAGIC.length]!
    const length = this.buf.readUInt32BE(MAGIC.length) & 0xffffff
    if (type !== T.CLIENT_HELLO && type !== T.JOIN) return this.fail(ErrorCode.UNEXPECTED, `first frame 0x${type.toString(16)} is neither CLIENT_HELLO nor JOIN`)
    if (length > MAX_FIRST_BODY) return this.fail(ErrorCode.FRAME_TOO_LARGE, `first frame length ${length}`)
    const end = MAGIC.length + HEADER_SIZE + length
    if (this.buf.length < end) return { kind: 'pending' }
    const raw = Buffer.from(this.buf.subarray(MAGIC.length, end))
    const f = decodeFrame(type, raw.subarray(HEADER_SIZE), raw)
    this.done = true
    const rest = this.buf.subarray(end)
    this.buf = Buffer.alloc(0)
    if (isFrameError(f)) return { kind: 'error', code: f.code, message: f.message }
    if (f.type === T.CLIENT_HELLO) return { kind: 'hello', frame: f, rest }
    if (f.type === T.JOIN) return { kind: 'join', frame: f, rest }
    return this.fail(ErrorCode.UNEXPECTED, 'unexpected first frame')
  }

  private fail(code: ErrorCodeValue, message: string): FirstFrameResult {
    this.done = true
    this.buf = Buffer.alloc(0)
    return { kind: 'error', code, message }
  }
}

export interface JoinLimits {
  /** Failed joins a source may make in a burst. */
  burst?: number
  /** Refill per second. */
  perSecond?: number
  /** Global failed joins per second (all sources). */
  globalPerSecond?: number
  maxSources?: number
}

/** Token buckets for failed joins, per source address and global. */
export class JoinGuard {
  private readonly burst: number
  private readonly perSecond: number
  private readonly globalPerSecond: number
  private readonly maxSources: number
  private sources = new Map<string, { tokens: number; at: number }>()
  private global: { tokens: number; at: number }
  failed = 0
  limited = 0

  constructor(private readonly now: () => number, limits: JoinLimits = {}) {
    this.burst = limits.burst ?? 20
    this.perSecond = limits.perSecond ?? 5
    this.globalPerSecond = limits.globalPerSecond ?? 200
    this.maxSources = limits.maxSources ?? 4096
    this.global = { tokens: this.globalPerSecond, at: now() }
  }

  private refill(b: { tokens: number; at: number }, rate: number, cap: number): void {
    const t = this.now()
    b.tokens = Math.min(cap, b.tokens + ((t - b.at) * rate) / 1000)
    b.at = t
  }

  allowed(source: string): boolean {
    this.refill(this.global, this.globalPerSecond, this.globalPerSecond)
    const b = this.sources.get(source)
    if (b) this.refill(b, this.perSecond, this.burst)
    const ok = this.global.tokens >= 1 && (!b || b.tokens >= 1)
    if (!ok) this.limited++
    return ok
  }

  fail(source: string): void {
    this.failed++
    this.refill(this.global, this.globalPerSecond, this.globalPerSecond)
    this.global.tokens = Math.max(0, this.global.tokens - 1)
    let b = this.sources.get(source)
    if (!b) {
      if (this.sources.size >= this.maxSources) this.sources.delete(this.sources.keys().next().value!)
      b = { tokens: this.burst, at: this.now() }
      this.sources.set(source, b)
    } else this.refill(b, this.perSecond, this.burst)
    b.tokens = Math.max(0, b.tokens - 1)
  }
}

/** Live server connections by token. */
export class Registry {
  private readonly engines = new Map<string, Engine>()

  /** False on a token collision (the new connection must be aborted). */
  add(engine: Engine): boolean {
    const key = engine.token?.toString('hex')
    if (!key || this.engines.has(key)) return false
    this.engines.set(key, engine)
    return true
  }

  remove(engine: Engine): void {
    const key = engine.token?.toString('hex')
    if (key && this.engines.get(key) === engine) this.engines.delete(key)
  }

  get(token: Buffer): Engine | undefined {
    return this.engines.get(token.toString('hex'))
  }

  get size(): number {
    return this.engines.size
  }
}
