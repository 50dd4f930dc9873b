'use strict'
// The mptcp CLI: help for every command, exit codes, status (table and --json) against what the kernel and
// iproute2 report, in network namespaces configured for each verdict (root), and the demo/lab wiring.
const t = require('tap')
const { execFile, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { root } = require('./helpers/child')
const { evaluate } = require('../../dist/cli/status')
const { runModule } = require('../../dist/cli/run-module')

const bin = path.join(root, 'bin', 'mptcp.js')
const isRoot = process.getuid && process.getuid() === 0

function cli(args, { env = {}, netns } = {}) {
  const argv = netns ? ['ip', ['netns', 'exec', netns, process.execPath, bin, ...args]] : [process.execPath, [bin, ...args]]
  return new Promise((resolve) => {
    execFile(argv[0], argv[1], { encoding: 'utf8', env: { ...process.env, NODE_MPTCP: undefined, NODE_MPTCP_NO_NATIVE: undefined, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }),
    )
  })
}

t.test('help and usage errors', async (t) => {
  const top = await cli(['--help'])
  t.equal(top.code, 0)
  t.match(top.stdout, /Usage: mptcp <command>/)
  t.match(top.stdout, /Exit codes/)
  for (const cmd of ['status', 'demo', 'lab']) {
    const r = await cli([cmd, '--help'])
    t.equal(r.code, 0, `${cmd} --help exits 0`)
    t.match(r.stdout, new RegExp(`Usage: mptcp ${cmd}`))
    t.same(await cli(['help', cmd]), r, `help ${cmd} is the same text`)
  }
  const none = await cli([])
  t.equal(none.code, 2, 'no command: usage, exit 2')
  t.match(none.stderr, /Usage/)
  const unknown = await cli(['frobnicate'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown command 'frobnicate'/)
  t.equal((await cli(['status', '--bogus'])).code, 2, 'unknown option')
  t.equal((await cli(['--version'])).stdout.trim(), require('../../package.json').version)
})

t.test('status --json matches the kernel and iproute2', async (t) => {
  const r = await cli(['status', '--json'])
  const st = JSON.parse(r.stdout)
  t.equal(r.code, { multipath: 0, 'single-path': 3, unavailable: 1 }[st.verdict], `exit code ${r.code} fits verdict ${st.verdict}`)
  t.equal(st.support.native.loaded, true)
  t.equal(st.support.sysctls['net.mptcp.enabled'], fs.readFileSync('/proc/sys/net/mptcp/enabled', 'utf8').trim())
  const limits = execFileSync('ip', ['mptcp', 'limits', 'show'], { encoding: 'utf8' })
  t.match(limits, new RegExp(`subflows ${st.limits.subflows}\\b`))
  t.equal(st.endpoints.length, JSON.parse(execFileSync('ip', ['-j', 'mptcp', 'endpoint', 'show'], { encoding: 'utf8' })).length)
  const table = await cli(['status'])
  t.equal(table.code, r.code)
  t.match(table.stdout, /addon\s+loaded/)
  t.match(table.stdout, /net\.mptcp\.enabled\s+\d/)
})

t.test('status without the addon: exit 1, says why', async (t) => {
  const r = await cli(['status'], { env: { NODE_MPTCP_NO_NATIVE: '1' } })
  t.equal(r.code, 1)
  t.match(r.stdout, /native addon not loaded \(disabled by NODE_MPTCP_NO_NATIVE\)/)
  t.match(r.stdout, /fix: unset NODE_MPTCP_NO_NATIVE/)
})

t.test('status in namespaces: single path, multipath, disabled', { skip: !isRoot && 'needs root (ip netns)' }, async (t) => {
  const ns = `mptcp-cli-${process.pid}`
  const ip = (...args) => execFileSync('ip', ['-n', ns, ...args])
  execFileSync('ip', ['netns', 'add', ns])
  t.teardown(() => execFileSync('ip', ['netns', 'del', ns]))
  ip('link', 'set', 'lo', 'up')

  ip('mptcp', 'limits', 'set', 'subflow', '0', 'add_addr_accepted', '0')
  let r = await cli(['status', '--json'], { netns: ns })
  let st = JSON.parse(r.stdout)
  t.equal(r.code, 3, 'limits 0 and no endpoints: single path, exit 3')
  t.equal(st.verdict, 'single-path')
  t.ok(st.hints.some((h) => /subflow limit is 0/.test(h.problem) && /ip mptcp limits set subflow/.test(h.fix)))
  t.ok(st.hints.some((h) => /no MPTCP endpoints/.test(h.problem) && /ip mptcp endpoint add/.test(h.fix)))

  ip('mptcp', 'limits', 'set', 'subflow', '2', 'add_addr_accepted', '2')
  ip('mptcp', 'endpoint', 'add', '10.77.0.1', 'id', '7', 'subflow', 'backup')
  r = await cli(['status', '--json'], { netns: ns })
  st = JSON.parse(r.stdout)
  t.equal(r.code, 0, 'endpoint and limits: multipath, exit 0')
  t.same(st.limits, { subflows: 2, addAddrAccepted: 2 })
  t.same(st.endpoints, [{ id: 7, address: '10.77.0.1', flags: ['subflow', 'backup'] }])

  execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.mptcp.enabled=0'])
  r = await cli(['status'], { netns: ns })
  t.equal(r.code, 1, 'net.mptcp.enabled=0: unavailable, exit 1')
  t.match(r.stdout, /disabled by sysctl net\.mptcp\.enabled=0/)
  t.match(r.stdout, /fix: sysctl -w net\.mptcp\.enabled=1/)
})

t.test('evaluate(): path manager and endpoint flags', async (t) => {
  const support = { mptcp: true, native: { loaded: true, reason: null }, kernel: { available: true, reason: null, code: null }, policy: { listen: true, dial: false, source: 'NODE_MPTCP=listen' }, platform: 'linux', release: 'x', sysctls: { 'net.mptcp.path_manager': 'userspace' } }
  const base = { support, limits: { ok: true, value: { subflows: 0, addAddrAccepted: 0 } }, endpoints: { ok: true, value: [] }, addresses: [] }
  const user = evaluate(base)
  t.equal(user.verdict, 'multipath', 'a userspace path manager decides, so no single-path verdict')
  t.ok(user.hints.some((h) => h.level === 'warning' && /dialers use plain TCP: NODE_MPTCP=listen/.test(h.problem)))
  const noFlags = evaluate({ ...base, support: { ...support, sysctls: { 'net.mptcp.pm_type': '0' } }, limits: { ok: true, value: { subflows: 2, addAddrAccepted: 0 } }, endpoints: { ok: true, value: [{ id: 1, address: '10.0.0.1', flags: [] }] } })
  t.ok(noFlags.hints.some((h) => /none has the 'subflow' or 'signal' flag/.test(h.problem)))
  const noIp = evaluate({ ...base, limits: { ok: false, error: "'ip' (iproute2) is not installed" }, endpoints: { ok: false, error: 'x' } })
  t.ok(noIp.hints.some((h) => /could not read MPTCP limits\/endpoints: 'ip' \(iproute2\) is not installed/.test(h.problem)))
})

t.test('demo and lab run the modules of the build, with their exit codes', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mptcp-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'ok.js'), 'exports.runDemo = async (o) => { exports.seen = o }')
  fs.writeFileSync(path.join(dir, 'five.js'), 'exports.runDemo = () => 5')
  fs.writeFileSync(path.join(dir, 'none.js'), 'exports.other = 1')
  t.same(await runModule(path.join(dir, 'ok.js'), 'runDemo', { json: true, args: [] }), { code: 0 })
  t.same(require(path.join(dir, 'ok.js')).seen, { json: true, args: [] }, 'options passed on')
  t.same(await runModule(path.join(dir, 'five.js'), 'runDemo', { json: false, args: [] }), { code: 5 })
  t.equal((await runModule(path.join(dir, 'none.js'), 'runDemo', { json: false, args: [] })).code, 4)
  t.equal((await runModule(path.join(dir, 'missing'), 'runDemo', { json: false, args: [] })).code, 4)

  const hasDemo = fs.existsSync(path.join(root, 'dist', 'demo.js')) || fs.existsSync(path.join(root, 'dist', 'demo', 'index.js'))
  const demo = await cli(['demo', '--seconds', '0.3', '--json'])
  if (hasDemo) {
    t.equal(demo.code, 0, `mptcp demo runs dist/demo: ${demo.stderr}`)
    const result = JSON.parse(demo.stdout)
    t.equal(result.mptcp, true)
    t.equal(result.client.multipath, 'kernel')
    t.ok(result.bytes > 0)
  } else {
    t.equal(demo.code, 4, 'mptcp demo: not in this build yet, exit 4')
    t.match(demo.stderr, /not part of this build/)
  }
})
