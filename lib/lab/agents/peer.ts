// A transfer peer for the lab, run inside a namespace: `node peer.js '<json PeerConfig>'`.
// Speaks JSON lines: events on stdout, commands ({ cmd: 'start' | 'snapshot' | 'close' }) on stdin.
import { createHash, randomFillSync } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createInterface } from 'node:readline'
import mptcp = require('../../index')
import { infoSample, subflowSamples } from './stats'

export interface PeerConfig {
  role: 'server' | 'client'
  /** server: listen address (default: dual-stack wildcard, needed to accept joins to announced addresses); client: where to connect. */
  host?: string
  port?: number
  localAddress?: string
  mptcp?: boolean | 'require'
  /** Bytes to send once started. Default 0. */
  send?: number
  /** Send for this long (ms) once started, then stop as if `send` were reached (no byte limit unless `send`). */
  sendForMs?: number
  /** 'immediate' (default) or wait for { cmd: 'start' }. */
  start?: 'immediate' | 'command'
  /**
   * 'auto' (default): half-close once everything is sent (at once if there is nothing to send), and end once the
   * peer has; 'command': keep the connection open until { cmd: 'close' }. 'done' comes once both sides have ended.
   */
  close?: 'auto' | 'command'
  /** Emit a 'sample' event this often (ms); 0: never. */
  sampleMs?: number
  /** Write size in bytes; default 64 KiB. */
  chunk?: number
}

const config = JSON.parse(process.argv[2] ?? '{}') as PeerConfig
const t0 = Date.now()
const now = () => Date.now() - t0
const emit = (event: string, data: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, t: now(), ...data })}\n`)

process.on('uncaughtException', (err: NodeJS.ErrnoException) => {
  emit('error', { message: err.message, code: err.code })
  process.exit(1)
})

function session(socket: mptcp.Socket, onClosed: () => void): void {
  const sentHash = createHash('sha256')
  const receivedHash = createHash('sha256')
  const toSend = config.sendForMs ? config.send || Number.MAX_SAFE_INTEGER : config.send ?? 0
  let sendUntil = Infinity
  const autoClose = config.close !== 'command'
  let sent = 0
  let received = 0
  let firstByteAt = -1
  let lastByteAt = -1
  let maxGapMs = 0
  let maxGapAt = -1
  let started = false
  let sendComplete = toSend === 0
  let endCalled = false
  let ended = false
  let peerEnded = false
  let finished = false
  let multipath = socket.multipath
  const multipathChanges: Array<{ t: number; multipath: string | false }> = []
  const checkMultipath = () => {
    const m = socket.multipath
    if (m !== multipath) {
      multipath = m
      multipathChanges.push({ t: now(), multipath: m })
      emit('multipath', { multipath: m })
    }
  }
  // What the connection looked like just before it began to close (after that, subflows go away).
  let atClose: { info: ReturnType<typeof infoSample>; subflows: ReturnType<typeof subflowSamples> } | null = null
  const captureAtClose = () => (atClose ??= { info: infoSample(socket), subflows: subflowSamples(socket) })
  const snapshot = () => ({
    sent,
    received,
    multipath: socket.multipath,
    info: infoSample(socket),
    subflows: subflowSamples(socket),
  })

  socket.on('data', (d: Buffer) => {
    const t = now()
    if (firstByteAt < 0) firstByteAt = t
    else if (t - lastByteAt > maxGapMs) {
      maxGapMs = t - lastByteAt
      maxGapAt = lastByteAt
    }
    lastByteAt = t
    received += d.length
    receivedHash.update(d)
  })
  socket.on('end', () => {
    captureAtClose()
    peerEnded = true
    checkMultipath()
    if (autoClose && sendComplete) endNow()
    maybeFinish()
  })
  socket.on('error', (err: NodeJS.ErrnoException) => emit('error', { message: err.message, code: err.code }))
  socket.on('close', () => {
    clearInterval(sampler)
    if (!finished) emit('closed', { sent, received })
    onClosed()
  })

  const sampler = setInterval(() => {
    checkMultipath()
    if (config.sampleMs) emit('sample', snapshot())
  }, config.sampleMs || 100)

  function endNow(): void {
    if (endCalled) return
    endCalled = true
    captureAtClose()
    socket.end(() => {
      ended = true
      maybeFinish()
    })
  }

  function maybeFinish(): void {
    if (finished || !ended || !peerEnded) return
    finished = true
    emit('done', {
      sent,
      received,
      sha256Sent: sentHash.digest('hex'),
      sha256Received: receivedHash.digest('hex'),
      firstByteAt,
      lastByteAt,
      maxGapMs,
      maxGapAt,
      multipath: socket.multipath,
      multipathChanges,
      ...captureAtClose(),
    })
  }

  function pump(): void {
    const chunk = config.chunk ?? 65536
    while (sent < toSend && Date.now() < sendUntil) {
      const buf = randomFillSync(Buffer.allocUnsafe(Math.min(chunk, toSend - sent)))
      sentHash.update(buf)
      sent += buf.length
      if (!socket.write(buf)) return void socket.once('drain', pump)
    }
    sendComplete = true
    emit('sent', { sent })
    if (autoClose) endNow()
  }

  function start(): void {
    if (started) return
    started = true
    if (config.sendForMs) sendUntil = Date.now() + config.sendForMs
    emit('started')
    if (toSend) pump()
  }

  commands.removeAllListeners()
  commands.on('start', start)
  commands.on('snapshot', () => emit('snapshot', snapshot()))
  commands.on('close', () => (sendComplete ? endNow() : socket.destroy()))
  if (config.start !== 'command' || early.has('start')) start()
  if (early.has('close')) commands.emit('close')
}

const commands = new EventEmitter()
// Before there is a connection: a snapshot is empty; start and close wait for it.
const early = new Set<string>()
commands.on('snapshot', () => emit('snapshot', { sent: 0, received: 0, multipath: false, info: null, subflows: [] }))
commands.on('start', () => early.add('start'))
commands.on('close', () => early.add('close'))
createInterface({ input: process.stdin }).on('line', (line) => {
  try {
    const msg = JSON.parse(line) as { cmd?: string }
    if (msg.cmd) commands.emit(msg.cmd, msg)
  } catch {
    // not a command
  }
})

const mode = config.mptcp ?? true
if (config.role === 'server') {
  const server = mptcp.createServer({ allowHalfOpen: true, mptcp: mode }, (socket) => {
    emit('connection', { multipath: socket.multipath, remote: socket.remoteAddress, remotePort: socket.remotePort })
    session(socket, () => server.close(() => process.exit(0)))
  })
  server.on('error', (err: NodeJS.ErrnoException) => {
    emit('error', { message: err.message, code: err.code })
    process.exit(1)
  })
  server.listen({ port: config.port ?? 0, host: config.host }, () => {
    const a = server.address() as import('node:net').AddressInfo
    emit('listening', { port: a.port, address: a.address })
  })
} else {
  const socket = mptcp.connect({
    host: config.host ?? '10.31.1.2',
    port: config.port ?? 0,
    allowHalfOpen: true,
    mptcp: mode,
    ...(config.localAddress ? { localAddress: config.localAddress } : {}),
  })
  const failEarly = (err: NodeJS.ErrnoException) => {
    emit('error', { message: err.message, code: err.code })
    process.exit(1)
  }
  socket.once('error', failEarly)
  socket.once('connect', () => {
    socket.off('error', failEarly)
    emit('connected', { multipath: socket.multipath, local: socket.localAddress, remote: socket.remoteAddress })
    session(socket, () => process.exit(0))
  })
}
