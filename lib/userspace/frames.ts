import { formatIPv4, formatIPv6 } from '../decode/sockaddr'

// Frame encode/decode for the userspace protocol (docs/userspace-protocol.md §1). The decoder never throws on
// input: it reports a typed error and stops.

export const MAGIC = Buffer.from([0x89, 0x4d, 0x50, 0x55, 0x0d, 0x0a, 0x1a, 0x01])
export const HEADER_SIZE = 4
/** DATA payload limit of version 1, and of every subflow until a version is agreed. */
export const MAX_PAYLOAD = 65536
export const MAX_BODY = MAX_PAYLOAD + 8
/** Version 2 differs from 1 only in a larger DATA payload limit. */
export const MAX_PAYLOAD_V2 = 262144
/** The newest version, and the ones this implementation speaks (best first). */
export const VERSION = 2
export const VERSIONS = [2, 1]

/** Largest DATA payload of a protocol version. */
export function maxPayload(version: number): number {
  return version >= 2 ? MAX_PAYLOAD_V2 : MAX_PAYLOAD
}

export enum T {
  CLIENT_HELLO = 0x01,
  SERVER_HELLO = 0x02,
  FINISHED = 0x03,
  JOIN = 0x04,
  JOIN_ACK = 0x05,
  JOIN_FINISHED = 0x06,
  DATA = 0x10,
  ACK = 0x11,
  DATA_FIN = 0x12,
  PING = 0x13,
  PONG = 0x14,
  ADD_ADDR = 0x15,
  REMOVE_ADDR = 0x16,
  PRIO = 0x17,
  FAST_CLOSE = 0x18,
  ERROR = 0x1f,
}

export const ErrorCode = {
  PROTOCOL: 1,
  FRAME_TOO_LARGE: 2,
  UNEXPECTED: 3,
  VERSION: 4,
  BAD_MAC: 5,
  UNKNOWN_TOKEN: 6,
  NOT_ESTABLISHED: 7,
  TOO_MANY_SUBFLOWS: 8,
  RATE_LIMITED: 9,
  TIMEOUT: 10,
  HOLE: 11,
  CLOSING: 12,
} as const
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode]
export const errorName: Record<number, string> = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [v, k]))

export interface AddrBody {
  id: number
  family: 4 | 6
  address: string
  port: number
  mac: Buffer
}

export type Frame =
  | { type: T.CLIENT_HELLO; raw: Buffer; versions: number[]; random: Buffer; pub: Buffer; window: number }
  | { type: T.SERVER_HELLO; raw: Buffer; version: number; random: Buffer; pub: Buffer; window: number }
  | { type: T.FINISHED; raw: Buffer; mac: Buffer }
  | { type: T.JOIN; raw: Buffer; token: Buffer; nonce: Buffer; backup: boolean; addrId: number }
  | { type: T.JOIN_ACK; raw: Buffer; nonce: Buffer; mac: Buffer }
  | { type: T.JOIN_FINISHED; raw: Buffer; mac: Buffer }
  | { type: T.DATA; raw: Buffer; dsn: bigint; payload: Buffer }
  | { type: T.ACK; raw: Buffer; ack: bigint; window: number }
  | { type: T.DATA_FIN; raw: Buffer; dsn: bigint }
  | { type: T.PING; raw: Buffer; nonce: bigint }
  | { type: T.PONG; raw: Buffer; nonce: bigint }
  | ({ type: T.ADD_ADDR; raw: Buffer } & AddrBody)
  | { type: T.REMOVE_ADDR; raw: Buffer; id: number; mac: Buffer }
  | { type: T.PRIO; raw: Buffer; backup: boolean }
  | { type: T.FAST_CLOSE; raw: Buffer; mac: Buffer }
  | { type: T.ERROR; raw: Buffer; code: number; reason: string }

export interface FrameError {
  code: ErrorCodeValue
  message: string
}

function header(type: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER_SIZE)
  b.writeUInt32BE(length, 0)
  b[0] = type
  return b
}

function frame(type: number, body: Buffer): Buffer {
  return Buffer.concat([header(type, body.length), body])
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n >>> 0, 0)
  return b
}

function u64(n: bigint): Buffer {
  const b = Buffer.allocUnsafe(8)
  b.writeBigUInt64BE(BigInt.asUintN(64, n), 0)
  return b
}

