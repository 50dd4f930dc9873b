import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptionsWithoutStdio } from 'node:child_process'
import { run, type RunOptions, type RunResult } from './exec'
import { NodeProcess } from './node-process'

export type HostRole = 'client' | 'server'
export type EndpointFlag = 'signal' | 'subflow' | 'backup' | 'fullmesh'

export interface MptcpEndpoint {
  id: number
  address: string
  dev?: string
  flags: EndpointFlag[]
}

export interface SpawnNodeOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Extra node flags (before the script). */
  execArgv?: string[]
}

/** One side of the lab: a network namespace. */
export class LabHost {
  constructor(
    /** The network namespace's name. */
    readonly namespace: string,
    readonly role: HostRole,
    private readonly children: Set<ChildProcessWithoutNullStreams>,
  ) {}

  /** Runs a command inside the namespace (`ip netns exec <ns> ...`) and waits for it. */
  exec(argv: string[], options?: RunOptions): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.namespace, ...argv], options)
  }

  /** `ip -n <ns> ...`; `input` runs a batch (`-batch -`). */
  ip(args: string[], options?: RunOptions): Promise<RunResult> {
    return run('ip', ['-n', this.namespace, ...args], options)
  }

  /** Starts a long-running command inside the namespace; it is killed on destroy() at the latest. */
  spawn(argv: string[], options: SpawnOptionsWithoutStdio = {}): ChildProcessWithoutNullStreams {
    const child = spawn('ip', ['netns', 'exec', this.namespace, ...argv], { ...options, stdio: 'pipe' })
    this.children.add(child)
    child.on('close', () => this.children.delete(child))
    child.on('error', () => {})
    return child
  }

  /** Runs a node script inside the namespace; talk to it with JSON lines (see NodeProcess). */
  spawnNode(script: string, args: string[] = [], options: SpawnNodeOptions = {}): NodeProcess {
    const child = this.spawn([process.execPath, ...(options.execArgv ?? []), script, ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
    })
    return new NodeProcess(child, `${this.role} ${script.split('/').pop()}`)
  }

  /** Sets sysctls inside the namespace; unknown keys are ignored. */
  async sysctl(settings: Record<string, string | number>): Promise<void> {
    const pairs = Object.entries(settings).map(([k, v]) => `${k}=${v}`)
    if (pairs.length) await this.exec(['sysctl', '-q', '-e', '-w', ...pairs])
  }

  /** Runs an ip batch: the v4 lines with `ip -batch`, then the v6 ones with `ip -6 -batch`. */
  async ipBatch(batch: { v4: string[]; v6: string[] }): Promise<void> {
    if (batch.v4.length) await this.ip(['-batch', '-'], { input: batch.v4.join('\n') + '\n' })
    if (batch.v6.length) await this.ip(['-6', '-batch', '-'], { input: batch.v6.join('\n') + '\n' })
  }

  async readSysctl(key: string): Promise<string> {
    return (await this.exec(['sysctl', '-n', key])).stdout.trim()
  }

  /** net.mptcp.enabled: with 0 the host cannot open MPTCP sockets (ENOPROTOOPT) and answers MPTCP SYNs as TCP. */
  setMptcpEnabled(enabled: boolean): Promise<void> {
    return this.sysctl({ 'net.mptcp.enabled': enabled ? 1 : 0 })
  }

  async endpoints(): Promise<MptcpEndpoint[]> {
    const { stdout } = await this.ip(['-j', 'mptcp', 'endpoint', 'show'])
    const list = JSON.parse(stdout || '[]') as Array<Record<string, unknown>>
    const flags: EndpointFlag[] = ['signal', 'subflow', 'backup', 'fullmesh']
    return list.map((e) => ({
      id: Number(e.id),
      address: String(e.address),
      ...(typeof e.dev === 'string' ? { dev: e.dev } : {}),
      flags: flags.filter((f) => e[f] === true),
    }))
  }

  async addEndpoint(address: string, flags: EndpointFlag[], options: { dev?: string; id?: number } = {}): Promise<void> {
    const args = ['mptcp', 'endpoint', 'add', address]
    if (options.id !== undefined) args.push('id', String(options.id))
    if (options.dev) args.push('dev', options.dev)
    await this.ip([...args, ...flags])
  }

  async deleteEndpoint(id: number): Promise<void> {
    await this.ip(['mptcp', 'endpoint', 'delete', 'id', String(id)])
  }

  /** Turns an endpoint's backup flag on or off (also on its existing subflows). */
  async setEndpointBackup(id: number, backup: boolean): Promise<void> {
    await this.ip(['mptcp', 'endpoint', 'change', 'id', String(id), backup ? 'backup' : 'nobackup'])
  }

  async setLimits(limits: { subflows: number; addAddrAccepted: number }): Promise<void> {
    await this.ip(['mptcp', 'limits', 'set', 'subflow', String(limits.subflows), 'add_addr_accepted', String(limits.addAddrAccepted)])
  }
}
