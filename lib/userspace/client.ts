import net = require('node:net')
import { familyOf, plainAddress, usableAddresses } from './addresses'
import type { AddressInfo } from './engine'
import { engineOptions, type UserspaceOptions } from './options'
import { UserspaceSocket, type OnRead } from './socket'
import type { SubflowRecord } from './transport'

// Client side of `mptcp: 'userspace'`: dial the first subflow (kernel MPTCP first unless forced), then either
// pass through (kernel MPTCP worked) or run the userspace protocol on that same connection and open more
// subflows from other local addresses and to announced addresses.

type KernelConnect = (options: Record<string, unknown>) => net.Socket & { multipath?: 'kernel' | 'userspace' | false }

interface Path {
  local?: string | undefined
  remote: string
  port: number
  addrId: number
}

const STRIP = ['mptcp', 'userspace', 'timeout', 'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'allowHalfOpen', 'onread', 'signal']
// Events of the first subflow's dialing that net.Socket users listen for.
const FORWARD = ['lookup', 'connectionAttempt', 'connectionAttemptFailed', 'connectionAttemptTimeout']

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted'), { code: 'ABORT_ERR', name: 'AbortError', cause: signal.reason })
}

export function connectUserspace(options: Record<string, unknown>, cb: (() => void) | null, kernelConnect: KernelConnect): UserspaceSocket {
  const uo = (options.userspace ?? {}) as UserspaceOptions
  const firstOpts: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(options)) if (!STRIP.includes(k)) firstOpts[k] = v
  const paths = new Map<string, number>() // path key -> backoff ms
  const live = new Set<string>()
  const maxSubflows = uo.maxSubflows ?? 8
  let closed = false
  let locals: string[] = []

  const keyOf = (p: Path) => `${p.local ?? '*'}|${p.remote}|${p.port}`
  const isBackup = (p: Path) => !!uo.backup && (uo.backup.includes(p.remote) || (p.local !== undefined && uo.backup.includes(p.local)))

  const open = (us: UserspaceSocket, p: Path) => {
    const t = us.transport
    if (closed || !t || t.engine.state !== 'established') return
    const key = keyOf(p)
    if (live.has(key) || live.size >= maxSubflows) return
    live.add(key)
    const sock = net.connect({ host: p.remote, port: p.port, ...(p.local && { localAddress: p.local }) })
    const retry = () => {
      live.delete(key)
      scheduleReopen(us, p)
    }
    sock.once('error', retry)
    sock.once('connect', () => {
      sock.removeListener('error', retry)
      if (closed || t.engine.state !== 'established') return sock.destroy()
      const backup = isBackup(p)
      const id = t.add(sock, { backup, path: p })
      if (!t.engine.join(id, { backup, addrId: p.addrId })) sock.destroy()
      else {
        paths.set(key, 1000)
        if (p.local) us.localAddrs.add(p.local)
      }
    })
  }

  const scheduleReopen = (us: UserspaceSocket, p: Path) => {
    if (closed || uo.reopen === false) return
    const key = keyOf(p)
    if (!paths.has(key)) return
    const delay = paths.get(key)!
    paths.set(key, Math.min(delay * 2, 30_000))
    setTimeout(() => open(us, p), delay).unref()
  }

  const addPath = (us: UserspaceSocket, p: Path) => {
    const key = keyOf(p)
    if (!paths.has(key)) paths.set(key, 1000)
    open(us, p)
  }

  const us: UserspaceSocket = new UserspaceSocket(
    { allowHalfOpen: options.allowHalfOpen === true, onread: options.onread as OnRead | undefined },
    {
      onEstablished(s) {
        const first = s.transport!.first()!.socket
        const remote = plainAddress(first.remoteAddress ?? '')
        const port = first.remotePort ?? 0
        const firstLocal = plainAddress(first.localAddress ?? '')
        s.localAddrs.add(firstLocal)
        paths.set(keyOf({ local: firstLocal, remote, port, addrId: 0 }), 1000)
        live.add(keyOf({ local: firstLocal, remote, port, addrId: 0 }))
        const fam = familyOf(remote)
        const loop = remote.startsWith('127.') || remote === '::1'
        locals = (uo.localAddresses ?? usableAddresses(fam, loop)).filter((a) => familyOf(a) === fam)
        if (!locals.includes(firstLocal)) locals.unshift(firstLocal)
        for (const local of locals) if (local !== firstLocal) addPath(s, { local, remote, port, addrId: 0 })
      },
      onAddAddr(s, a: AddressInfo) {
        for (const local of locals) if (familyOf(local) === a.family) addPath(s, { local, remote: a.address, port: a.port, addrId: a.id })
      },
      onRemoveAddr(s, id) {
        for (const r of s.transport?.subflows.values() ?? []) {
          if (r.path && r.path.addrId === id) {
            paths.delete(keyOf(r.path))
            r.socket.destroy()
          }
        }
      },
      onSubflowGone(s, _id, rec: SubflowRecord) {
        if (!rec.path) return
        live.delete(keyOf(rec.path))
        scheduleReopen(s, rec.path)
      },
      onClosed() {
        closed = true
      },
    },
  )
  us.once('close', () => (closed = true))
  if (cb) us.once('connect', cb)
  if (typeof options.timeout === 'number') us.setTimeout(options.timeout)
  if (options.noDelay) us.setNoDelay(true)
  if (options.keepAlive) us.setKeepAlive(true, (options.keepAliveInitialDelay as number | undefined) ?? 0)

  const first: ReturnType<KernelConnect> = uo.force ? net.connect(firstOpts as unknown as net.NetConnectOpts) : kernelConnect({ ...firstOpts, mptcp: true })
  us.initial = first
  for (const ev of FORWARD) first.on(ev, (...args: unknown[]) => us.emit(ev, ...args))
  const signal = options.signal as AbortSignal | undefined
  if (signal) {
    const onAbort = () => us.destroy(abortError(signal))
    if (signal.aborted) process.nextTick(onAbort)
    else {
      signal.addEventListener('abort', onAbort, { once: true })
      us.once('close', () => signal.removeEventListener('abort', onAbort))
    }
  }
  const onError = (err: Error) => us.fail(err)
  first.once('error', onError)
  first.once('connect', () => {
    first.removeListener('error', onError)
    if (us.destroyed) return first.destroy()
    if (!uo.force && first.multipath === 'kernel') {
      us.startPassthrough(first)
      us.started()
      return
    }
    const t = us.startUserspace({ role: 'client', ...engineOptions(uo) })
    const id = t.add(first)
    t.engine.connect(id)
    us.started()
  })
  us.once('mptcp:destroyed', () => {
    if (!us.transport && us.multipath === false) first.destroy()
  })
  return us
}
