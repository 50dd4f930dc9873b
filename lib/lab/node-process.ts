import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'

export type Message = Record<string, unknown>
type Filter = (msg: Message) => boolean

interface Waiter {
  filter: Filter
  resolve: (msg: Message) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/** A child process that speaks JSON lines: one object per stdout line in, one per stdin line out. */
export class NodeProcess {
  readonly child: ChildProcessWithoutNullStreams
  /** Every JSON message received so far, in order (including the ones next() consumed). */
  readonly messages: Message[] = []
  /** Non-JSON stdout lines. */
  readonly output: string[] = []
  stderr = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private readonly pending: Message[] = []
  private readonly waiters: Waiter[] = []
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null

  constructor(child: ChildProcessWithoutNullStreams, readonly label: string) {
    this.child = child
    child.stdin.on('error', () => {})
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d
      if (this.stderr.length > 65536) this.stderr = this.stderr.slice(-32768)
    })
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line))
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.exitInfo = { code, signal }
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer)
          w.reject(this.error(`exited (code ${code}, signal ${signal}) before the expected message`))
        }
        resolve(this.exitInfo)
      })
    })
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  private onLine(line: string): void {
    let msg: unknown
    try {
      msg = line.startsWith('{') ? JSON.parse(line) : undefined
    } catch {
      msg = undefined
    }
    if (!msg || typeof msg !== 'object') {
      this.output.push(line)
      return
    }
    const m = msg as Message
    this.messages.push(m)
    const i = this.waiters.findIndex((w) => w.filter(m))
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1)
      clearTimeout(w!.timer)
      w!.resolve(m)
    } else {
      this.pending.push(m)
    }
  }

  private error(text: string): Error {
    const err = new Error(`${this.label}: ${text}${this.stderr ? `\nstderr:\n${this.stderr.trim()}` : ''}`)
    ;(err as NodeJS.ErrnoException).code = 'ERR_MPTCP_LAB_CHILD'
    return err
  }

  /**
   * The next message that matches: an `event` name, a predicate, or anything. Messages that arrived before
   * the call count; the one returned is consumed.
   */
  next(match?: string | Filter, timeoutMs = 60_000): Promise<Message> {
    const filter: Filter =
      typeof match === 'string' ? (m) => m.event === match : typeof match === 'function' ? match : () => true
    const i = this.pending.findIndex(filter)
    if (i >= 0) return Promise.resolve(this.pending.splice(i, 1)[0]!)
    if (this.exitInfo) return Promise.reject(this.error(`already exited (code ${this.exitInfo.code})`))
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        filter,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1)
          reject(this.error(`no ${typeof match === 'string' ? `'${match}' ` : ''}message within ${timeoutMs} ms`))
        }, timeoutMs),
      }
      this.waiters.push(waiter)
    })
  }

  /** Sends one JSON line to the child's stdin. */
  send(msg: Message): void {
    this.child.stdin.write(`${JSON.stringify(msg)}\n`)
  }

  /** SIGTERM, then SIGKILL if it is still there after graceMs. */
  async kill(graceMs = 2000): Promise<void> {
    if (this.exitInfo) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }
}
