import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])) {
    try {
      accessSync(join(dir, program), constants.X_OK)
      return true
    } catch {
      // next
    }
  }
  return false
}

/**
 * Why the lab cannot run here, or null when it can: it needs root (network namespaces), a kernel with
 * MPTCP, and ip, tc and nft (scripts/install-system-deps.sh installs them).
 */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `the multipath lab needs Linux network namespaces (this is ${process.platform})`
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'the multipath lab needs root (it creates network namespaces): run as root, e.g. sudo'
  }
  if (!existsSync('/proc/sys/net/mptcp')) return 'the kernel has no MPTCP (no /proc/sys/net/mptcp): needs Linux >= 5.6 with CONFIG_MPTCP'
  const missing = ['ip', 'tc', 'nft'].filter((p) => !onPath(p))
  if (missing.length) {
    return `the multipath lab needs ${missing.join(', ')} (packages iproute2, nftables): run scripts/install-system-deps.sh as root`
  }
  return null
}

/** Thrown by createLab() where the lab cannot run; `reason` says why. */
export class LabUnavailableError extends Error {
  readonly code = 'ERR_MPTCP_LAB_UNAVAILABLE'
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'LabUnavailableError'
  }
}
