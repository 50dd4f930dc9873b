'use strict'
// Packaging: the files list, and the npm pack tarball installed into a clean directory with --ignore-scripts
// and no compiler on PATH: it loads the prebuild (PREBUILDS_ONLY=1) and opens an MPTCP connection (checked
// on this test's end in the kernel); without any binary it still works, over TCP, and support() says why.
const t = require('tap')
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { once } = require('node:events')
const mptcp = require('../..')
const { wire, IPPROTO_MPTCP, IPPROTO_TCP } = require('../helpers/wire')
const h = require('./helpers')

if (!fs.existsSync(path.join(h.root, 'dist', 'index.js'))) throw new Error('run npm run build first (dist/ is packed as is)')

t.test('npm pack --dry-run ships exactly what is needed', async (t) => {
  const files = h.packList()
  for (const f of [
    'package.json', 'binding.gyp', 'native/mptcp.cc', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts',
    'dist/register.js', 'dist/register.d.ts', 'esm/register.mjs', 'bin/mptcp.js', 'dist/cli/main.js',
    'dist/http/http.js', 'dist/undici.js',
  ]) t.ok(files.includes(f), `ships ${f}`)
  for (const f of ['README.md', 'LICENSE']) if (fs.existsSync(path.join(h.root, f))) t.ok(files.includes(f), `ships ${f}`)
  const unwanted = files.filter((f) => /^(test|benchmarks|lib|build|node_modules|scripts|demo|docs|\.tap|\.ci)\//.test(f) || /\.tgz$|\.test\.js$/.test(f))
  t.same(unwanted, [], 'no tests, benchmarks, sources, build output or tooling')
  const pkg = require('../../package.json')
  t.same(pkg.exports['./register'], { types: './dist/register.d.ts', import: './esm/register.mjs', require: './dist/register.js' })
  t.equal(pkg.bin.mptcp, 'bin/mptcp.js')
})

async function echoServer(t) {
  const seen = []
  const server = mptcp.createServer((s) => {
    seen.push(wire(s))
    s.pipe(s)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  return { port: server.address().port, seen }
}

function run(file, args, options) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { encoding: 'utf8', ...options }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }),
    )
  })
}

t.test('tarball in a clean dir, no compiler, --ignore-scripts', async (t) => {
  const scratch = h.tmp(t)
  const prebuilds = h.buildPrebuild(scratch)
  t.ok(fs.existsSync(path.join(prebuilds, `${process.platform}-${process.arch}`, 'mptcp.node')), 'prebuildify made prebuilds/linux-x64/mptcp.node')
  const { tarball, files } = h.packWithPrebuilds(scratch, prebuilds)
  t.ok(files.includes(`prebuilds/${process.platform}-${process.arch}/mptcp.node`), 'tarball carries the prebuild')
  const env = h.compilerFreeEnv(scratch)
  t.notOk(h.hasCompiler(env), 'no compiler reachable')
  const app = h.installApp(scratch, tarball, env)
  const installed = path.join(app, 'node_modules', 'mptcp')
  t.notOk(fs.existsSync(path.join(installed, 'build')), 'nothing was compiled')
  const probe = path.join(__dirname, 'fixtures', 'probe-app.js')
  fs.copyFileSync(probe, path.join(app, 'probe-app.js'))

  t.test('loads the prebuild and opens an MPTCP connection', async (t) => {
    const { port, seen } = await echoServer(t)
    const r = await run('probe-app.js', [String(port)], { cwd: app, env: { ...env, PREBUILDS_ONLY: '1' } })
    t.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    t.equal(out.resolved, path.join(installed, 'dist', 'index.js'), 'the installed copy')
    t.match(out.binary, /prebuilds\/linux-x64\/mptcp\.node$/)
    t.same(out.native, { loaded: true, reason: null })
    t.equal(out.mptcp, true)
    t.equal(out.echoed, 'ping')
    t.same(seen, [{ protocol: IPPROTO_MPTCP, isMptcp: 1 }], 'MPTCP on the wire')
    t.equal(out.undici, 'ERR_MPTCP_UNDICI_MISSING', 'undici helpers explain that undici is not installed')
  })

  t.test('bin and preload work from the install', async (t) => {
    const bin = path.join(app, 'node_modules', '.bin', 'mptcp')
    const status = await run(bin, ['status', '--json'], { cwd: app, env })
    t.ok([0, 3].includes(status.code), `status exit ${status.code}`)
    t.equal(JSON.parse(status.stdout).support.native.loaded, true)
    t.equal(JSON.parse(status.stdout).addonPath, 'prebuilds/linux-x64/mptcp.node', 'status names the prebuild')
    const esm = await run('--input-type=module', ['-e', "import m, { support } from 'mptcp'; console.log(typeof m.connect, support().mptcp)"], { cwd: app, env })
    t.equal(esm.stdout.trim(), 'function true', esm.stderr)
    const { port, seen } = await echoServer(t)
    const dial = "require('net').connect(" + port + ", '127.0.0.1', function () { this.end('x') }).resume()"
    const pre = await run('-r', ['mptcp/register', '-e', dial], { cwd: app, env })
    t.equal(pre.code, 0, pre.stderr)
    t.same(seen, [{ protocol: IPPROTO_MPTCP, isMptcp: 1 }], 'preloaded plain net.connect is MPTCP')
  })

  t.test('without any binary: works over TCP and says why', async (t) => {
    fs.rmSync(path.join(installed, 'prebuilds'), { recursive: true, force: true })
    const { port, seen } = await echoServer(t)
    const r = await run('probe-app.js', [String(port)], { cwd: app, env })
    t.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    t.equal(out.native.loaded, false)
    t.match(out.native.reason, /native addon not loaded/)
    t.equal(out.mptcp, false)
    t.match(out.kernel.reason, /native addon not loaded/)
    t.equal(out.echoed, 'ping', 'data still flows')
    t.same(seen, [{ protocol: IPPROTO_TCP, isMptcp: 0 }], 'plain TCP on the wire')
    const bin = path.join(app, 'node_modules', '.bin', 'mptcp')
    const status = await run(bin, ['status'], { cwd: app, env })
    t.equal(status.code, 1, 'status: unavailable')
    t.match(status.stdout, /native addon not loaded/)
  })
})
