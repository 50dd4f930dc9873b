import { parseArgs } from './args'
import { EXIT } from './exit-codes'
import { formatStatus, toJson } from './format'
import { commandHelp, mainHelp } from './help'
import { runModule } from './run-module'
import { collectStatus, type Status } from './status'

export interface Io {
  out(text: string): void
  err(text: string): void
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }

export function statusExitCode(st: Status): number {
  return st.verdict === 'unavailable' ? EXIT.unavailable : st.verdict === 'single-path' ? EXIT.singlePath : EXIT.ok
}

/** `--seconds N` (or DEMO_SECONDS) for the demo. */
function secondsOf(rest: string[]): number | undefined {
  const i = rest.indexOf('--seconds')
  const value = Number(i >= 0 ? rest[i + 1] : process.env.DEMO_SECONDS)
  return Number.isFinite(value) && value > 0 ? value : undefined
}

function version(): string {
  return (require('../../package.json') as { version: string }).version
}

/** The `mptcp` command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  const args = parseArgs(argv)
  if (args.version) {
    io.out(`${version()}\n`)
    return EXIT.ok
  }
  const command = args.command ?? (args.help ? 'help' : null)
  if (command === null) {
    io.err(mainHelp)
    return EXIT.usage
  }
  if (command === 'help') {
    const topic = args.rest.find((a) => !a.startsWith('-'))
    if (topic && !commandHelp[topic]) {
      io.err(`mptcp: no help for unknown command '${topic}'\n`)
      return EXIT.usage
    }
    io.out(topic ? commandHelp[topic]! : mainHelp)
    return EXIT.ok
  }
  if (!commandHelp[command]) {
    io.err(`mptcp: unknown command '${command}'\n\n${mainHelp}`)
    return EXIT.usage
  }
  if (args.help) {
    io.out(commandHelp[command]!)
    return EXIT.ok
  }
  if (args.unknown.length && command === 'status') {
    io.err(`mptcp status: unknown option ${args.unknown.join(', ')}\n\n${commandHelp.status}`)
    return EXIT.usage
  }
  try {
    if (command === 'status') {
      const st = collectStatus()
      io.out(args.json ? toJson(st) : formatStatus(st))
      return statusExitCode(st)
    }
    if (command === 'demo') {
      const seconds = secondsOf(args.rest)
      const run = await runModule('demo', 'runDemo', {
        json: args.json,
        args: args.rest,
        ...(seconds ? { seconds } : {}),
        ...(args.json ? { write: () => {} } : {}),
      })
      if (run.message) io.err(`mptcp demo: ${run.message}\n`)
      else if (args.json && run.result !== undefined) io.out(toJson(run.result))
      return run.code
    }
    const run = await runModule('lab', 'runLabDemo', { json: args.json, args: args.rest })
    if (run.message) io.err(`mptcp lab: ${run.message}\n`)
    return run.code
  } catch (err) {
    io.err(`mptcp ${command}: ${(err as Error).stack ?? String(err)}\n`)
    return EXIT.unavailable
  }
}
