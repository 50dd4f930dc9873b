'use strict'
// Memory under peers that never let the receiver progress: the userspace server's connections each get a hole
// at the start of the data and three windows of data behind it (what a hostile or broken peer can do), against
// a node:net server whose paused connections each get the same bytes. The server runs in its own process and
// reports RSS and its engines' buffered bytes; the bound to check is "buffered <= window + a constant".
//   node --expose-gc benchmarks/userspace/memory.js server <net|userspace> <window>   prints PORT <n>; a JSON report on SIGUSR2
const net = require('node:net')
const { packageDir } = require('../lib/package')

const MiB = 1 << 20

function server(mode, window) {
  const mptcp = require(packageDir())
  const conns = []
  const onConnection = (s) => {
    conns.push(s)
    s.on('error', () => {})
    if (mode === 'net') s.pause()
  }
  const srv = mode === 'net' ? net.createServer(onConnection) : mptcp.createServer({ mptcp: 'userspace', userspace: { window, holeTimeout: 600_000 } }, onConnection)
  srv.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${srv.address().port}\n`))
  process.on('SIGUSR2', () => {
    global.gc?.()
    const m = process.memoryUsage()
    const buffered = conns.map((s) => s.transport?.engine.memory() ?? s.readableLength)
    process.stdout.write(`${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, connections: conns.length, maxBuffered: Math.max(0, ...buffered), sumBuffered: buffered.reduce((a, b) => a + b, 0) })}\n`)
  })
}

async function connectAll(mode, port, n) {
  const mptcp = require(packageDir())
  const { once } = require('node:events')
  const socks = []
  for (let i = 0; i < n; i++) {
    const c = mode === 'net' ? net.connect(port, '127.0.0.1') : mptcp.connect({ port, host: '127.0.0.1', mptcp: 'userspace', userspace: { force: true, maxSubflows: 1 } })
    c.on('error', () => {})
    await once(c, 'connect')
    socks.push(c)
  }
  return socks
}

// Userspace: DATA frames written straight onto the subflow, the first 64 KiB of the data sequence left out.
function flood(mode, sock, window) {
  const piece = Buffer.alloc(16 * 1024, 3)
  if (mode === 'net') {
    for (let sent = 0; sent < 3 * window; sent += piece.length) sock.write(piece)
    return
  }
  const { encode } = require(`${packageDir()}/dist/userspace/frames`)
  const sub = sock.transport.first().socket
  for (let dsn = 64 * 1024; dsn < 3 * window; dsn += piece.length) sub.write(encode.data(BigInt(dsn + 1), piece))
}

async function memory({ connections = 50, window = 4 * MiB } = {}) {
  const children = require('../lib/children')
  const { log, section } = require('../lib/progress')
  section(`userspace memory: ${connections} connections per server, each a hole + ${(3 * window) / MiB} MiB behind it (userspace window ${window / MiB} MiB) / node:net paused`)
  const results = {}
  for (const mode of ['net', 'userspace']) {
    const s = await children.startServer(process.execPath, ['--expose-gc', __filename, 'server', mode, String(window)])
    const child = s.child
    const report = async () => {
      const seen = child.stdoutText.length
      child.kill('SIGUSR2')
      for (let i = 0; i < 100; i++) {
        const line = child.stdoutText.slice(seen).split('\n').find((l) => l.startsWith('{') && l.endsWith('}'))
        if (line) return JSON.parse(line)
        await new Promise((r) => setTimeout(r, 20))
      }
      throw new Error(`memory: no report from the ${mode} server`)
    }
    try {
      const socks = await connectAll(mode, Number(s.match[1]), connections)
      await new Promise((r) => setTimeout(r, 300))
      const idle = await report()
      for (const c of socks) flood(mode, c, window)
      await new Promise((r) => setTimeout(r, 1500))
      const loaded = await report()
      results[mode] = { idle, loaded, rssPerConnection: (loaded.rss - idle.rss) / connections, externalPerConnection: (loaded.external - idle.external) / connections, maxBufferedOverWindow: loaded.maxBuffered / window }
      log(`${mode}: RSS ${(idle.rss / MiB).toFixed(0)} -> ${(loaded.rss / MiB).toFixed(0)} MiB, max buffered per connection ${(loaded.maxBuffered / MiB).toFixed(2)} MiB`)
      socks.forEach((c) => c.destroy())
    } finally {
      s.stop()
    }
  }
  return { config: { connections, window, floodBytes: 3 * window }, results }
}

module.exports = { memory }

if (require.main === module && process.argv[2] === 'server') server(process.argv[3], Number(process.argv[4]))
