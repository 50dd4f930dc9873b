import { execFileSync, type ChildProcess } from 'node:child_process'

/** What must go when the process ends, whatever way it ends. */
export interface LabResources {
  namespaces: string[]
  children: Set<ChildProcess>
}

const live = new Set<LabResources>()
let installed = false
let exitHooked = false

export function killChildren(children: Set<ChildProcess>, signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal)
      } catch {
        // already gone
      }
    }
  }
}

/** SIGKILL to every process still inside a namespace (grandchildren of what the lab spawned, say). */
export function killPids(pids: string): void {
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // gone
    }
  }
}

function removeSync(res: LabResources): void {
  killChildren(res.children)
  for (const ns of res.namespaces) {
    try {
      killPids(execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
    } catch {
      // no such namespace
    }
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
    } catch {
      // already deleted
    }
  }
}

export function cleanupAllSync(): void {
  for (const res of live) removeSync(res)
  live.clear()
}

// Any listener turns off a signal's default action. After cleaning up, step aside and deliver the signal again:
// with no other listener the process ends by it as it would have; other listeners (signal-exit, say, which
// re-raises only when it is alone) see it once more without us.
function onSignal(signal: NodeJS.Signals): void {
  cleanupAllSync()
  for (const s of SIGNALS) process.removeListener(s, onSignal)
  installed = false
  process.kill(process.pid, signal)
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

function install(): void {
  if (installed) return
  installed = true
  if (!exitHooked) {
    exitHooked = true
    process.on('exit', cleanupAllSync)
    process.on('uncaughtExceptionMonitor', cleanupAllSync)
  }
  for (const signal of SIGNALS) process.on(signal, onSignal)
}

export function track(res: LabResources): void {
  install()
  live.add(res)
}

export function untrack(res: LabResources): void {
  live.delete(res)
}
