'use strict'
// No fd may leak on any path: 1,000 connections that succeed, are refused, fall back under 'require',
// are aborted or destroyed while connecting, plus failing listens.
const t = require('tap')
const net = require('node:net')
const { once } = require('node:events')
const mptcp = require('..')
const { openFds } = require('./helpers/wire')

const settle = (s) => new Promise((resolve) => (s.closed ? resolve() : s.on('close', resolve)))

t.test('1,000 connections, many failing, leave the fd count unchanged', async (t) => {
  const mp = mptcp.createServer((s) => s.on('error', () => {}).end('x')).listen(0, '127.0.0.1')
  const plain = net.createServer((s) => s.on('error', () => {}).end('x')).listen(0, '127.0.0.1')
  await Promise.all([once(mp, 'listening'), once(plain, 'listening')])
  const closed = net.createServer().listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const refusedPort = closed.address().port
  await new Promise((r) => closed.close(r))

  const before = openFds()
  const kinds = { ok: 0, refused: 0, fallback: 0, aborted: 0, destroyed: 0 }
  for (let i = 0; i < 1000; i++) {
    const kind = ['ok', 'ok', 'refused', 'fallback', 'aborted', 'destroyed'][i % 6]
    let c
    if (kind === 'ok') c = mptcp.connect(mp.address().port, '127.0.0.1')
    if (kind === 'refused') c = mptcp.connect(refusedPort, '127.0.0.1')
    if (kind === 'fallback') c = mptcp.connect({ port: plain.address().port, host: '127.0.0.1', mptcp: 'require' })
    if (kind === 'aborted') {
      const ac = new AbortController()
      c = mptcp.connect({ port: mp.address().port, host: '127.0.0.1', signal: ac.signal })
      setImmediate(() => ac.abort())
    }
    if (kind === 'destroyed') {
      c = mptcp.connect(mp.address().port, '127.0.0.1')
      process.nextTick(() => c.destroy())
    }
    const errors = []
    c.on('error', (e) => errors.push(e.code))
    c.resume()
    await settle(c)
    if (kind === 'ok') t.equal(errors.length, 0)
    if (kind === 'refused' && errors[0] !== 'ECONNREFUSED') t.fail(`refused: ${errors}`)
    if (kind === 'fallback' && errors[0] !== 'ERR_MPTCP_FALLBACK' && mptcp.support().mptcp) t.fail(`fallback: ${errors}`)
    kinds[kind]++
  }
  for (let i = 0; i < 50; i++) {
    const s = mptcp.createServer().listen(mp.address().port, '127.0.0.1')
    const [err] = await once(s, 'error')
    if (err.code !== 'EADDRINUSE') t.fail(err.code)
  }
  // Server-side sockets close asynchronously after their peers; give them time, a leak never converges.
  for (let i = 0; i < 100 && openFds() !== before; i++) await new Promise((r) => setTimeout(r, 50))
  t.equal(openFds(), before, 'same number of open fds as before')
  t.same(kinds, { ok: 334, refused: 167, fallback: 167, aborted: 166, destroyed: 166 })
  mp.close()
  plain.close()
})
