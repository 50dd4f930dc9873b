/** A tc rate: '50mbit', '1gbit', '500kbit', or a number of bits per second. */
export type Rate = string | number

const UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }

/** Bits per second for a tc rate string ('mbps' is megabytes per second, as in tc). */
export function rateToBits(rate: Rate): number {
  if (typeof rate === 'number') return rate
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(bit|bps)?$/i.exec(rate.trim())
  if (!m) throw Object.assign(new TypeError(`not a tc rate: ${rate}`), { code: 'ERR_INVALID_ARG_VALUE' })
  const base = m[3] ? 1024 ** ' kmgt'.indexOf(m[2]!.toLowerCase()) : UNITS[m[2]!.toLowerCase()]!
  const perByte = m[4]?.toLowerCase() === 'bps' ? 8 : 1
  return Number(m[1]) * base * perByte
}

export function rateToTc(rate: Rate): string {
  return typeof rate === 'number' ? `${Math.round(rate)}bit` : rate
}

export interface Shaping {
  rate: Rate
  /** tbf bucket size in bytes; default: 4 ms at the rate, at least 16 KiB. */
  burst?: number
  /** tbf queue length as a delay; default '25ms'. */
  latency?: string
}

/** The `tbf ...` part of a tc qdisc command. */
export function tbfArgs(shaping: Shaping): string[] {
  const bits = rateToBits(shaping.rate)
  const burst = shaping.burst ?? Math.max(16384, Math.ceil((bits / 8) * 0.004))
  return ['tbf', 'rate', rateToTc(shaping.rate), 'burst', String(burst), 'latency', shaping.latency ?? '25ms']
}
