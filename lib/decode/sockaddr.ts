// struct sockaddr_in / sockaddr_in6 as Linux lays them out (family is host order, port network order).
export const AF_INET = 2
export const AF_INET6 = 10

export interface Endpoint {
  address: string
  family: 'IPv4' | 'IPv6'
  port: number
}

export function formatIPv4(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`
}

/** RFC 5952 text form: lower case, longest run of zero groups compressed, IPv4-mapped tail kept dotted. */
export function formatIPv6(buf: Buffer, off: number): string {
  const groups: number[] = []
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(off + i * 2))
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(buf, off + 12)}`
  }
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`
}

/** Decodes a sockaddr at `off`; null for a family other than IPv4/IPv6 (an unused slot is AF_UNSPEC). */
export function decodeSockaddr(buf: Buffer, off: number): Endpoint | null {
  if (off + 2 > buf.length) return null
  const family = buf.readUInt16LE(off)
  if (family === AF_INET && off + 8 <= buf.length) {
    return { address: formatIPv4(buf, off + 4), family: 'IPv4', port: buf.readUInt16BE(off + 2) }
  }
  if (family === AF_INET6 && off + 24 <= buf.length) {
    return { address: formatIPv6(buf, off + 8), family: 'IPv6', port: buf.readUInt16BE(off + 2) }
  }
  return null
}