export const encode = {
  clientHello(versions: number[], random: Buffer, pub: Buffer, window: number): Buffer {
    return frame(T.CLIENT_HELLO, Buffer.concat([Buffer.from([versions.length, ...versions]), random, pub, u32(window)]))
  },
  serverHello(version: number, random: Buffer, pub: Buffer, window: number): Buffer {
    return frame(T.SERVER_HELLO, Buffer.concat([Buffer.from([version]), random, pub, u32(window)]))
  },
  finished(mac: Buffer): Buffer {
    return frame(T.FINISHED, mac)
  },
  join(token: Buffer, nonce: Buffer, backup: boolean, addrId: number): Buffer {
    return frame(T.JOIN, Buffer.concat([token, nonce, Buffer.from([backup ? 1 : 0, addrId & 0xff])]))
  },
  joinAck(nonce: Buffer, mac: Buffer): Buffer {
    return frame(T.JOIN_ACK, Buffer.concat([nonce, mac]))
  },
  joinFinished(mac: Buffer): Buffer {
    return frame(T.JOIN_FINISHED, mac)
  },
  /** Header + DSN only; the payload is written after it without a copy. */
  dataHeader(dsn: bigint, payloadLength: number): Buffer {
    const b = Buffer.allocUnsafe(HEADER_SIZE + 8)
    b.writeUInt32BE(payloadLength + 8, 0)
    b[0] = T.DATA
    b.writeBigUInt64BE(dsn, 4)
    return b
  },
  data(dsn: bigint, payload: Buffer): Buffer {
    return Buffer.concat([encode.dataHeader(dsn, payload.length), payload])
  },
  ack(ack: bigint, window: number): Buffer {
    return frame(T.ACK, Buffer.concat([u64(ack), u32(window)]))
  },
  dataFin(dsn: bigint): Buffer {
    return frame(T.DATA_FIN, u64(dsn))
  },
  ping(nonce: bigint): Buffer {
    return frame(T.PING, u64(nonce))
  },
  pong(nonce: bigint): Buffer {
    return frame(T.PONG, u64(nonce))
  },
  /** The ADD_ADDR body without its MAC: what the MAC covers. */
  addAddrBody(id: number, family: 4 | 6, address: string, port: number): Buffer {
    const addr = family === 4 ? ipv4Bytes(address) : ipv6Bytes(address)
    const p = Buffer.allocUnsafe(2)
    p.writeUInt16BE(port, 0)
    return Buffer.concat([Buffer.from([id & 0xff, family]), addr, p])
  },
  addAddr(body: Buffer, mac: Buffer): Buffer {
    return frame(T.ADD_ADDR, Buffer.concat([body, mac]))
  },
  removeAddr(id: number, mac: Buffer): Buffer {
    return frame(T.REMOVE_ADDR, Buffer.concat([Buffer.from([id & 0xff]), mac]))
  },
  prio(backup: boolean): Buffer {
    return frame(T.PRIO, Buffer.from([backup ? 1 : 0]))
  },
  fastClose(mac: Buffer): Buffer {
    return frame(T.FAST_CLOSE, mac)
  },
  error(code: number, reason: string): Buffer {
    const r = Buffer.from(reason, 'utf8').subarray(0, 256)
    const c = Buffer.allocUnsafe(2)
    c.writeUInt16BE(code, 0)
    return frame(T.ERROR, Buffer.concat([c, r]))
  },
}

function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map((p) => Number(p))
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new TypeError(`bad IPv4 address ${address}`)
  return Buffer.from(parts)
}

