'use strict'
const crypto = require('node:crypto')
const { once } = require('node:events')
const mptcp = require('../../..')

async function userspaceServer(t, opts, onConnection, host = '127.0.0.1') {
  const server = mptcp.createServer({ mptcp: 'userspace', ...opts }, onConnection)
  server.listen(0, host)
  await once(server, 'listening')
  t.teardown(() => {
    server.close()
  })
  return server
}

function dial(port, userspace = { force: true }, extra = {}) {
  return mptcp.connect({ port, host: '127.0.0.1', mptcp: 'userspace', userspace, ...extra })
}

function collect(socket) {
  const chunks = []
  socket.on('data', (d) => chunks.push(d))
  return once(socket, 'end').then(() => Buffer.concat(chunks))
}

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex')

/** Hash of everything read until 'end'. */
function hashStream(socket) {
  const h = crypto.createHash('sha256')
  let n = 0
  socket.on('data', (d) => {
    h.update(d)
    n += d.length
  })
  return once(socket, 'end').then(() => ({ hash: h.digest('hex'), bytes: n }))
}

module.exports = { userspaceServer, dial, collect, sha, hashStream, mptcp }
