import type { LabHost } from './host'

/** What the nftables "middlebox" in a namespace does to the packets it sees. */
export type MiddleboxRule =
  /** Drop every packet in and out of an interface, silently. */
  | { kind: 'blackhole'; ifname: string }
  /** Strip the MPTCP option from incoming SYNs (no ACK flag): the handshake falls back to TCP. */
  | { kind: 'strip-syn'; ifname?: string }
  /** Strip the MPTCP option from every incoming packet that is not a SYN or SYN-ACK. */
  | { kind: 'strip-after-handshake'; ifname?: string }
  /** Drop incoming SYNs that carry MP_CAPABLE. */
  | { kind: 'drop-mp-capable-syn'; ifname?: string }
  /** Drop every packet of the TCP connections using this local port, both ways (a NAT that lost the flow). */
  | { kind: 'drop-port'; ifname?: string; port: number }

const TABLE = 'mptcplab'
const SYN_ONLY = 'tcp flags & (syn | ack) == syn'

function iif(ifname?: string): string {
  return ifname ? `iifname "${ifname}" ` : ''
}

function render(rule: MiddleboxRule): { pre?: string; out?: string } {
  switch (rule.kind) {
    case 'blackhole':
      return { pre: `iifname "${rule.ifname}" drop`, out: `oifname "${rule.ifname}" drop` }
    case 'strip-syn':
      return { pre: `${iif(rule.ifname)}${SYN_ONLY} reset tcp option mptcp` }
    case 'strip-after-handshake':
      return { pre: `${iif(rule.ifname)}tcp flags & syn == 0 reset tcp option mptcp` }
    case 'drop-mp-capable-syn':
      return { pre: `${iif(rule.ifname)}${SYN_ONLY} tcp option mptcp subtype 0 drop` }
    case 'drop-port': {
      const oif = rule.ifname ? `oifname "${rule.ifname}" ` : ''
      return { pre: `${iif(rule.ifname)}tcp dport ${rule.port} drop`, out: `${oif}tcp sport ${rule.port} drop` }
    }
  }
}

/** The nftables table of one namespace, rewritten whole (atomically) on every change. */
export class Middlebox {
  private readonly rules = new Map<number, MiddleboxRule>()
  private nextId = 1

  constructor(private readonly host: LabHost) {}

  get active(): MiddleboxRule[] {
    return [...this.rules.values()]
  }

  async add(rule: MiddleboxRule): Promise<number> {
    const id = this.nextId++
    this.rules.set(id, rule)
    await this.apply()
    return id
  }

  async remove(id: number): Promise<void> {
    if (this.rules.delete(id)) await this.apply()
  }

  async clear(): Promise<void> {
    if (!this.rules.size) return
    this.rules.clear()
    await this.apply()
  }

  private async apply(): Promise<void> {
    const pre: string[] = []
    const out: string[] = []
    for (const rule of this.rules.values()) {
      const r = render(rule)
      if (r.pre) pre.push(r.pre)
      if (r.out) out.push(r.out)
    }
    const chain = (name: string, hook: string, body: string[]) =>
      `  chain ${name} {\n    type filter hook ${hook} priority raw; policy accept;\n${body.map((l) => `    ${l}\n`).join('')}  }\n`
    const script = [
      `table inet ${TABLE}`,
      `delete table inet ${TABLE}`,
      ...(this.rules.size ? [`table inet ${TABLE} {\n${chain('pre', 'prerouting', pre)}${chain('out', 'output', out)}}`] : []),
      '',
    ].join('\n')
    await this.host.exec(['nft', '-f', '-'], { input: script })
  }
}
