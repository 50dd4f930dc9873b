'use strict'
// The implementations compared on loopback. Each is a program that can be a server or a client of the
// same protocol (baseline/peer.c, loopback/node-peer.js): Node with node:net, Node with mptcp, C over
// TCP, C over MPTCP.
const path = require('node:path')
const { buildBaseline } = require('../baseline/build')
const children = require('./children')
const { log } = require('./progress')

const nodePeer = path.join(__dirname, '..', 'loopback', 'node-peer.js')

const IMPLS = {
  'node-net': { runtime: 'node', proto: 'tcp', label: 'Node node:net (TCP)' },
  'node-mptcp': { runtime: 'node', proto: 'mptcp', label: 'Node mptcp' },
  'c-tcp': { runtime: 'c', proto: 'tcp', label: 'C baseline TCP' },
  'c-mptcp': { runtime: 'c', proto: 'mptcp', label: 'C baseline MPTCP' },
}

function command(runtime, proto, args) {
  if (runtime === 'c') return [buildBaseline(), [args[0], proto, ...args.slice(1)]]
  return [process.execPath, [nodePeer, args[0], proto, ...args.slice(1)]]
}

async function startPeerServer(runtime, proto, args) {
  const [cmd, argv] = command(runtime, proto, ['server', ...args])
  const s = await children.startServer(cmd, argv)
  return { port: Number(s.match[1]), child: s.child, stop: s.stop }
}

// Other agents rebuild dist/ and the addon while benchmarks run; a client that failed to start (or died)
// is run again, at most twice, and the retry is logged.
async function runPeerClient(runtime, proto, args, timeoutMs = 120000) {
  const [cmd, argv] = command(runtime, proto, args)
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await children.run(cmd, argv, { timeoutMs })
      return JSON.parse(out.trim().split('\n').pop())
    } catch (err) {
      if (attempt === 3) throw err
      log(`client failed (${err.message.split('\n')[0].slice(0, 160)}...), retrying in 2 s`)
      await new Promise((r) => setTimeout(r, 2000))
    }
  }
}

module.exports = { IMPLS, startPeerServer, runPeerClient }
