'use strict'
// Run in a child process (often inside a network namespace or with NODE_MPTCP set): one loopback server and
// connections in each client mode, printed as JSON so the parent test can assert on them.
const mptcp = require('../..')
const { wire } = require('./wire')

// Resolves with 'ok' or the error's code, whichever comes first.
function outcome(emitter, event) {
  return new Promise((resolve) => {
    emitter.once(event, () => resolve('ok'))
    emitter.once('error', (e) => resolve(e.code))
  })
}

async function attempt(port, mode) {
  const c = mptcp.connect({ port, host: '127.0.0.1', mptcp: mode })
  const result = await outcome(c, 'connect')
  if (result !== 'ok') return { error: result }
  const out = { multipath: c.multipath, wire: wire(c), subflows: c.subflows().length }
  c.destroy()
  return out
}

async function main() {
  const server = mptcp.createServer((s) => s.resume())
  const listening = outcome(server, 'listening')
  server.listen(0, '127.0.0.1')
  const listened = await listening
  const result = { support: mptcp.support(), listenError: listened === 'ok' ? null : listened }
  if (listened === 'ok') {
    const port = server.address().port
    const accepted = []
    server.on('connection', (s) => accepted.push(wire(s)))
    result.default = await attempt(port, undefined)
    result.require = await attempt(port, 'require')
    result.off = await attempt(port, false)
    await new Promise((r) => setImmediate(r))
    result.serverWire = accepted.length ? accepted[0] : null
    server.close()
  }
  const strict = mptcp.createServer({ mptcp: 'require' })
  const strictListening = outcome(strict, 'listening')
  strict.listen(0, '127.0.0.1')
  result.strictListen = await strictListening
  strict.close()
  process.stdout.write(JSON.stringify(result))
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack))
  process.exit(1)
})
