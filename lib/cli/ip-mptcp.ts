import { execFileSync } from 'node:child_process'

// `ip mptcp limits` / `ip mptcp endpoint` as the host's iproute2 reports them (the in-kernel path manager's
// configuration for this network namespace).

export interface Limits {
  subflows?: number
  addAddrAccepted?: number
}

export interface MptcpEndpoint {
  id: number
  address: string
  dev?: string
  port?: number
  flags: string[]
}

export type Read<T> = { ok: true; value: T } | { ok: false; error: string }

const flagNames = ['signal', 'subflow', 'backup', 'fullmesh', 'implicit', 'laminar']

function ip(args: string[]): Read<string> {
  try {
    return { ok: true, value: execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 3000 }) }
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    if (e.code === 'ENOENT') return { ok: false, error: "'ip' (iproute2) is not installed" }
    return { ok: false, error: (e.stderr || e.message).toString().trim().split('\n')[0] ?? 'ip failed' }
  }
}

/** Parses `ip mptcp limits show`: "add_addr_accepted 0 subflows 2". */
export function parseLimits(text: string): Limits {
  const words = text.trim().split(/\s+/)
  const out: Limits = {}
  for (let i = 0; i + 1 < words.length; i += 2) {
    const value = Number(words[i + 1])
    if (!Number.isInteger(value)) continue
    if (words[i] === 'subflows' || words[i] === 'subflow') out.subflows = value
    else if (words[i] === 'add_addr_accepted') out.addAddrAccepted = value
  }
  return out
}

/** Parses `ip -j mptcp endpoint show` (JSON) or, failing that, its text form. */
export function parseEndpoints(text: string): MptcpEndpoint[] {
  try {
    const list = JSON.parse(text) as Array<Record<string, unknown>>
    return list.map((e) => ({
      id: Number(e.id),
      address: String(e.address),
      ...(typeof e.dev === 'string' ? { dev: e.dev } : {}),
      ...(typeof e.port === 'number' ? { port: e.port } : {}),
      flags: flagNames.filter((f) => e[f] === true),
    }))
  } catch {
    return text
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((w) => w.length > 1)
      .map((w) => {
        const at = (k: string) => (w.indexOf(k) >= 0 ? w[w.indexOf(k) + 1] : undefined)
        const dev = at('dev')
        const port = at('port')
        return {
          id: Number(at('id')),
          address: w[0]!,
          ...(dev ? { dev } : {}),
          ...(port ? { port: Number(port) } : {}),
          flags: flagNames.filter((f) => w.includes(f)),
        }
      })
  }
}

export function readLimits(): Read<Limits> {
  const r = ip(['mptcp', 'limits', 'show'])
  return r.ok ? { ok: true, value: parseLimits(r.value) } : r
}

export function readEndpoints(): Read<MptcpEndpoint[]> {
  const r = ip(['-j', 'mptcp', 'endpoint', 'show'])
  return r.ok ? { ok: true, value: parseEndpoints(r.value) } : r
}
