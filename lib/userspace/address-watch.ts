import os = require('node:os')

// One poll of the host's interface addresses for every userspace connection in the process (Node has no
// netlink): connections subscribe while they live, the timer runs only while someone listens and never
// keeps the process alive.

export type AddressChange = (added: string[], removed: string[]) => void

export const WATCH_INTERVAL_MS = 1000

const listeners = new Set<AddressChange>()
let timer: NodeJS.Timeout | null = null
let last = new Set<string>()

function snapshot(): Set<string> {
  const out = new Set<string>()
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.add(a.address)
  return out
}

function poll(): void {
  const now = snapshot()
  const added = [...now].filter((a) => !last.has(a))
  const removed = [...last].filter((a) => !now.has(a))
  last = now
  if (!added.length && !removed.length) return
  for (const fn of [...listeners]) fn(added, removed)
}

/** Calls fn with the addresses that appeared and disappeared since the last poll; returns the unsubscribe. */
export function watchAddresses(fn: AddressChange): () => void {
  if (!timer) {
    last = snapshot()
    timer = setInterval(poll, WATCH_INTERVAL_MS)
    timer.unref()
  }
  listeners.add(fn)
  return () => {
    listeners.delete(fn)
    if (!listeners.size && timer) {
      clearInterval(timer)
      timer = null
    }
  }
}
