'use strict'
// Small-message RTT p50/p99 per scheduler while another connection uploads in bulk, 50+10 Mbit/s lab (root).
const lab = require('../../../dist/lab')
;(async () => {
  const l = await lab.createLab({ paths: [{ rate: '50mbit' }, { rate: '10mbit' }], endpoints: 'none', mptcpEnabled: { client: false, server: false } })
  try {
    for (const scheduler of ['default', 'redundant', 'roundrobin']) {
      const srv = l.server.spawnNode(require('node:path').join(__dirname, 'latency-peer.js'), [JSON.stringify({ role: 'server' })])
      const { port } = await srv.next('listening', 10000)
      const cli = l.client.spawnNode(require('node:path').join(__dirname, 'latency-peer.js'), [JSON.stringify({ role: 'client', host: l.paths[0].serverAddress, port, scheduler, count: 200 })])
      const d = await cli.next('done', 60000)
      console.log(scheduler.padEnd(10), 'p50', d.p50.toFixed(1), 'ms  p99', d.p99.toFixed(1), 'ms  n', d.n)
      srv.kill(); cli.kill()
      await new Promise((r) => setTimeout(r, 500))
    }
  } finally { await l.destroy() }
})()
