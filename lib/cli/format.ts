import type { Status } from './status'

function table(rows: Array<[string, string]>, indent = '  '): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join('\n')
}

const verdictText: Record<Status['verdict'], string> = {
  multipath: 'MPTCP works here and connections can use more than one path',
  'single-path': 'MPTCP works here, but connections will stay on a single path (see hints)',
  unavailable: 'MPTCP is not available here: connections are plain TCP (see hints)',
}

/** The human-readable `mptcp status` report. */
export function formatStatus(st: Status): string {
  const s = st.support
  const limits = st.limits
    ? `subflows ${st.limits.subflows ?? '?'}, add_addr_accepted ${st.limits.addAddrAccepted ?? '?'}`
    : `unknown (${st.ipError})`
  const endpoints =
    st.endpoints === null ? `unknown (${st.ipError})`
    : st.endpoints.length === 0 ? 'none'
    : st.endpoints.map((e) => `${e.id}: ${e.address}${e.port ? `:${e.port}` : ''}${e.dev ? ` dev ${e.dev}` : ''} ${e.flags.join(',') || '(no flags)'}`).join('\n' + ' '.repeat(16))
  const out = [
    'MPTCP status',
    table([
      ['addon', s.native.loaded ? `loaded${st.addonPath ? ` (${st.addonPath})` : ''}` : `not loaded: ${s.native.reason}`],
      ['kernel', s.kernel.available ? `MPTCP available (${s.platform} ${s.release})` : `unavailable: ${s.kernel.reason}`],
      ['policy', s.policy.listen && s.policy.dial ? `listeners and dialers (${s.policy.source})` : `listen ${s.policy.listen ? 'on' : 'off'}, dial ${s.policy.dial ? 'on' : 'off'} (${s.policy.source})`],
      ['path manager', st.pathManager],
      ['limits', limits],
      ['endpoints', endpoints],
      ['addresses', st.addresses.map((a) => `${a.address} (${a.interface})`).join(', ') || 'none besides loopback'],
    ]),
  ]
  const sysctls = Object.entries(s.sysctls)
  if (sysctls.length) out.push('', 'sysctl', table(sysctls))
  if (st.hints.length) {
    out.push('', 'hints')
    for (const h of st.hints) {
      out.push(`  ${h.level === 'error' ? '✗' : h.level === 'warning' ? '!' : 'i'} ${h.problem}`)
      if (h.fix) out.push(`      fix: ${h.fix}`)
    }
  }
  out.push('', verdictText[st.verdict])
  return out.join('\n') + '\n'
}

/** JSON with bigint as strings (support() has none today; stats may). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n'
}
