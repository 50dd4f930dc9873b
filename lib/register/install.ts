import util = require('node:util')
import { policy } from '../policy'
import { kernelSupport } from '../support'
import { patchDialers } from './dialers'
import { patchListeners } from './listeners'

const debug = util.debuglog('mptcp')
const kInstalled = Symbol.for('mptcp.register')

export interface Installed {
  listen: boolean
  dial: boolean
  /** Why nothing (or not everything) was patched. */
  reason: string | null
}

/** Patches net's Server and Socket prototypes once per process, as the policy allows. */
export function install(): Installed {
  const g = globalThis as { [kInstalled]?: Installed }
  if (g[kInstalled]) return g[kInstalled]
  const kernel = kernelSupport()
  let result: Installed
  if (!kernel.available) result = { listen: false, dial: false, reason: kernel.reason }
  else if (!policy.listen && !policy.dial) result = { listen: false, dial: false, reason: `disabled by ${policy.source}` }
  else {
    if (policy.listen) patchListeners(debug)
    if (policy.dial) patchDialers(debug)
    result = { listen: policy.listen, dial: policy.dial, reason: policy.listen && policy.dial ? null : policy.source }
  }
  g[kInstalled] = result
  debug('preload: listeners %s, dialers %s%s', result.listen ? 'MPTCP' : 'unchanged', result.dial ? 'MPTCP' : 'unchanged',
    result.reason ? ` (${result.reason})` : '')
  return result
}
