// Which subflow(s) carry the next segment (docs/userspace-protocol.md §6). `pool` is already filtered to the
// subflows allowed to carry data now (healthy active ones, else healthy backups, else any open one).

export type SchedulerName = 'default' | 'redundant' | 'roundrobin'

export interface Schedulable {
  id: number
  inflight: number
  rate: number
  srtt: number
}

const UNKNOWN_RATE = 10 * 1024 * 1024 // bytes/s assumed until a subflow has delivered something

/** Expected time (ms) until `len` more bytes sent on this subflow are delivered. */
export function expectedCompletion(s: Schedulable, len: number): number {
  const rate = s.rate > 0 ? s.rate : UNKNOWN_RATE
  return ((s.inflight + len) * 1000) / rate + s.srtt / 2
}

export function choose<S extends Schedulable>(name: SchedulerName, pool: S[], len: number, blocked: (s: S) => boolean, turn: number): S[] {
  if (pool.length === 0) return []
  switch (name) {
    case 'redundant':
      return pool.filter((s) => !blocked(s))
    case 'roundrobin': {
      for (let i = 0; i < pool.length; i++) {
        const s = pool[(turn + i) % pool.length]!
        if (!blocked(s)) return [s]
      }
      return []
    }
    default: {
      // Earliest expected completion; if that subflow's socket is full, wait for it rather than send on a
      // slower one (that is what avoids head-of-line blocking behind a slow path).
      let best: S | undefined
      let bestT = Infinity
      for (const s of pool) {
        const t = expectedCompletion(s, len)
        if (t < bestT || (t === bestT && best && s.id < best.id)) {
          best = s
          bestT = t
        }
      }
      if (!best) return []
      if (!blocked(best)) return [best]
      const open = pool.filter((s) => !blocked(s))
      if (open.length === 0) return []
      // A blocked best still loses to an idle subflow that would finish no later than twice as late.
      const alt = open.reduce((a, b) => (expectedCompletion(a, len) <= expectedCompletion(b, len) ? a : b))
      return expectedCompletion(alt, len) <= 2 * bestT ? [alt] : []
    }
  }
}
