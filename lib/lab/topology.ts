import type { EndpointFlag } from './host'
import type { Shaping } from './rate'

export type AddressFamilies = 'ipv4' | 'ipv6' | 'dual'

/**
 * Which MPTCP endpoints to configure:
 * - signal: the server announces its address on every path but the first (ADD_ADDR)
 * - subflow: the client opens a subflow from its address on every path but the first
 * - fullmesh: the client has a fullmesh subflow endpoint on every path and the server signals, so every
 *   client address connects to every server address (paths^2 subflows)
 * - backup: like subflow, but those subflows are backups (used only when no other subflow can send)
 * - none: no endpoints (one subflow)
 */
export type EndpointMode = 'signal' | 'subflow' | 'fullmesh' | 'backup' | 'none'

export interface PathOptions extends Partial<Shaping> {
  /** Endpoint flags for the client's address on this path, replacing what `endpoints` gives it ([] for none). */
  clientEndpoint?: EndpointFlag[]
  /** Endpoint flags for the server's address on this path, replacing what `endpoints` gives it ([] for none). */
  serverEndpoint?: EndpointFlag[]
}

export interface LabPath {
  /** 0-based, as used by linkDown(i) and friends. */
  index: number
  /** Interface names inside the client and server namespaces. */
  clientIf: string
  serverIf: string
  /** The path's addresses in the lab's main family (IPv4 unless family is 'ipv6'). */
  clientAddress: string
  serverAddress: string
  clientAddress4?: string
  serverAddress4?: string
  clientAddress6?: string
  serverAddress6?: string
  /** Routing table the client uses for traffic from its addresses on this path. */
  table: number
  shaping: Shaping
  clientEndpoint: EndpointFlag[]
  serverEndpoint: EndpointFlag[]
}

export const DEFAULT_RATE = '50mbit'

function endpointFlags(mode: EndpointMode, index: number): { client: EndpointFlag[]; server: EndpointFlag[] } {
  const first = index === 0
  switch (mode) {
    case 'signal':
      return { client: [], server: first ? [] : ['signal'] }
    case 'subflow':
      return { client: first ? [] : ['subflow'], server: [] }
    case 'backup':
      return { client: first ? [] : ['subflow', 'backup'], server: [] }
    case 'fullmesh':
      return { client: ['subflow', 'fullmesh'], server: first ? [] : ['signal'] }
    case 'none':
      return { client: [], server: [] }
  }
}

/** Address plan: path n (1-based) is 10.31.n.0/24 and fd00:31:n::/64; client .1, server .2. */
export function planPaths(paths: PathOptions[], family: AddressFamilies, mode: EndpointMode): LabPath[] {
  if (paths.length < 1 || paths.length > 200) {
    throw Object.assign(new RangeError(`a lab has 1..200 paths, not ${paths.length}`), { code: 'ERR_OUT_OF_RANGE' })
  }
  return paths.map((p, index) => {
    const n = index + 1
    const v4 = family !== 'ipv6'
    const v6 = family !== 'ipv4'
    const flags = endpointFlags(mode, index)
    const path: LabPath = {
      index,
      clientIf: `cli-p${n}`,
      serverIf: `srv-p${n}`,
      clientAddress: v4 ? `10.31.${n}.1` : `fd00:31:${n}::1`,
      serverAddress: v4 ? `10.31.${n}.2` : `fd00:31:${n}::2`,
      table: 100 + n,
      shaping: { rate: p.rate ?? DEFAULT_RATE, ...(p.burst ? { burst: p.burst } : {}), ...(p.latency ? { latency: p.latency } : {}) },
      clientEndpoint: p.clientEndpoint ?? flags.client,
      serverEndpoint: p.serverEndpoint ?? flags.server,
    }
    if (v4) Object.assign(path, { clientAddress4: `10.31.${n}.1`, serverAddress4: `10.31.${n}.2` })
    if (v6) Object.assign(path, { clientAddress6: `fd00:31:${n}::1`, serverAddress6: `fd00:31:${n}::2` })
    return path
  })
}

/**
 * Source routing on the client: traffic from a path's address leaves by that path's link, whatever the
 * destination (so a fullmesh subflow 10.31.1.1 -> 10.31.2.2 really crosses path 1). The table ends with an
 * unreachable route so that, while the link is down, nothing leaks onto another path. The server routes by
 * destination (its connected routes), so a reply always takes the link of the client address it goes to.
 */
