'use strict'
// Lab goodput, MPTCP off in both namespaces: RATES=50mbit,10mbit MB=32 [UO=client opts] [SUO=server opts] node test/userspace/bench/lab-goodput.js (root).
const lab = require('../../../dist/lab')
const PEER = require('node:path').join(__dirname, '..', 'fixtures', 'lab-peer.js')
;(async () => {
  const rates = (process.env.RATES || '50mbit,10mbit').split(',')
  const l = await lab.createLab({ paths: rates.map((rate) => ({ rate })), endpoints: 'none', mptcpEnabled: { client: false, server: false } })
  try {
    const bytes = Number(process.env.MB || 32) << 20
    const srv = l.server.spawnNode(PEER, [JSON.stringify({ role: 'server', userspace: JSON.parse(process.env.SUO || '{}') })])
    const { port } = await srv.next('listening', 10000)
    const cli = l.client.spawnNode(PEER, [JSON.stringify({ role: 'client', host: l.paths[0].serverAddress, port, bytes, userspace: JSON.parse(process.env.UO || '{}') })])
    await cli.next('connected', 10000)
    const conn = srv.messages.find((m) => m.event === 'connection') || (await srv.next('connection', 5000))
    const done = await srv.next('done', 120000)
    const mbit = (bytes * 8) / (done.t - conn.t) / 1000
    console.log(rates.join('+'), process.env.UO || '', 'goodput', mbit.toFixed(1), 'Mbit/s', 'maxGap', done.maxGapMs)
  } finally { await l.destroy() }
})()
