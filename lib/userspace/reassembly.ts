// Out-of-order data at the receiver: disjoint copies, each charged at least SEGMENT_CHARGE bytes against the
// receive window, so many tiny segments cannot cost more memory than the window allows.

export const SEGMENT_CHARGE = 512

interface Piece {
  dsn: number
  buf: Buffer
}

export class Reassembly {
  private pieces: Piece[] = []
  /** Bytes charged against the window (≥ the bytes held). */
  charged = 0

  get size(): number {
    return this.pieces.length
  }

  /** First DSN after the highest piece held (0 when empty). */
  get end(): number {
    const last = this.pieces[this.pieces.length - 1]
    return last ? last.dsn + last.buf.length : 0
  }

  /**
   * Keeps [start, start + buf.length) minus what is already held, as copies (never slices of the socket's
   * chunk). Returns the bytes dropped because `budget` (what may still be charged) ran out.
   */
  insert(start: number, buf: Buffer, budget: number): number {
    let i = 0
    while (i < this.pieces.length && this.pieces[i]!.dsn + this.pieces[i]!.buf.length <= start) i++
    let pos = start
    let rest = buf
    while (rest.length > 0) {
      const next = this.pieces[i]
      if (next && next.dsn <= pos) {
        const skip = next.dsn + next.buf.length - pos
        if (skip >= rest.length) return 0
        rest = rest.subarray(skip)
        pos += skip
        i++
        continue
      }
      const take = next ? Math.min(rest.length, next.dsn - pos) : rest.length
      const charge = Math.max(take, SEGMENT_CHARGE)
      if (charge > budget) return rest.length
      budget -= charge
      this.pieces.splice(i, 0, { dsn: pos, buf: Buffer.from(rest.subarray(0, take)) })
      this.charged += charge
      i++
      pos += take
      rest = rest.subarray(take)
    }
    return 0
  }

  /** The next held bytes that start at or before `rcvNxt` and reach past it, trimmed to start at rcvNxt. */
  take(rcvNxt: number): Buffer | null {
    while (this.pieces.length && this.pieces[0]!.dsn <= rcvNxt) {
      const p = this.pieces.shift()!
      this.charged -= Math.max(p.buf.length, SEGMENT_CHARGE)
      if (p.dsn + p.buf.length > rcvNxt) return p.buf.subarray(rcvNxt - p.dsn)
    }
    return null
  }

  clear(): void {
    this.pieces = []
    this.charged = 0
  }
}
