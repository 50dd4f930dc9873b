import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { labUnavailableReason, LabUnavailableError } from './availability'
import { killChildren, killPids, track, untrack, type LabResources } from './cleanup'
import { run } from './exec'
import { LabHost } from './host'
import { Middlebox, type MiddleboxRule } from './middlebox'
import { nextLabId, sweepStaleLabs } from './names'
import { tbfArgs, type Rate, type Shaping } from './rate'
import {
  clientRoutes,
  addressBatch,
  hostBatch,
  HOST_SYSCTLS,
  planPaths,
  type AddressFamilies,
  type EndpointMode,
  type LabPath,
  type Limits,
  type PathOptions,
} from './topology'

export interface LabOptions {
  /** A number of paths (default 2, each 50mbit), or one entry per path. */
  paths?: number | PathOptions[]
  /** Default 'signal'. */
  endpoints?: EndpointMode
  /** Default 'ipv4'. */
  family?: AddressFamilies
  /** ip mptcp limits on both hosts; default 8 and 8 (the kernel maximum). */
  limits?: Partial<Limits>
  /** net.mptcp.enabled per host; default true on both. */
  mptcpEnabled?: { client?: boolean; server?: boolean }
  /** Extra sysctls per host (applied after the lab's own). */
  sysctls?: { client?: Record<string, string | number>; server?: Record<string, string | number> }
}

/** Removes what an operation added (a blackhole, a middlebox rule). */
export type Undo = () => Promise<void>

export class Lab {
  readonly client: LabHost
  readonly server: LabHost
  private readonly resources: LabResources
  private readonly middleboxes: { client: Middlebox; server: Middlebox }
  private readonly blackholes = new Map<number, Undo>()
  private destroyed: Promise<void> | null = null

  constructor(
    /** `mptcp-<pid>-<n>`; the namespaces are `<id>-cli` and `<id>-srv`. */
    readonly id: string,
    readonly paths: LabPath[],
    resources: LabResources,
  ) {
    this.resources = resources
    const children = resources.children as Set<ChildProcessWithoutNullStreams>
    this.client = new LabHost(`${id}-cli`, 'client', children)
    this.server = new LabHost(`${id}-srv`, 'server', children)
    this.middleboxes = { client: new Middlebox(this.client), server: new Middlebox(this.server) }
  }

  path(index: number): LabPath {
    const p = this.paths[index]
    if (!p) throw Object.assign(new RangeError(`no path ${index} (the lab has ${this.paths.length})`), { code: 'ERR_OUT_OF_RANGE' })
    return p
  }

  /** The index of the path an address (of either host) belongs to, or -1. */
  pathIndexOf(address: string): number {
    const a = address.replace(/^::ffff:/, '')
    return this.paths.findIndex((p) =>
      [p.clientAddress4, p.serverAddress4, p.clientAddress6, p.serverAddress6].includes(a),
    )
  }

  /** Takes the path's link down on both ends (like pulling the cable). */
  async linkDown(index: number): Promise<void> {
    const p = this.path(index)
    await Promise.all([
      this.client.ip(['link', 'set', p.clientIf, 'down']),
      this.server.ip(['link', 'set', p.serverIf, 'down']),
    ])
  }

  /** Brings the path's link back up and restores its routes (the kernel drops them while a link is down). */
  async linkUp(index: number): Promise<void> {
    const p = this.path(index)
    await this.server.ip(['link', 'set', p.serverIf, 'up'])
    const routes = clientRoutes(p)
    await this.client.ipBatch({ v4: [`link set ${p.clientIf} up`, ...routes.v4], v6: routes.v6 })
  }

  /** Takes the path's address(es) off one host, as when an interface loses its address; the link stays up. */
  async removeAddress(side: 'client' | 'server', index: number): Promise<void> {
    await this[side].ipBatch(addressBatch(this.path(index), side, 'del'))
  }