export function clientRoutes(path: LabPath): Batch {
  const b: Batch = { v4: [], v6: [] }
  if (path.clientAddress4) b.v4.push(`route replace default via ${path.serverAddress4} dev ${path.clientIf} table ${path.table}`)
  if (path.clientAddress6) b.v6.push(`route replace default via ${path.serverAddress6} dev ${path.clientIf} table ${path.table}`)
  return b
}

/** Lines for `ip -batch` (v4) and `ip -6 -batch` (v6: ip cannot tell the family of some v6 lines itself). */
export interface Batch {
  v4: string[]
  v6: string[]
}

function addresses(path: LabPath, side: 'client' | 'server', op: 'add' | 'del' = 'add'): string[] {
  const dev = side === 'client' ? path.clientIf : path.serverIf
  const lines: string[] = []
  const a4 = side === 'client' ? path.clientAddress4 : path.serverAddress4
  const a6 = side === 'client' ? path.clientAddress6 : path.serverAddress6
  if (a4) lines.push(`address ${op} ${a4}/24 dev ${dev}`)
  if (a6) lines.push(`address ${op} ${a6}/64 dev ${dev}${op === 'add' ? ' nodad' : ''}`)
  return lines
}

/** Lines that take a path's addresses off one host, or put them back (with the client's source routes). */
export function addressBatch(path: LabPath, side: 'client' | 'server', op: 'add' | 'del'): Batch {
  const b: Batch = { v4: addresses(path, side, op), v6: [] }
  if (op === 'add' && side === 'client') {
    const routes = clientRoutes(path)
    b.v4.push(...routes.v4)
    b.v6.push(...routes.v6)
  }
  return b
}

function endpoints(path: LabPath, side: 'client' | 'server'): string[] {
  const flags = side === 'client' ? path.clientEndpoint : path.serverEndpoint
  if (!flags.length) return []
  const dev = side === 'client' ? path.clientIf : path.serverIf
  const list: Array<[string | undefined, number]> = side === 'client'
    ? [[path.clientAddress4, 1], [path.clientAddress6, 101]]
    : [[path.serverAddress4, 1], [path.serverAddress6, 101]]
  return list
    .filter(([a]) => a)
    .map(([a, base]) => `mptcp endpoint add ${a} id ${base + path.index} dev ${dev} ${flags.join(' ')}`)
}

export interface Limits {
  subflows: number
  addAddrAccepted: number
}

/** The `ip -batch` for one side: links, addresses, routes, rules, MPTCP limits and endpoints. */
export function hostBatch(paths: LabPath[], side: 'client' | 'server', limits: Limits): Batch {
  const b: Batch = { v4: ['link set lo up'], v6: [] }
  for (const p of paths) b.v4.push(`link set ${side === 'client' ? p.clientIf : p.serverIf} up`)
  for (const p of paths) b.v4.push(...addresses(p, side))
  if (side === 'client') {
    for (const p of paths) {
      const routes = clientRoutes(p)
      b.v4.push(...routes.v4)
      b.v6.push(...routes.v6)
      if (p.clientAddress4) {
        b.v4.push(`route add unreachable default metric 4000 table ${p.table}`)
        b.v4.push(`rule add from ${p.clientAddress4} table ${p.table} pref ${1000 + p.index}`)
      }
      if (p.clientAddress6) {
        b.v6.push(`route add unreachable ::/0 metric 4000 table ${p.table}`)
        b.v6.push(`rule add from ${p.clientAddress6} table ${p.table} pref ${1000 + p.index}`)
      }
    }
  }
  b.v4.push(`mptcp limits set subflow ${limits.subflows} add_addr_accepted ${limits.addAddrAccepted}`)
  for (const p of paths) b.v4.push(...endpoints(p, side))
  return b
}

export const HOST_SYSCTLS: Record<string, number> = {
  'net.mptcp.enabled': 1,
  // After a dropped MPTCP SYN the kernel would otherwise turn MPTCP off in the namespace for an hour.
  'net.mptcp.blackhole_timeout': 0,
  // An ADD_ADDR lost in a full tbf queue is otherwise resent only after 120 s.
  'net.mptcp.add_addr_timeout': 1,
  'net.ipv4.conf.all.rp_filter': 0,
  'net.ipv4.conf.default.rp_filter': 0,
  // Keep IPv6 addresses while a link is down, as IPv4 does, so linkUp() restores the path as it was.
  'net.ipv6.conf.all.keep_addr_on_down': 1,
  'net.ipv6.conf.default.keep_addr_on_down': 1,
  'net.ipv6.conf.all.accept_dad': 0,
  'net.ipv6.conf.default.accept_dad': 0,
}
