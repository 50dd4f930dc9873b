'use strict'
// Inside a namespace where SYNs to 10.77.0.1 vanish: a hostname resolving to 10.77.0.1 then ::1 must time out
// the first attempt, connect over the second, and still be MPTCP.
const { once } = require('node:events')
const mptcp = require('../..')
const { wire } = require('./wire')

async function main() {
  const server = mptcp.createServer((s) => s.end('hi')).listen(0)
  await once(server, 'listening')
  const port = server.address().port
  const events = []
  const lookup = (host, opts, cb) =>
    setImmediate(() =>
      cb(null, [
        { address: '10.77.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]),
    )
  const c = mptcp.connect({ host: 'dual.test', port, lookup, autoSelectFamilyAttemptTimeout: 100 })
  for (const e of ['connectionAttempt', 'connectionAttemptTimeout', 'connectionAttemptFailed']) {
    c.on(e, (address) => events.push([e, address]))
  }
  await once(c, 'connect')
  const out = { events, remote: c.remoteAddress, wire: wire(c), multipath: c.multipath }
  let body = ''
  c.on('data', (d) => (body += d))
  await once(c, 'end')
  out.body = body
  server.close()
  process.stdout.write(JSON.stringify(out))
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack))
  process.exit(1)
})
