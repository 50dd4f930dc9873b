import os = require('node:os')
import path = require('node:path')
import { support, type Support } from '../support'
import { readEndpoints, readLimits, type Limits, type MptcpEndpoint, type Read } from './ip-mptcp'

export interface Hint {
  level: 'error' | 'warning' | 'info'
  /** What stops (or limits) multipath. */
  problem: string
  /** A command or step that fixes it, when there is one. */
  fix?: string
}

export type Verdict = 'multipath' | 'single-path' | 'unavailable'

export interface Status {
  verdict: Verdict
  support: Support
  /** Which binary the addon came from (a prebuild or a local build), relative to the package. */
  addonPath: string | null
  pathManager: 'kernel' | 'userspace' | 'unknown'
  limits: Limits | null
  endpoints: MptcpEndpoint[] | null
  /** Why limits/endpoints could not be read, when they could not. */
  ipError: string | null
  /** Non-loopback addresses this host has (candidates for endpoints). */
  addresses: HostAddress[]
  hints: Hint[]
}

export interface HostAddress {
  address: string
  family: 'IPv4' | 'IPv6'
  interface: string
}

export interface Inputs {
  support: Support
  addonPath?: string | null
  limits: Read<Limits>
  endpoints: Read<MptcpEndpoint[]>
  addresses: HostAddress[]
}

function pathManagerOf(sysctls: Record<string, string>): Status['pathManager'] {
  const pm = sysctls['net.mptcp.path_manager'] ?? (sysctls['net.mptcp.pm_type'] === '1' ? 'userspace' : sysctls['net.mptcp.pm_type'] === '0' ? 'kernel' : undefined)
  return pm === 'kernel' || pm === 'in-kernel' ? 'kernel' : pm === 'userspace' ? 'userspace' : 'unknown'
}

function availabilityHints(s: Support): Hint[] {
  const hints: Hint[] = []
  if (!s.native.loaded) {
    hints.push({
      level: 'error',
      problem: `native addon not loaded (${s.native.reason}): sockets are plain TCP`,
      fix: s.native.reason?.includes('NODE_MPTCP_NO_NATIVE')
        ? 'unset NODE_MPTCP_NO_NATIVE'
        : 'npm rebuild mptcp (needs a C++ compiler), or install on linux-x64 where a prebuilt binary ships',
    })
    return hints
  }
  const code = s.kernel.code
  if (!s.kernel.available) {
    const fix =
      code === 'ENOPROTOOPT' ? 'sysctl -w net.mptcp.enabled=1'
      : code === 'EPROTONOSUPPORT' ? 'use a kernel built with CONFIG_MPTCP=y (most distributions since 2020)'
      : code === 'EINVAL' ? 'upgrade to Linux 5.6 or newer (5.10+ recommended)'
      : undefined
    hints.push({ level: 'error', problem: `kernel MPTCP unavailable: ${s.kernel.reason}`, ...(fix ? { fix } : {}) })
  }
  if (!s.policy.listen || !s.policy.dial) {
    const what = !s.policy.listen && !s.policy.dial ? 'listeners and dialers' : !s.policy.listen ? 'listeners' : 'dialers'
    hints.push({ level: 'warning', problem: `${what} use plain TCP: ${s.policy.source}`, fix: 'unset NODE_MPTCP (or NODE_MPTCP=on)' })
  }
  return hints
}

function pathHints(st: Pick<Status, 'pathManager' | 'limits' | 'endpoints' | 'addresses'>): Hint[] {
  const hints: Hint[] = []
  if (st.pathManager === 'userspace') {
    hints.push({ level: 'info', problem: 'a userspace path manager (e.g. mptcpd) decides the subflows; ip mptcp endpoints are not used' })
    return hints
  }
  const { limits, endpoints } = st
  if (limits?.subflows === 0) {
    hints.push({
      level: 'warning',
      problem: 'subflow limit is 0: no connection can add a second path',
      fix: 'ip mptcp limits set subflow 2 add_addr_accepted 2',
    })
  }
  if (endpoints && endpoints.length === 0) {
    const a = st.addresses.find((x) => x.family === 'IPv4') ?? st.addresses[0]
    const example = a ? `${a.address} dev ${a.interface}` : '<address> dev <interface>'
    hints.push({
      level: 'warning',
      problem: 'no MPTCP endpoints: this host opens no extra subflows and announces no extra address',
      fix: `ip mptcp endpoint add ${example} subflow   (on clients; 'signal' on servers)`,
    })
  } else if (endpoints && !endpoints.some((e) => e.flags.includes('subflow') || e.flags.includes('signal'))) {
    hints.push({
      level: 'warning',
      problem: "endpoints exist but none has the 'subflow' or 'signal' flag, so none is used",
      fix: 'ip mptcp endpoint change id <id> subflow   (or re-add with subflow / signal)',
    })
  }
  if (limits?.addAddrAccepted === 0) {
    hints.push({
      level: 'info',
      problem: 'add_addr_accepted is 0: as a client this host ignores addresses servers announce',
      fix: 'ip mptcp limits set subflow 2 add_addr_accepted 2',
    })
  }
  if (st.addresses.length < 2) {
    hints.push({ level: 'info', problem: `${st.addresses.length} non-loopback address(es): a second path needs a second address (or a peer announcing one)` })
  }
  return hints
}

function verdictOf(st: Omit<Status, 'verdict'>): Verdict {
  if (!st.support.mptcp) return 'unavailable'
  if (st.pathManager === 'userspace' || st.limits === null || st.endpoints === null) return 'multipath'
  const canAdd = (st.limits.subflows ?? 0) > 0
  const hasPath = st.endpoints.length > 0 || (st.limits.addAddrAccepted ?? 0) > 0
  return canAdd && hasPath ? 'multipath' : 'single-path'
}

/** Builds the status from already gathered inputs (pure, for tests). */
export function evaluate(input: Inputs): Status {
  const s = input.support
  const limits = input.limits.ok ? input.limits.value : null
  const endpoints = input.endpoints.ok ? input.endpoints.value : null
  const ipError = !input.limits.ok ? input.limits.error : !input.endpoints.ok ? input.endpoints.error : null
  const partial = { support: s, addonPath: input.addonPath ?? null, pathManager: pathManagerOf(s.sysctls), limits, endpoints, ipError, addresses: input.addresses }
  const hints = availabilityHints(s)
  if (s.mptcp) hints.push(...pathHints(partial))
  if (ipError) hints.push({ level: 'info', problem: `could not read MPTCP limits/endpoints: ${ipError}` })
  const st = { ...partial, hints }
  return { verdict: verdictOf(st), ...st }
}

function nonLoopbackAddresses(): HostAddress[] {
  const out: HostAddress[] = []
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || (a.family === 'IPv6' && a.address.startsWith('fe80'))) continue
      out.push({ address: a.address, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4', interface: name })
    }
  }
  return out
}

function addonPath(loaded: boolean): string | null {
  if (!loaded) return null
  const pkg = path.join(__dirname, '..', '..')
  try {
    const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string }
    return path.relative(pkg, nodeGypBuild.path(pkg))
  } catch {
    return null
  }
}

/** Gathers everything `mptcp status` shows, from this host. */
export function collectStatus(): Status {
  const s = support({ refresh: true })
  const onLinux = process.platform === 'linux'
  const none: Read<never> = { ok: false, error: `not Linux (${process.platform})` }
  return evaluate({
    support: s,
    addonPath: addonPath(s.native.loaded),
    limits: onLinux ? readLimits() : none,
    endpoints: onLinux ? readEndpoints() : none,
    addresses: nonLoopbackAddresses(),
  })
}
