import fs = require('node:fs')
import os = require('node:os')
import util = require('node:util')
import { native, reason as nativeReason } from './binding'
import * as c from './constants'
import { policy, type Policy } from './policy'

const { errno } = os.constants as unknown as { errno: Record<string, number> }

export interface KernelSupport {
  available: boolean
  /** Why not, when not available. */
  reason: string | null
  /** The socket() error code behind `reason`, if any. */
  code: string | null
}

export interface Support {
  /** MPTCP sockets can be opened right now: addon loaded and kernel MPTCP enabled. */
  mptcp: boolean
  native: { loaded: boolean; reason: string | null }
  kernel: KernelSupport
  policy: Policy
  platform: string
  release: string
  /** net.mptcp.* as readable from /proc/sys (Linux); empty elsewhere. */
  sysctls: Record<string, string>
}

let probed: KernelSupport | undefined

function probe(): KernelSupport {
  if (!native) return { available: false, reason: nativeReason, code: null }
  if (process.platform !== 'linux') {
    return { available: false, reason: `no kernel MPTCP socket API on ${process.platform}`, code: null }
  }
  const fd = native.socket(c.AF_INET, c.SOCK_STREAM, c.IPPROTO_MPTCP)
  if (fd >= 0) {
    native.close(fd)
    return { available: true, reason: null, code: null }
  }
  if (fd === -errno.EPROTONOSUPPORT!) {
    return { available: false, reason: 'kernel built without MPTCP (CONFIG_MPTCP)', code: 'EPROTONOSUPPORT' }
  }
  if (fd === -errno.EINVAL!) return { available: false, reason: 'kernel older than 5.6 (no MPTCP)', code: 'EINVAL' }
  if (fd === -errno.ENOPROTOOPT!) {
    return { available: false, reason: 'disabled by sysctl net.mptcp.enabled=0', code: 'ENOPROTOOPT' }
  }
  const code = util.getSystemErrorName(fd)
  return { available: false, reason: `socket(IPPROTO_MPTCP) failed with ${code}`, code }
}

/** Kernel MPTCP availability, probed once per process (`refresh` probes again). */
export function kernelSupport(refresh = false): KernelSupport {
  if (!probed || refresh) probed = probe()
  return probed
}

/** Errors from socket(IPPROTO_MPTCP) that mean "no MPTCP here", where plain TCP is the fallback. */
export function isUnavailableErrno(rc: number): boolean {
  return rc === -errno.EPROTONOSUPPORT! || rc === -errno.EINVAL! || rc === -errno.ENOPROTOOPT!
}

function readSysctls(): Record<string, string> {
  const dir = '/proc/sys/net/mptcp'
  const out: Record<string, string> = {}
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return out
  }
  for (const name of names.sort()) {
    try {
      out[`net.mptcp.${name}`] = fs.readFileSync(`${dir}/${name}`, 'utf8').trim()
    } catch {
      // Unreadable (permissions, or gone): leave it out.
    }
  }
  return out
}

/** What this host can do, and why not. */
export function support(options: { refresh?: boolean } = {}): Support {
  const kernel = kernelSupport(options.refresh === true)
  return {
    mptcp: kernel.available,
    native: { loaded: native !== null, reason: nativeReason },
    kernel: { ...kernel },
    policy: { ...policy },
    platform: process.platform,
    release: os.release(),
    sysctls: readSysctls(),
  }
}
