import { constants } from 'node:os'
import { native } from './binding'
import * as c from './constants'

// Opens the listening socket net.Server will adopt with listen({ fd }): socket, SO_REUSEADDR
// (as libuv sets it), IPV6_V6ONLY as asked, bind. Returns the fd or -errno; never leaks the fd.

const UV_TCP_IPV6ONLY = 1
const EADDRINUSE = -constants.errno.EADDRINUSE

export interface Listener {
  fd: number
  address: string
  addressType: 4 | 6
}

function open(address: string, port: number, addressType: 4 | 6, flags: number): number {
  const n = native!
  const fd = n.socket(addressType === 6 ? c.AF_INET6 : c.AF_INET, c.SOCK_STREAM, c.IPPROTO_MPTCP)
  if (fd < 0) return fd
  let rc = n.setsockopt(fd, c.SOL_SOCKET, c.SO_REUSEADDR, 1)
  if (rc >= 0 && addressType === 6) {
    rc = n.setsockopt(fd, c.IPPROTO_IPV6, c.IPV6_V6ONLY, flags & UV_TCP_IPV6ONLY ? 1 : 0)
  }
  if (rc >= 0) rc = n.bind(fd, address, port)
  if (rc < 0) {
    n.close(fd)
    return rc
  }
  return fd
}

/** A bound MPTCP listening socket for net's (address, port, addressType) triple; no address: dual-stack `::`, else 0.0.0.0. */
export function openListener(
  address: string | null,
  port: number,
  addressType: number,
  flags: number,
): Listener | { errno: number; address: string } {
  if (address) {
    const type = addressType === 6 ? 6 : 4
    const fd = open(address, port, type, flags)
    return fd < 0 ? { errno: fd, address } : { fd, address, addressType: type }
  }
  const fd6 = open('::', port, 6, flags)
  if (fd6 >= 0) return { fd: fd6, address: '::', addressType: 6 }
  // net falls back to IPv4 when IPv6 is unusable; an address in use is an error of its own (libuv reports it
  // from listen(), so net never falls back for it).
  if (fd6 === EADDRINUSE) return { errno: fd6, address: '::' }
  const fd4 = open('0.0.0.0', port, 4, flags)
  return fd4 < 0 ? { errno: fd4, address: '0.0.0.0' } : { fd: fd4, address: '0.0.0.0', addressType: 4 }
}