  /** Puts the path's address(es) back on one host (and the client's source routes, which went with them). */
  async addAddress(side: 'client' | 'server', index: number): Promise<void> {
    await this[side].ipBatch(addressBatch(this.path(index), side, 'add'))
  }

  /** Changes the path's rate (both directions). */
  async setRate(index: number, rate: Rate, shaping: Omit<Shaping, 'rate'> = {}): Promise<void> {
    const p = this.path(index)
    p.shaping = { ...p.shaping, ...shaping, rate }
    const args = tbfArgs(p.shaping)
    await Promise.all([
      run('tc', ['-n', this.client.namespace, 'qdisc', 'replace', 'dev', p.clientIf, 'root', ...args]),
      run('tc', ['-n', this.server.namespace, 'qdisc', 'replace', 'dev', p.serverIf, 'root', ...args]),
    ])
  }

  /** Silently drops everything on the path, both ways (the link stays up: no error reaches anyone). */
  async blackhole(index: number): Promise<Undo> {
    const p = this.path(index)
    const existing = this.blackholes.get(index)
    if (existing) return existing
    const undo = await this.addRules([
      ['client', { kind: 'blackhole', ifname: p.clientIf }],
      ['server', { kind: 'blackhole', ifname: p.serverIf }],
    ])
    const once: Undo = async () => {
      if (this.blackholes.get(index) !== once) return
      this.blackholes.delete(index)
      await undo()
    }
    this.blackholes.set(index, once)
    return once
  }

  async unblackhole(index: number): Promise<void> {
    await this.blackholes.get(index)?.()
  }

  /**
   * A middlebox that strips the MPTCP TCP option (nftables `reset tcp option mptcp`):
   * - 'syn': from SYNs reaching the server, so the handshake falls back to TCP;
   * - 'after-handshake': from every non-SYN packet both ways, so an established connection falls back.
   * `path` limits it to one path (default: all).
   */
  stripMptcpOption(when: 'syn' | 'after-handshake', options: { path?: number } = {}): Promise<Undo> {
    const p = options.path === undefined ? undefined : this.path(options.path)
    if (when === 'syn') return this.addRules([['server', { kind: 'strip-syn', ifname: p?.serverIf }]])
    return this.addRules([
      ['server', { kind: 'strip-after-handshake', ifname: p?.serverIf }],
      ['client', { kind: 'strip-after-handshake', ifname: p?.clientIf }],
    ])
  }

  /** A middlebox that drops SYNs carrying MP_CAPABLE before they reach the server. */
  dropMptcpSyns(options: { path?: number } = {}): Promise<Undo> {
    const p = options.path === undefined ? undefined : this.path(options.path)
    return this.addRules([['server', { kind: 'drop-mp-capable-syn', ifname: p?.serverIf }]])
  }

  /**
   * A stateful middlebox on the client that forgets one connection (as a NAT does after a timeout or a
   * rebinding): every packet of the client's TCP connections on `localPort` is dropped silently, both ways;
   * new connections on the path pass.
   */
  forgetFlow(localPort: number, options: { path?: number } = {}): Promise<Undo> {
    if (!Number.isInteger(localPort) || localPort <= 0 || localPort > 65535) throw new RangeError(`forgetFlow: bad port ${localPort}`)
    const p = options.path === undefined ? undefined : this.path(options.path)
    return this.addRules([['client', { kind: 'drop-port', ifname: p?.clientIf, port: localPort }]])
  }

  /** Removes every blackhole and middlebox rule. */
  async clearMiddleboxes(): Promise<void> {
    this.blackholes.clear()
    await Promise.all([this.middleboxes.client.clear(), this.middleboxes.server.clear()])
  }

  private async addRules(rules: Array<['client' | 'server', MiddleboxRule]>): Promise<Undo> {
    const added: Array<[Middlebox, number]> = []
    for (const [side, rule] of rules) {
      const mb = this.middleboxes[side]
      added.push([mb, await mb.add(rule)])
    }
    let undone = false
    return async () => {
      if (undone) return
      undone = true
      for (const [mb, id] of added) await mb.remove(id)
    }
  }

