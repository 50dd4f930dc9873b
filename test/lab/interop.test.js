'use strict'
// Programs not written here, made MPTCP by mptcpize (LD_PRELOAD), talking to our server and our client
// over two paths: curl downloads from the package's HTTP server; socat receives from the package's client.
const t = require('tap')
const { execFileSync } = require('node:child_process')
const { lab, skipUnlessLab, withLab, MiB, fixture, pairs, until } = require('./fixtures/helpers')

if (skipUnlessLab(t)) return

const has = (p) => {
  try {
    execFileSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const missing = ['mptcpize', 'curl', 'socat', 'sha256sum'].filter((p) => !has(p))
if (missing.length) {
  t.plan(0, `interop tests skipped: ${missing.join(', ')} not installed (run scripts/install-system-deps.sh)`)
  return
}

const twoPaths = (l) => [
  `${l.paths[0].clientAddress}>${l.paths[0].serverAddress}`,
  `${l.paths[1].clientAddress}>${l.paths[1].serverAddress}`,
]

t.test('curl under mptcpize downloads 16 MiB from our HTTP server over two paths', async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  const bytes = 16 * MiB
  const server = l.server.spawnNode(fixture('http-server.js'), [JSON.stringify({ bytes })])
  const { port } = await server.next('listening', 15000)
  const url = `http://${l.paths[0].serverAddress}:${port}/`
  const curl = await l.client.exec(['sh', '-c', `mptcpize run curl -sS --fail -o - ${url} | sha256sum`], { timeoutMs: 60000 })
  const request = await server.next('request', 5000)
  const served = await server.next('served', 10000)
  t.equal(request.multipath, 'kernel', "curl's connection is MPTCP at our server")
  t.equal(served.bytes, bytes)
  t.equal(curl.stdout.split(/\s/)[0], served.sha256, "SHA-256 of curl's download equals what we sent")
  t.same(pairs(served.subflows, true), twoPaths(l), 'our server sees one subflow per path')
})

t.test('our client sends 16 MiB to socat under mptcpize over two paths', async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  const port = 5201
  const socat = l.server.spawn(['sh', '-c', `mptcpize run socat -u TCP-LISTEN:${port},reuseaddr STDOUT | sha256sum`])
  let socatOut = ''
  socat.stdout.on('data', (d) => (socatOut += d))
  const socatDone = new Promise((resolve) => socat.on('close', resolve))
  await until(async () => (await l.server.exec(['ss', '-HlM', `sport = :${port}`])).stdout.trim(), {
    what: 'socat listening on an MPTCP socket',
  })
  const client = l.client.spawnNode(lab.PEER_SCRIPT, [
    JSON.stringify({ role: 'client', host: l.paths[0].serverAddress, port, send: 16 * MiB, sampleMs: 200 }),
  ])
  t.equal((await client.next('connected', 15000)).multipath, 'kernel', 'our client connects over MPTCP')
  const done = await client.next('done', 60000)
  await socatDone
  const seen = client.messages.filter((m) => m.event === 'sample').reduce((a, m) => (m.subflows.length > a.length ? m.subflows : a), [])
  t.same(pairs(seen), twoPaths(l), 'our client used one subflow per path')
  t.equal(socatOut.split(/\s/)[0], done.sha256Sent, 'SHA-256 of what socat received equals what we sent')
})
