'use strict'
// Upload peer for the userspace lab parts, JSON lines on stdout, config as argv[2]:
//   { role: 'server'|'client', mode: 'userspace'|'kernel'|'net', host, port, bytes, userspace }
// The server (receiver) reports 'connection', a 'sample' every 100 ms, and 'done' with the SHA-256 of what
// arrived and the longest gap between two deliveries; the client sends `bytes` of random data and ends.
const crypto = require('node:crypto')
const net = require('node:net')
const { packageDir } = require('../lib/package')
const { isMptcp } = require('../lib/sockinfo')

const mptcp = require(packageDir())
const cfg = JSON.parse(process.argv[2])
const emit = (event, data = {}) => process.stdout.write(`${JSON.stringify({ event, t: Date.now(), ...data })}\n`)
const us = { ...(cfg.userspace || {}) }

function listen(onConnection) {
  if (cfg.mode === 'net') return net.createServer(onConnection)
  if (cfg.mode === 'kernel') return mptcp.createServer(onConnection)
  return mptcp.createServer({ mptcp: 'userspace', userspace: us }, onConnection)
}

function dial() {
  if (cfg.mode === 'net') return net.connect(cfg.port, cfg.host)
  if (cfg.mode === 'kernel') return mptcp.connect({ host: cfg.host, port: cfg.port })
  return mptcp.connect({ host: cfg.host, port: cfg.port, mptcp: 'userspace', userspace: us })
}

// What the connection is, as the kernel or the userspace engine says: the wire check of every run.
function wireOf(sock) {
  if (sock.multipath === 'userspace') return { multipath: 'userspace', subflows: sock.subflows().length }
  return { multipath: sock.multipath ?? false, kernelMptcp: isMptcp(sock), subflows: typeof sock.subflows === 'function' ? sock.subflows().length : 1 }
}

if (cfg.role === 'server') {
  const server = listen((sock) => {
    emit('connection', wireOf(sock))
    const h = crypto.createHash('sha256')
    let received = 0
    let last = 0
    let maxGapMs = 0
    let maxGapAt = 0
    const timer = setInterval(() => emit('sample', { received }), 100)
    sock.on('data', (d) => {
      const now = Date.now()
      if (last && now - last > maxGapMs) {
        maxGapMs = now - last
        maxGapAt = now
      }
      last = now
      received += d.length
      h.update(d)
    })
    sock.on('error', (err) => emit('error', { code: err.code, message: err.message }))
    sock.on('end', () => {
      clearInterval(timer)
      emit('done', { received, sha256: h.digest('hex'), maxGapMs, maxGapAt, lastByteAt: last, wire: wireOf(sock) })
      sock.end()
    })
  })
  server.listen(0, '0.0.0.0', () => emit('listening', { port: server.address().port }))
} else {
  const c = dial()
  const block = crypto.randomBytes(256 * 1024)
  const h = crypto.createHash('sha256')
  let sent = 0
  c.on('error', (err) => emit('error', { code: err.code, message: err.message }))
  c.on('connect', () => {
    emit('connected', wireOf(c))
    const pump = () => {
      while (sent < cfg.bytes) {
        const b = sent + block.length > cfg.bytes ? block.subarray(0, cfg.bytes - sent) : block
        h.update(b)
        sent += b.length
        if (!c.write(b)) return c.once('drain', pump)
      }
      c.end()
      emit('sent', { sent, sha256: h.digest('hex') })
    }
    pump()
  })
  c.on('data', () => {})
  c.on('end', () => {
    emit('done', { sent, wire: wireOf(c) })
    c.destroy()
  })
}