function ipv6Bytes(address: string): Buffer {
  let text = address.split('%')[0]!
  const m = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/)
  if (m) {
    const b = ipv4Bytes(m[2]!)
    text = `${m[1]}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) throw new TypeError(`bad IPv6 address ${address}`)
  const h = halves[0] ? halves[0].split(':') : []
  const r = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const fill = halves.length === 2 ? 8 - h.length - r.length : 0
  const groups = [...h, ...new Array<string>(Math.max(fill, 0)).fill('0'), ...r].map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN))
  if (fill < 0 || groups.length !== 8 || groups.some((g) => Number.isNaN(g))) throw new TypeError(`bad IPv6 address ${address}`)
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2))
  return out
}

const fixedSize: Partial<Record<number, number>> = {
  [T.SERVER_HELLO]: 1 + 32 + 32 + 4,
  [T.FINISHED]: 32,
  [T.JOIN]: 8 + 32 + 2,
  [T.JOIN_ACK]: 64,
  [T.JOIN_FINISHED]: 32,
  [T.ACK]: 12,
  [T.DATA_FIN]: 8,
  [T.PING]: 8,
  [T.PONG]: 8,
  [T.REMOVE_ADDR]: 33,
  [T.PRIO]: 1,
  [T.FAST_CLOSE]: 32,
}

/** Decodes one frame body; returns a FrameError for anything malformed. `raw` is the whole frame. */
export function decodeFrame(type: number, body: Buffer, raw: Buffer): Frame | FrameError {
  const want = fixedSize[type]
  if (want !== undefined && body.length !== want) return bad(`frame 0x${type.toString(16)} has ${body.length} bytes, expected ${want}`)
  switch (type) {
    case T.CLIENT_HELLO: {
      const n = body[0] ?? 0
      if (n < 1 || n > 16 || body.length !== 1 + n + 68) return bad('malformed CLIENT_HELLO')
      return {
        type,
        raw,
        versions: [...body.subarray(1, 1 + n)],
        random: body.subarray(1 + n, 33 + n),
        pub: body.subarray(33 + n, 65 + n),
        window: body.readUInt32BE(65 + n),
      }
    }
    case T.SERVER_HELLO:
      return { type, raw, version: body[0]!, random: body.subarray(1, 33), pub: body.subarray(33, 65), window: body.readUInt32BE(65) }
    case T.FINISHED:
    case T.JOIN_FINISHED:
    case T.FAST_CLOSE:
      return { type, raw, mac: body }
    case T.JOIN:
      if ((body[40]! & ~1) !== 0) return bad('reserved JOIN flags set')
      return { type, raw, token: body.subarray(0, 8), nonce: body.subarray(8, 40), backup: (body[40]! & 1) === 1, addrId: body[41]! }
    case T.JOIN_ACK:
      return { type, raw, nonce: body.subarray(0, 32), mac: body.subarray(32, 64) }
    case T.DATA:
      if (body.length < 9 || body.length > MAX_PAYLOAD_V2 + 8) return bad('malformed DATA')
      return { type, raw, dsn: body.readBigUInt64BE(0), payload: body.subarray(8) }
    case T.ACK:
      return { type, raw, ack: body.readBigUInt64BE(0), window: body.readUInt32BE(8) }
    case T.DATA_FIN:
      return { type, raw, dsn: body.readBigUInt64BE(0) }
    case T.PING:
    case T.PONG:
      return { type, raw, nonce: body.readBigUInt64BE(0) }
    case T.ADD_ADDR: {
      const family = body[1]
      const alen = family === 4 ? 4 : family === 6 ? 16 : -1
      if (alen < 0 || body.length !== 2 + alen + 2 + 32) return bad('malformed ADD_ADDR')
      const a = body.subarray(2, 2 + alen)
      const address = family === 4 ? formatIPv4(a, 0) : formatIPv6(a, 0)
      return { type, raw, id: body[0]!, family: family as 4 | 6, address, port: body.readUInt16BE(2 + alen), mac: body.subarray(4 + alen) }
    }
    case T.REMOVE_ADDR:
      return { type, raw, id: body[0]!, mac: body.subarray(1) }
    case T.PRIO:
      if ((body[0]! & ~1) !== 0) return bad('reserved PRIO flags set')
      return { type, raw, backup: body[0] === 1 }
    case T.ERROR:
      if (body.length < 2 || body.length > 258) return bad('malformed ERROR')
      return { type, raw, code: body.readUInt16BE(0), reason: body.subarray(2).toString('utf8') }
    default:
      return bad(`unknown frame type 0x${type.toString(16)}`)
  }
}

function bad(message: string, code: ErrorCodeValue = ErrorCode.PROTOCOL): FrameError {
  return { code, message }
}

export function isFrameError(x: Frame | FrameError): x is FrameError {
  return (x as Frame).type === undefined
}

/** Receives what FrameDecoder.feed() decodes. `dsn` is exact below 2^53, else Infinity with `big` exact. */
export interface FrameSink {
  data(dsn: number, big: bigint | null, payload: Buffer): boolean
  frame(f: Frame): boolean
}

/** DSNs whose high 32 bits are below this fit a Number exactly. */
const SAFE_HI = 0x200000

/**
 * Incremental decoder for one subflow: the 8-byte magic, then frames. `push()` returns the frames completed by
 * the chunk; after an error it returns nothing more. DATA is streamed: a DATA frame split across chunks comes
 * out as several DATA frames with consecutive DSNs (the same bytes, no copy), so the decoder only ever buffers
 * a partial header or a small control frame.
 */
export class FrameDecoder {
  private pending: Buffer[] = []
  private pendingLength = 0
  private need = 0
  private magicLeft: number
  private dataLeft = 0
  private dataDsn = 0
  private dataDsnBig: bigint | null = null
  error: FrameError | null = null
  /** Largest frame body accepted: version 1's until the engine raises it for the agreed version. */
  maxBody = MAX_BODY

  constructor(expectMagic = true) {
    this.magicLeft = expectMagic ? MAGIC.length : 0
  }

  get buffered(): number {
    return this.pendingLength
  }

  push(chunk: Buffer): Frame[] {
    const out: Frame[] = []
    this.feed(chunk, {
      data(dsn, big, payload) {
        out.push({ type: T.DATA, raw: payload, dsn: big ?? BigInt(dsn), payload })
        return true
      },
      frame(f) {
        out.push(f)
        return true
      },
    })
    return out
  }

  /** As push(), handing each frame to `sink` without building DATA frame objects; a false return stops it. */
  feed(chunk: Buffer, sink: FrameSink): void {
    if (this.error) return
    let buf = chunk
    if (this.magicLeft > 0) {
      const off = MAGIC.length - this.magicLeft
      const n = Math.min(this.magicLeft, buf.length)
      if (!buf.subarray(0, n).equals(MAGIC.subarray(off, off + n))) {
        this.error = bad('bad magic: peer does not speak the mptcp userspace protocol')
        return
      }
      this.magicLeft -= n
      buf = buf.subarray(n)
    }
    if (buf.length === 0) return
    if (this.pendingLength > 0) {
      if (this.pendingLength + buf.length < this.need) {
        this.pending.push(buf)
        this.pendingLength += buf.length
        return
      }
      this.pending.push(buf)
      buf = Buffer.concat(this.pending, this.pendingLength + buf.length)
      this.pending = []
      this.pendingLength = 0
    }
    let off = 0
    while (off < buf.length) {
      if (this.dataLeft > 0) {
        const take = Math.min(this.dataLeft, buf.length - off)
        const payload = take === buf.length ? buf : buf.subarray(off, off + take)
        const dsn = this.dataDsn
        const big = this.dataDsnBig
        this.advanceDsn(take)
        this.dataLeft -= take
        off += take
        if (!sink.data(dsn, big, payload)) return
        continue
      }
      if (buf.length - off < HEADER_SIZE) break
      const type = buf[off]!
      const length = buf.readUInt32BE(off) & 0xffffff
      if (length > this.maxBody) {
        this.error = bad(`frame length ${length} over the limit ${this.maxBody}`, ErrorCode.FRAME_TOO_LARGE)
        return
      }
      if (type === T.DATA) {
        if (length < 9) {
          this.error = bad('malformed DATA')
          return
        }
        if (buf.length - off < HEADER_SIZE + 8) break
        const hi = buf.readUInt32BE(off + HEADER_SIZE)
        if (hi < SAFE_HI) {
          this.dataDsn = hi * 0x100000000 + buf.readUInt32BE(off + HEADER_SIZE + 4)
          this.dataDsnBig = null
        } else {
          this.dataDsn = Infinity
          this.dataDsnBig = buf.readBigUInt64BE(off + HEADER_SIZE)
        }
        this.dataLeft = length - 8
        off += HEADER_SIZE + 8
        continue
      }
      if (buf.length - off < HEADER_SIZE + length) break
      const raw = buf.subarray(off, off + HEADER_SIZE + length)
      const f = decodeFrame(type, raw.subarray(HEADER_SIZE), raw)
      if (isFrameError(f)) {
        this.error = f
        return
      }
      off += HEADER_SIZE + length
      if (!sink.frame(f)) return
    }
    if (off < buf.length) {
      const rest = Buffer.from(buf.subarray(off))
      this.pending.push(rest)
      this.pendingLength = rest.length
      if (rest.length < HEADER_SIZE) this.need = HEADER_SIZE
      else this.need = rest[0] === T.DATA ? HEADER_SIZE + 8 : HEADER_SIZE + (rest.readUInt32BE(0) & 0xffffff)
    }
  }

  // The DSN stays a Number while it is exact (below 2^53); past that it is kept as a BigInt in dataDsnBig.
  private advanceDsn(n: number): void {
    if (this.dataDsnBig !== null) this.dataDsnBig += BigInt(n)
    else if (this.dataDsn + n > Number.MAX_SAFE_INTEGER) {
      this.dataDsnBig = BigInt(this.dataDsn) + BigInt(n)
      this.dataDsn = Infinity
    } else this.dataDsn += n
  }
}
