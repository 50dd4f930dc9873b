import net = require('node:net')
import { familyOf, isLoopback, isUsable, plainAddress, usableAddresses } from './addresses'
import { watchAddresses } from './address-watch'
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

const PROBE_MS = 1000
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
  // Every path this connection may use, by key, with its re-open backoff in ms.
  const paths = new Map<string, { path: Path; backoff: number }>()
  const remotes = new Map<number, { remote: string; port: number; addrId: number }>() // by address id (0: the first)
  let unwatch: (() => void) | null = null
  const live = new Set<string>()
  const maxSubflows = uo.maxSubflows ?? 8
  let closed = false
  let locals: string[] = []

  const keyOf = (p: Path) => `${p.local ?? '*'}|${p.remote}|${p.port}`
  const isBackup = (p: Path) => !!uo.backup && (uo.backup.includes(p.remote) || (p.local !== undefined && uo.backup.includes(p.local)))

  // Dials a path's TCP connection and joins it; a connect that hangs past timeoutMs counts as failed.
  const dial = (us: UserspaceSocket, p: Path, timeoutMs: number, failed: () => void, joined: (id: number) => void) => {
    const t = us.transport!
    const sock = net.connect({ host: p.remote, port: p.port, ...(p.local && { localAddress: p.local }) })
    const timer = timeoutMs > 0 ? setTimeout(() => sock.destroy(), timeoutMs).unref() : null
    let done = false
    const fail = () => {
      if (timer) clearTimeout(timer)
      if (!done) failed()
      done = true
    }
    sock.once('error', fail)
    sock.once('close', fail)
    sock.once('connect', () => {
      if (timer) clearTimeout(timer)
      done = true
      sock.removeListener('error', fail)
      sock.removeListener('close', fail)
      if (closed || t.engine.state !== 'established') return sock.destroy()
      const backup = isBackup(p)
      const id = t.add(sock, { backup, path: p })
      if (!t.engine.join(id, { backup, addrId: p.addrId })) sock.destroy()
      else {
        paths.set(keyOf(p), { path: p, backoff: 1000 })
        if (p.local) us.localAddrs.add(p.local)
        joined(id)
      }
    })
  }

  const open = (us: UserspaceSocket, p: Path) => {
    const t = us.transport
    if (closed || !t || t.engine.state !== 'established') return
    const key = keyOf(p)
    if (live.has(key) || live.size >= maxSubflows) return
    live.add(key)
    dial(us, p, 0, () => {
      live.delete(key)
      scheduleReopen(us, p)
    }, () => {})
  }

  // A subflow whose path went silent keeps its TCP connection: after the link returns, TCP resends only when
  // its backed-off RTO fires (seconds later). While it stays stale, a fresh connection on the same path is tried
  // every PROBE_MS; once one is joined and open it replaces the stale subflow (whose data was reinjected).
  const probes = new Map<SubflowRecord, { timer: NodeJS.Timeout | null; probe: SubflowRecord | null }>()
  const replacing = new Map<number, SubflowRecord>() // probe subflow id -> the stale record it replaces
  const noReopen = new WeakSet<net.Socket>()
  const stopProbing = (rec: SubflowRecord) => {
    const st = probes.get(rec)
    if (!st) return
    probes.delete(rec)
    if (st.timer) clearTimeout(st.timer)
  }
  const probe = (us: UserspaceSocket, stale: SubflowRecord) => {
    const st = probes.get(stale)
    const t = us.transport
    if (!st || closed || !t || t.engine.state !== 'established' || !t.subflows.has(stale.id)) return stopProbing(stale)
    st.timer = null
    if (t.subflows.size >= maxSubflows) {
      // No room for a probe beside it (a join over the peer's cap would be refused and counted against us):
      // close the stale subflow instead; its data is reinjected and the path re-opened with backoff.
      stopProbing(stale)
      return stale.socket.destroy()
    }
    dial(us, stale.path!, PROBE_MS, () => {
      if (probes.get(stale) === st && !st.probe) st.timer = setTimeout(() => probe(us, stale), PROBE_MS).unref()
    }, (id) => {
      const rec = t.subflows.get(id)
      if (!rec) return
      if (probes.get(stale) !== st) {
        noReopen.add(rec.socket)
        return rec.socket.destroy()
      }
      st.probe = rec
      replacing.set(id, stale)
    })
  }
  const scheduleReopen = (us: UserspaceSocket, p: Path) => {
    if (closed || uo.reopen === false) return
    const known = paths.get(keyOf(p))
    if (!known) return
    const delay = known.backoff
    known.backoff = Math.min(delay * 2, 30_000)
    setTimeout(() => open(us, p), delay).unref()
  }

  const addPath = (us: UserspaceSocket, p: Path) => {
    const key = keyOf(p)
    if (!paths.has(key)) paths.set(key, { path: p, backoff: 1000 })
    open(us, p)
  }

  // Stops using the paths that match: their subflows are closed (data reinjected) and never re-opened.
  const forget = (us: UserspaceSocket, match: (p: Path) => boolean) => {
    for (const [key, { path }] of paths) if (match(path)) paths.delete(key)
    for (const r of us.transport?.subflows.values() ?? []) {
      if (!r.path || !match(r.path)) continue
      noReopen.add(r.socket)
      live.delete(keyOf(r.path))
      r.socket.destroy()
    }
  }

  // The host's addresses changed (polled): a new usable local address gets subflows to every known remote, a
  // vanished one loses its subflows.
  const onAddresses = (us: UserspaceSocket, fam: 4 | 6, loop: boolean, added: string[], removed: string[]) => {
    for (const a of removed.map(plainAddress)) {
      if (!locals.includes(a)) continue
      locals = locals.filter((l) => l !== a)
      forget(us, (p) => p.local === a)
    }
    for (const a of added.map(plainAddress)) {
      if (locals.includes(a) || !isUsable(a, fam, loop) || (uo.localAddresses && !uo.localAddresses.includes(a))) continue
      locals.push(a)
      for (const r of remotes.values()) addPath(us, { local: a, ...r })
    }
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
        const firstPath: Path = { local: firstLocal, remote, port, addrId: 0 }
        s.transport!.first()!.path = firstPath
        paths.set(keyOf(firstPath), { path: firstPath, backoff: 1000 })
        live.add(keyOf(firstPath))
        remotes.set(0, { remote, port, addrId: 0 })
        const fam = familyOf(remote)
        const loop = isLoopback(remote)
        locals = (uo.localAddresses ?? usableAddresses(fam, loop)).filter((a) => familyOf(a) === fam)
        if (!locals.includes(firstLocal)) locals.unshift(firstLocal)
        for (const local of locals) if (local !== firstLocal) addPath(s, { local, remote, port, addrId: 0 })
        if (uo.watchAddresses !== false) {
          // Until the engine is done (onClosed) or the socket closes, whichever comes first.
          unwatch = watchAddresses((added, removed) => onAddresses(s, fam, loop, added, removed))
          s.once('close', unwatch)
        }
      },
      onAddAddr(s, a: AddressInfo) {
        if (a.id === 0 || remotes.has(a.id)) return
        remotes.set(a.id, { remote: a.address, port: a.port, addrId: a.id })
        for (const local of locals) if (familyOf(local) === a.family) addPath(s, { local, remote: a.address, port: a.port, addrId: a.id })
      },
      onRemoveAddr(s, id) {
        if (id === 0) return
        remotes.delete(id)
        forget(s, (p) => p.addrId === id)
      },
      onSubflowGone(s, id, rec: SubflowRecord) {
        stopProbing(rec)
        const stale = replacing.get(id)
        replacing.delete(id)
        if (stale && probes.get(stale)?.probe === rec) {
          const st = probes.get(stale)!
          st.probe = null
          st.timer = setTimeout(() => probe(s, stale), PROBE_MS).unref()
        }
        if (!rec.path || noReopen.has(rec.socket)) return
        live.delete(keyOf(rec.path))
        scheduleReopen(s, rec.path)
      },
      onSubflowHealth(s, rec, healthy) {
        if (healthy) {
          const st = probes.get(rec)
          stopProbing(rec)
          if (st?.probe) {
            replacing.delete(st.probe.id)
            noReopen.add(st.probe.socket)
            st.probe.socket.destroy()
          }
          return
        }
        if (!rec.path || uo.reopen === false || probes.has(rec) || replacing.has(rec.id)) return
        probes.set(rec, { timer: setTimeout(() => probe(s, rec), PROBE_MS).unref(), probe: null })
      },
      onSubflowOpen(_s, rec) {
        const stale = replacing.get(rec.id)
        if (!stale) return
        replacing.delete(rec.id)
        stopProbing(stale)
        noReopen.add(stale.socket)
        stale.socket.destroy()
      },
      onClosed() {
        closed = true
        unwatch?.()
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
