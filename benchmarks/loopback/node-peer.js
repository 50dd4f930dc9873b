'use strict'
// Node end of the loopback and lab benchmarks; same commands, options and protocol as baseline/peer.c, so
// any Node end can face a C end. `tcp` is node:net, `mptcp` is this package (the dist build).
//   node-peer server <tcp|mptcp> <sink|source|accept> [--bytes N] [--write-size N] [--rcvbuf N] [--sndbuf N]
//                    [--listen-rcvbuf N] [--bind A]
//   node-peer send <tcp|mptcp> <port> <bytes> [--write-size N] [--sndbuf N] [--cork K] [--hwm N] [--host A]
//   node-peer recv <tcp|mptcp> <port> [--read-buffer N] [--rcvbuf N] [--host A]   (--read-buffer: onread)
//   node-peer connect <tcp|mptcp> <port> <count> [--host A]
// --monitor adds peak RSS and event-loop delay to a send/recv result or a served connection's line.
const path = require('node:path')
const { packageDir } = require('../lib/package')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { isMptcp, bytesRetrans, setBuffer } = require('../lib/sockinfo')

const [cmd, proto, ...rest] = process.argv.slice(2)
const net = proto === 'mptcp' ? require(packageDir()) : require('node:net')

function opt(name, def) {
  const i = rest.indexOf(name)
  return i >= 0 ? Number(rest[i + 1]) : def
}

function sopt(name, def) {
  const i = rest.indexOf(name)
  return i >= 0 ? rest[i + 1] : def
}

const HOST = sopt('--host', '127.0.0.1')
const cpuUs = (since) => {
  const u = process.cpuUsage(since)
  return u.user + u.system
}

// Peak RSS (sampled every 50 ms) and event-loop delay while a transfer runs.
function monitor() {
  if (!rest.includes('--monitor')) return () => ({})
  const resolution = 5
  const loop = monitorEventLoopDelay({ resolution })
  loop.enable()
  let peakRss = process.memoryUsage.rss()
  const startRss = peakRss
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50)
  return () => {
    clearInterval(timer)
    loop.disable()
    // The histogram holds whole timer intervals: the delay is what exceeds the resolution.
    const ms = (ns) => Number(Math.max(0, ns / 1e6 - resolution).toFixed(2))
    return { startRss, peakRss, loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } }
  }
}

function print(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

// Gaps of more than 100 ms between two deliveries (kernel stalls, see README): count and total seconds.
function stallMeter() {
  let last = -1
  const m = { stallS: 0, stalls: 0 }
  m.tick = () => {
    const t = performance.now()
    if (last >= 0 && t - last > 100) {
      m.stallS += (t - last) / 1000
      m.stalls++
    }
    last = t
  }
  m.result = () => ({ stallS: m.stallS, stalls: m.stalls })
  return m
}

/** Writes total bytes in chunks of writeSize with backpressure; cork > 0 batches that many writes per writev. */
function pump(sock, total, writeSize, cork, done) {
  const buf = Buffer.alloc(writeSize, 'x')
  let sent = 0
  const step = () => {
    while (sent < total) {
      if (cork) sock.cork()
      let ok = true
      for (let i = 0; i < (cork || 1) && sent < total; i++) {
        const chunk = total - sent < writeSize ? buf.subarray(0, total - sent) : buf
        sent += chunk.length
        ok = sock.write(chunk)
      }
      if (cork) sock.uncork()
      if (!ok || sock.writableNeedDrain) return void sock.once('drain', step)
    }
    done(sent)
  }
  step()
}

function server(mode) {
  const bytes = opt('--bytes', 0)
  const report = (obj) => process.stderr.write(`${JSON.stringify(obj)}\n`)
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {})
    setBuffer(s, 'rcv', opt('--rcvbuf', 0))
    setBuffer(s, 'snd', opt('--sndbuf', 0))
    if (mode === 'accept') return void s.end('k')
    const cpu0 = process.cpuUsage()
    const stop = monitor()
    if (mode === 'source') {
      return pump(s, bytes, opt('--write-size', 65536), 0, () => {
        s.end()
        report({ retrans: bytesRetrans(s), cpuUs: cpuUs(cpu0), ...stop() })
      })
    }
    const stalls = stallMeter()
    s.on('data', stalls.tick)
    s.on('end', () => {
      s.end('k')
      report({ cpuUs: cpuUs(cpu0), ...stalls.result(), ...stop() })
    })
  })
  srv.listen(0, sopt('--bind', '127.0.0.1'), () => {
    // --listen-rcvbuf: SO_RCVBUF on the listening socket, so accepted connections start with it (autotuning off).
    setBuffer({ _handle: srv._handle }, 'rcv', opt('--listen-rcvbuf', 0))
    process.stdout.write(`PORT ${srv.address().port}\n`)
  })
}

// CPU time is counted from here on, not from process start (Node's own boot would otherwise count).
function send(port, total) {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const hwm = opt('--hwm', 0)
  const sock = net.connect({ host: HOST, port, ...(hwm ? { writableHighWaterMark: hwm } : {}) })
  const stop = monitor()
  sock.on('connect', () => {
    setBuffer(sock, 'snd', opt('--sndbuf', 0))
    const mptcp = isMptcp(sock)
    pump(sock, total, opt('--write-size', 65536), opt('--cork', 0), (sent) => {
      sock.end()
      sock.once('data', () => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9
        print({ bytes: sent, seconds, mptcp, retrans: bytesRetrans(sock), cpuUs: cpuUs(cpu0), ...stop() })
        sock.destroy()
      })
    })
  })
}

function recv(port) {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const size = opt('--read-buffer', 0)
  let got = 0
  const stalls = stallMeter()
  const onread = size ? { buffer: Buffer.allocUnsafe(size), callback: (n) => void ((got += n), stalls.tick()) } : undefined
  const sock = net.connect({ host: HOST, port, onread })
  const stop = monitor()
  let mptcp = false
  sock.on('connect', () => {
    setBuffer(sock, 'rcv', opt('--rcvbuf', 0))
    mptcp = isMptcp(sock)
  })
  if (!onread) sock.on('data', (d) => void ((got += d.length), stalls.tick()))
  sock.on('end', () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    print({ bytes: got, seconds, mptcp, cpuUs: cpuUs(cpu0), ...stalls.result(), ...stop() })
    sock.destroy()
  })
}

function connectLoop(port, count) {
  let mptcp = false
  let i = 0
  const t0 = process.hrtime.bigint()
  const next = () => {
    if (i === count) return print({ count, seconds: Number(process.hrtime.bigint() - t0) / 1e9, mptcp })
    const sock = net.connect({ host: HOST, port })
    sock.once('data', () => {
      if (i === 0) mptcp = isMptcp(sock)
      sock.destroy()
    })
    sock.once('close', () => {
      i++
      next()
    })
  }
  next()
}

process.on('uncaughtException', (err) => {
  process.stderr.write(`node-peer: ${err.stack}\n`)
  process.exit(1)
})

if (cmd === 'server') server(rest[0])
else if (cmd === 'send') send(Number(rest[0]), Number(rest[1]))
else if (cmd === 'recv') recv(Number(rest[0]))
else if (cmd === 'connect') connectLoop(Number(rest[0]), Number(rest[1]))
else {
  process.stderr.write('usage: node-peer server|send|recv|connect <tcp|mptcp> ...\n')
  process.exit(2)
}
