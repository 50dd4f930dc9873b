'use strict'
// Loopback throughput and CPU per GiB: node test/userspace/bench/loopback.js net|us (server in a child process).
const { fork } = require('child_process')
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3 }
if (process.argv[2] === 'child') {
  const mptcp = require('../../..'), net = require('net')
  const h = (s) => { let n = 0; s.on('data', (d) => { n += d.length }); s.on('end', () => { s.end(String(cpu())); setTimeout(() => process.exit(0), 100) }) }
  const server = process.argv[3] === 'net' ? net.createServer(h) : mptcp.createServer({ mptcp: 'userspace' }, h)
  server.listen(0, '127.0.0.1', () => process.send([server.address().port, cpu()]))
} else {
  const mode = process.argv[2]
  const child = fork(__filename, ['child', mode])
  child.on('message', ([port, srvCpu0]) => {
    const mptcp = require('../../..'), net = require('net')
    const SIZE = 2048 * 1024 * 1024, chunk = Buffer.alloc(1024 * 1024, 7), t0 = Date.now()
    const c0 = cpu()
    const c = mode === 'net' ? net.connect(port, '127.0.0.1') : mptcp.connect({ port, host: '127.0.0.1', mptcp: 'userspace', userspace: { force: true } })
    c.once('connect', () => { let sent = 0; const pump = () => { while (sent < SIZE) { sent += chunk.length; if (!c.write(chunk)) return c.once('drain', pump) } c.end() }; pump() })
    let got = ''; c.on('data', (d) => (got += d)); c.on('end', () => {
      const gb = SIZE / 2 ** 30
      console.log(mode.padEnd(4), (SIZE / (Date.now() - t0) / 1e3).toFixed(0).padStart(5), 'MB/s  client cpu', ((cpu() - c0) / gb).toFixed(0), 'ms/GiB  server cpu', ((Number(got) - srvCpu0) / gb).toFixed(0), 'ms/GiB')
    })
  })
}
