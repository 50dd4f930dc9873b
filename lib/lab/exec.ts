import { spawn } from 'node:child_process'

export interface RunResult {
  stdout: string
  stderr: string
  code: number
}

export interface RunOptions {
  /** Written to the command's stdin (then closed). */
  input?: string
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
}

/** A lab command (ip, tc, nft, sysctl, ...) that failed. */
export class LabCommandError extends Error {
  readonly code = 'ERR_MPTCP_LAB_COMMAND'
  constructor(
    readonly command: string[],
    readonly exitCode: number,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`${command.join(' ')} exited with ${exitCode}: ${stderr.trim() || stdout.trim()}`)
    this.name = 'LabCommandError'
  }
}

/** Runs a program to completion, collecting its output. */
export function run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env })
    let stdout = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    if (options.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.stdin.on('error', () => {})
    child.on('error', (err) => {
      if (timer) clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      const result = { stdout, stderr, code: code ?? (signal ? 128 : 1) }
      if (result.code !== 0 && !options.allowFailure) reject(new LabCommandError([file, ...args], result.code, stderr, stdout))
      else resolve(result)
    })
    child.stdin.end(options.input ?? '')
  })
}