  /** Kills what the lab started (and anything else left inside), deletes both namespaces. Safe to call twice. */
  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      const children = [...this.resources.children]
      killChildren(this.resources.children, 'SIGTERM')
      // 'exit', not 'close': a grandchild may hold the child's stdio open for as long as it lives.
      const exited = Promise.all(
        children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)))),
      )
      let timer: NodeJS.Timeout | undefined
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 1500)))])
      clearTimeout(timer)
      killChildren(this.resources.children, 'SIGKILL')
      for (const ns of this.resources.namespaces) {
        // Until nothing is left inside (SIGKILL takes effect when the process next runs).
        for (let i = 0; i < 40; i++) {
          const pids = (await run('ip', ['netns', 'pids', ns], { allowFailure: true })).stdout
          if (!pids.trim()) break
          killPids(pids)
          await sleep(25)
        }
        await run('ip', ['netns', 'del', ns], { allowFailure: true })
      }
      untrack(this.resources)
    })()
    return this.destroyed
  }
}

/** Builds the two hosts, their paths and their MPTCP configuration; see docs/lab.md. */
export async function createLab(options: LabOptions = {}): Promise<Lab> {
  const reason = labUnavailableReason()
  if (reason) throw new LabUnavailableError(reason)
  await sweepStaleLabs().catch(() => [])
  const pathOptions = typeof options.paths === 'number' || options.paths === undefined
    ? Array.from({ length: options.paths ?? 2 }, () => ({}))
    : options.paths
  const paths = planPaths(pathOptions, options.family ?? 'ipv4', options.endpoints ?? 'signal')
  const limits: Limits = { subflows: 8, addAddrAccepted: 8, ...options.limits }
  const id = nextLabId()
  const resources: LabResources = { namespaces: [`${id}-cli`, `${id}-srv`], children: new Set() }
  track(resources)
  const lab = new Lab(id, paths, resources)
  try {
    await build(lab, limits, options)
  } catch (err) {
    await lab.destroy()
    throw err
  }
  return lab
}

async function build(lab: Lab, limits: Limits, options: LabOptions): Promise<void> {
  const { client, server, paths } = lab
  await run('ip', ['netns', 'add', client.namespace])
  await run('ip', ['netns', 'add', server.namespace])
  const links = paths.map(
    (p) => `link add name ${p.clientIf} netns ${client.namespace} type veth peer name ${p.serverIf} netns ${server.namespace}`,
  )
  await run('ip', ['-batch', '-'], { input: links.join('\n') + '\n' })
  const enabled = options.mptcpEnabled ?? {}
  await Promise.all([
    client.sysctl({ ...HOST_SYSCTLS, 'net.mptcp.enabled': enabled.client === false ? 0 : 1, ...options.sysctls?.client }),
    server.sysctl({ ...HOST_SYSCTLS, 'net.mptcp.enabled': enabled.server === false ? 0 : 1, ...options.sysctls?.server }),
  ])
  await Promise.all([
    client.ipBatch(hostBatch(paths, 'client', limits)),
    server.ipBatch(hostBatch(paths, 'server', limits)),
  ])
  const qdiscs = (side: 'client' | 'server') =>
    paths.map((p) => `qdisc add dev ${side === 'client' ? p.clientIf : p.serverIf} root ${tbfArgs(p.shaping).join(' ')}`).join('\n') + '\n'
  await Promise.all([
    run('tc', ['-n', client.namespace, '-batch', '-'], { input: qdiscs('client') }),
    run('tc', ['-n', server.namespace, '-batch', '-'], { input: qdiscs('server') }),
  ])
  await waitForCarrier(lab)
}

async function waitForCarrier(lab: Lab): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { stdout } = await lab.client.ip(['-j', 'link', 'show'])
    const links = JSON.parse(stdout) as Array<{ ifname: string; operstate: string }>
    if (lab.paths.every((p) => links.find((l) => l.ifname === p.clientIf)?.operstate === 'UP')) return
    await sleep(20)
  }
}
