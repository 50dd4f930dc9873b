'use strict'
// Programs not written here, made MPTCP by mptcpize (LD_PRELOAD), talking to our server and our client
// over two paths: curl downloads from the package's HTTP server; the package's HTTP client downloads from
// Python's http.server.
const t = require('tap')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { skipUnlessLab, withLab, MiB, fixture, pairs, until } = require('./fixtures/helpers')

if (skipUnlessLab(t)) return

const has = (p) => {
  try {
    execFileSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const missing = ['mptcpize', 'curl', python, 'sha256sum'].filter((p) => !has(p))
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

t.test("our HTTP client downloads 16 MiB from Python's http.server under mptcpize over two paths", async (t) => {
  const l = await withLab(t, { endpoints: 'signal' })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mptcp-interop-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const body = crypto.randomBytes(16 * MiB)
  fs.writeFileSync(path.join(dir, 'blob'), body)
  const port = 8000
  // It keeps its listener open (joins arrive there) and does not half-close before it has answered.
  l.server.spawn(['mptcpize', 'run', python, '-m', 'http.server', '--bind', '0.0.0.0', '--directory', dir, String(port)])
  await until(async () => (await l.server.exec(['ss', '-HlM', `sport = :${port}`])).stdout.trim(), {
    what: 'http.server listening on an MPTCP socket',
  })
  const client = l.client.spawnNode(fixture('http-client.js'), [JSON.stringify({ url: `http://${l.paths[0].serverAddress}:${port}/blob` })])
  const done = await client.next('done', 60000)
  t.equal(done.status, 200)
  t.equal(done.multipath, 'kernel', 'our client connects over MPTCP')
  t.same(pairs(done.subflows), twoPaths(l), 'our client used one subflow per path')
  t.equal(done.sha256, crypto.createHash('sha256').update(body).digest('hex'), 'SHA-256 of the download equals the file')
})
