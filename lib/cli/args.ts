export interface Args {
  command: string | null
  json: boolean
  help: boolean
  version: boolean
  /** Anything else, passed on to the command. */
  rest: string[]
  /** Flags that no command knows. */
  unknown: string[]
}

const known = new Set(['--json', '--help', '-h', '--version', '-v'])

export function parseArgs(argv: readonly string[]): Args {
  const out: Args = { command: null, json: false, help: false, version: false, rest: [], unknown: [] }
  for (const arg of argv) {
    if (arg === '--json') out.json = true
    else if (arg === '--help' || arg === '-h') out.help = true
    else if (arg === '--version' || arg === '-v') out.version = true
    else if (out.command === null && !arg.startsWith('-')) out.command = arg
    else {
      out.rest.push(arg)
      if (arg.startsWith('-') && !known.has(arg)) out.unknown.push(arg)
    }
  }
  return out
}
