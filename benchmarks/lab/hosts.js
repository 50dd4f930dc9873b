'use strict'
// Running the loopback peers (baseline/peer.c, loopback/node-peer.js) inside the lab's namespaces, which
// lib/lab (dist/lab) builds and tears down. Nothing here creates a namespace.
const path = require('node:path')
const { packageDir } = require('../lib/package')
const { buildBaseline } = require('../baseline/build')
const { lastJsonLine } = require('../lib/children')

const nodePeer = path.join(__dirname, '..', 'loopback', 'node-peer.js')

function loadLab() {
  return require(path.join(packageDir(), 'dist', 'lab'))
}

function argv(runtime, proto, args) {
  return runtime === 'c' ? [buildBaseline(), args[0], proto, ...args.slice(1)] : [process.execPath, nodePeer, args[0], proto, ...args.slice(1)]
}

/** Starts a peer server in a lab host; resolves { port, child, stderr(): string, reset() } once it listens. */
function startServerIn(host, runtime, proto, args, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const child = host.spawn(argv(runtime, proto, ['server', ...args, '--bind', '0.0.0.0']))
    let out = ''
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => reject(new Error(`lab server did not start: ${err}`)), timeoutMs)
    child.stdout.on('data', (d) => {
      out += d
      const m = out.match(/^PORT (\d+)$/m)
      if (m) {
        clearTimeout(timer)
        resolve({ port: Number(m[1]), child, stderr: () => err, reset: () => (err = '') })
      }
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`lab server exited ${code}: ${err}`))
    })
  })
}

/** Runs a peer client in a lab host to completion and returns its JSON result. */
async function runClientIn(host, runtime, proto, args, timeoutMs = 120000) {
  const { stdout } = await host.exec(argv(runtime, proto, args), { timeoutMs })
  return JSON.parse(stdout.trim().split('\n').pop())
}

/** The last JSON line a server printed on stderr (one per served connection), waiting briefly for it. */
const lastServerReport = (server) => lastJsonLine(() => server.stderr())

module.exports = { loadLab, startServerIn, runClientIn, lastServerReport }
