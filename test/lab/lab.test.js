'use strict'
// The lab module itself: teardown in every way a process ends, the stale-namespace sweep, per-host
// net.mptcp.enabled, rate changes, and a clear refusal where it cannot run.
const t = require('tap')
const { spawn, spawnSync } = require('node:child_process')
const { lab, skipUnlessLab, withLab, MiB, fixture, goodputMbit } = require('./fixtures/helpers')
const { NodeProcess } = lab

if (skipUnlessLab(t)) return

// Running, as opposed to gone or a zombie nobody has reaped yet.
const alive = (pid) => {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

t.test('destroy() kills what the lab started and deletes both namespaces', async (t) => {
  const l = await lab.createLab({ paths: 3 })
  t.equal(l.paths.length, 3)
  t.match(l.client.namespace, new RegExp(`^mptcp-${process.pid}-\\d+-cli$`), 'namespace names carry the pid')
  const names = [l.client.namespace, l.server.namespace]
  t.ok(names.every((n) => n), 'two namespaces')
  t.same((await lab.listNamespaces()).filter((n) => names.includes(n)).sort(), names.sort(), 'both exist')
  const child = l.client.spawn(['sleep', '60'])
  await new Promise((r) => child.once('spawn', r))
  const forker = l.server.spawn(['sh', '-c', 'sleep 61 & echo $!; wait'])
  const grandchild = Number(await new Promise((r) => forker.stdout.once('data', (d) => r(String(d).trim()))))
  t.ok(alive(grandchild), 'a grandchild runs in the server namespace')
  await l.destroy()
  await l.destroy()
  t.same((await lab.listNamespaces()).filter((n) => names.includes(n)), [], 'both deleted')
  t.ok(child.exitCode !== null || child.signalCode !== null, 'the child was killed')
  t.notOk(alive(grandchild), 'and the grandchild too')
})

for (const how of ['SIGINT', 'SIGTERM', 'throw']) {
  t.test(`a process that ends by ${how} leaves no namespace behind`, async (t) => {
    const p = new NodeProcess(spawn(process.execPath, [fixture('interrupted.js'), how]), `interrupted ${how}`)
    const ready = await p.next('ready', 15000)
    if (how !== 'throw') p.child.kill(how)
    const exit = await p.exited
    t.ok(exit.code !== 0 || exit.signal, `it ended abnormally (${JSON.stringify(exit)})`)
    if (how !== 'throw') t.equal(exit.signal, how, 'by the signal itself (the default action still happens)')
    t.same((await lab.listNamespaces()).filter((n) => ready.namespaces.includes(n)), [], 'namespaces deleted')
    t.notOk(alive(ready.child), 'the child inside was killed')
  })
}

t.test('stale namespaces of dead processes are swept; others are left alone', async (t) => {
  const dead = spawnSync('true').pid
  const stale = `mptcp-${dead}-0-cli`
  const live = `mptcp-${process.ppid}-0-srv`
  const other = `notmptcp-${dead}-0-cli`
  for (const n of [stale, live, other]) await lab.run('ip', ['netns', 'add', n])
  t.teardown(async () => {
    for (const n of [stale, live, other]) await lab.run('ip', ['netns', 'del', n], { allowFailure: true })
  })
  // Another test file's createLab() may sweep it first: what counts is that it is gone.
  t.ok(Array.isArray(await lab.sweepStaleLabs()))
  const left = await lab.listNamespaces()
  t.notOk(left.includes(stale), `${stale} (pid ${dead} is gone) was swept`)
  t.ok(left.includes(live), 'a namespace of a live process stays')
  t.ok(left.includes(other), 'a namespace without the lab prefix stays')
})

for (const side of ['server', 'client']) {
  t.test(`net.mptcp.enabled=0 on the ${side}: the connection is plain TCP, data intact`, async (t) => {
    const l = await withLab(t, { mptcpEnabled: { [side]: false } })
    t.equal(await l[side].readSysctl('net.mptcp.enabled'), '0')
    const peers = await lab.startTransfer(l, { bytes: MiB })
    const done = await peers.finished(30000)
    t.equal(done.client.multipath, false, 'client: plain TCP')
    t.equal(done.server.multipath, false, 'server: plain TCP')
    t.equal(done.server.sha256Received, done.client.sha256Sent, 'intact')
  })
}

t.test('setRate() changes what a path carries', async (t) => {
  const l = await withLab(t, { endpoints: 'none' })
  await l.setRate(0, '10mbit')
  const peers = await lab.startTransfer(l, { bytes: 2 * MiB })
  const done = await peers.finished(30000)
  const mbit = goodputMbit(done.server)
  t.comment(`${mbit.toFixed(1)} Mbit/s at 10mbit`)
  t.ok(mbit < 13 && mbit > 5, `about 10 Mbit/s (${mbit.toFixed(1)})`)
})

t.test('where it cannot run (not root) createLab() says why', async (t) => {
  const code = `require(${JSON.stringify(require.resolve('../../dist/lab'))}).createLab().then(() => process.exit(0), (e) => { console.log(JSON.stringify({ code: e.code, message: e.message })); process.exit(2) })`
  const env = { ...process.env }
  delete env.NODE_OPTIONS // tap's hooks would write its files as root
  const r = spawnSync(process.execPath, ['-e', code], { uid: 65534, gid: 65534, encoding: 'utf8', env })
  t.equal(r.status, 2, `exits as told, having got the error (${r.stderr.trim()})`)
  const err = JSON.parse(r.stdout)
  t.equal(err.code, 'ERR_MPTCP_LAB_UNAVAILABLE')
  t.match(err.message, /root/)
})
