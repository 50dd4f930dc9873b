import { run } from './exec'

/** Every namespace the lab creates is named `mptcp-<pid>-<n>-cli` / `-srv`. */
export const NAMESPACE_PREFIX = 'mptcp-'
const LAB_NAMESPACE = /^mptcp-(\d+)-(\d+)-(cli|srv)$/

let counter = 0

/** A lab id unique on this machine while this process lives: `mptcp-<pid>-<n>`. */
export function nextLabId(): string {
  return `${NAMESPACE_PREFIX}${process.pid}-${counter++}`
}

export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { allowFailure: true })
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Deletes lab namespaces left behind by processes that no longer exist (killed with SIGKILL, say).
 * A namespace that still has processes in it is left alone. Returns the names deleted.
 */
export async function sweepStaleLabs(): Promise<string[]> {
  const removed: string[] = []
  for (const name of await listNamespaces()) {
    const m = LAB_NAMESPACE.exec(name)
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue
    const pids = await run('ip', ['netns', 'pids', name], { allowFailure: true })
    if (pids.stdout.trim()) continue
    const del = await run('ip', ['netns', 'del', name], { allowFailure: true })
    if (del.code === 0) removed.push(name)
  }
  return removed
}
