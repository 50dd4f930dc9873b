import { invalidArgValue } from './errors'

/**
 * Process-wide kill switch, like Go's GODEBUG=multipathtcp: NODE_MPTCP=0|off (never), 1|on (listeners and
 * dialers, the default), listen|2 (listeners only), dial|3 (dialers only).
 */
export interface Policy {
  listen: boolean
  dial: boolean
  /** Where the policy came from, for support(). */
  source: string
}

const modes: Record<string, [listen: boolean, dial: boolean]> = {
  '1': [true, true],
  on: [true, true],
  true: [true, true],
  '0': [false, false],
  off: [false, false],
  false: [false, false],
  '2': [true, false],
  listen: [true, false],
  listeners: [true, false],
  '3': [false, true],
  dial: [false, true],
  dialers: [false, true],
}

export function parsePolicy(value: string | undefined): Policy {
  if (value === undefined || value.trim() === '') return { listen: true, dial: true, source: 'default' }
  const mode = modes[value.trim().toLowerCase()]
  if (!mode) {
    return { listen: true, dial: true, source: `NODE_MPTCP=${value} not understood (expected off, on, listen or dial); using on` }
  }
  return { listen: mode[0], dial: mode[1], source: `NODE_MPTCP=${value}` }
}

export const policy: Policy = parsePolicy(process.env.NODE_MPTCP)

/** What a socket asked for with its `mptcp` option. */
export type MptcpOption = boolean | 'require' | 'userspace'

export function validateMptcpOption(value: unknown, name = 'options.mptcp'): MptcpOption | undefined {
  if (value === undefined || value === true || value === false || value === 'require' || value === 'userspace') {
    return value
  }
  throw invalidArgValue(name, value, "must be one of true, false, 'require', 'userspace'")
}
