import { execFileSync, type ChildProcess } from 'node:child_process'

/** What must go when the process ends, whatever way it ends. */
export interface LabResources {
  namespaces: string[]
  children: Set<ChildProcess>
}

const live = new Set<LabResources>()
let installed = false

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

function removeSync(res: LabResources): void {
  killChildren(res.children)
  for (const ns of res.namespaces) {
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

function onSignal(signal: NodeJS.Signals): void {
  cleanupAllSync()
  // Only our own listener left: restore the default action (exit by that signal).
  if (process.listenerCount(signal) <= 1) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  }
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', cleanupAllSync)
  process.on('uncaughtExceptionMonitor', cleanupAllSync)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal)
}

export function track(res: LabResources): void {
  install()
  live.add(res)
}

export function untrack(res: LabResources): void {
  live.delete(res)
}
