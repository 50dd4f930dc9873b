'use strict'
// Peer for lab-latency.js: a bulk upload connection plus a 200-byte ping-pong connection.
// config (argv[2]): { role, mode: 'userspace'|'kernel', scheduler, host, port, count }
const { packageDir } = require('../lib/package')
const { isMptcp } = require('../lib/sockinfo')

const mptcp = require(packageDir())
const cfg = JSON.parse(process.argv[2])
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`)
const userspace = cfg.mode === 'userspace'
const wire = (s) => (s.multipath === 'userspace' ? 'userspace' : isMptcp(s) ? 'kernel' : 'tcp')

if (cfg.role === 'server') {
  const opts = userspace ? { mptcp: 'userspace', userspace: {} } : {}
  const server = mptcp.createServer(opts, (s) => {
    s.on('error', () => {})
    s.once('data', (first) => {
      if (first[0] === 0x42) s.on('data', () => {}) // bulk sink
      else {
        s.write(first)
        s.pipe(s)
      }
    })
  })
  server.listen(0, '0.0.0.0', () => emit({ event: 'listening', port: server.address().port }))
} else {
  const dial = (scheduler) => (userspace ? mptcp.connect({ host: cfg.host, port: cfg.port, mptcp: 'userspace', userspace: { scheduler } }) : mptcp.connect({ host: cfg.host, port: cfg.port }))
  const bulk = dial('default')
  const block = Buffer.alloc(256 * 1024, 0x42)
  bulk.on('error', () => {})
  bulk.on('connect', () => {
    const pump = () => {
      while (bulk.write(block));
      bulk.once('drain', pump)
    }
    pump()
  })
  setTimeout(() => {
    const c = dial(cfg.scheduler)
    c.setNoDelay(true)
    const rtts = []
    c.on('connect', () => {
      const msg = Buffer.alloc(200, 0x41)
      let t0 = 0
      let got = 0
      const send = () => {
        t0 = process.hrtime.bigint()
        got = 0
        c.write(msg)
      }
      c.on('data', (d) => {
        got += d.length
        if (got < 200) return
        rtts.push(Number(process.hrtime.bigint() - t0) / 1e6)
        if (rtts.length >= cfg.count) {
          rtts.sort((a, b) => a - b)
          emit({ event: 'done', p50: rtts[Math.floor(rtts.length * 0.5)], p99: rtts[Math.floor(rtts.length * 0.99)], n: rtts.length, wire: { ping: wire(c), bulk: wire(bulk) }, subflows: c.subflows().length })
          process.exit(0)
        }
        setTimeout(send, 10)
      })
      send()
    })
  }, 1500)
}
