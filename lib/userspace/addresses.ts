import os = require('node:os')
import net = require('node:net')

/** An IPv4-mapped IPv6 address as plain IPv4; anything else unchanged. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address
}

export function familyOf(address: string): 4 | 6 {
  return net.isIPv4(plainAddress(address)) ? 4 : 6
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.')
}

/** Whether a local address may carry subflows: not link-local, loopback only when `loopback`. */
export function isUsable(address: string, family: 4 | 6, loopback: boolean): boolean {
  if (familyOf(address) !== family || net.isIP(address) === 0) return false
  if (isLoopback(address) !== loopback) return false
  return !(family === 6 && address.toLowerCase().startsWith('fe80'))
}

/**
 * Usable local addresses of a family: not link-local, loopback only when `loopback` (a connection on loopback
 * can only use loopback addresses).
 */
export function usableAddresses(family: 4 | 6, loopback: boolean): string[] {
  const out: string[] = []
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (isUsable(a.address, family, loopback) && !out.includes(a.address)) out.push(a.address)
  }
  return out
}
