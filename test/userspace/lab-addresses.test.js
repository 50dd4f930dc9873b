'use strict'
// Addresses that appear and vanish while a userspace connection lives (MPTCP disabled in both kernels): the
// client follows its own addresses, the server announces and withdraws its own (REMOVE_ADDR).
const t = require('tap')
const path = require('node:path')
const { lab, skipUnlessLab, MiB, clientLinkBytes, until } = require('../lab/fixtures/helpers')

if (skipUnlessLab(t)) return

const PEER = path.join(__dirname, 'fixtures', 'lab-peer.js')

async function setup(t, before) {
  const l = await lab.createLab({ paths: 2, endpoints: 'none', mptcpEnabled: { client: false, server: false } })
  t.teardown(() => l.destroy())
  if (before) await before(l)
  return l
}

async function transfer(t, l, bytes) {
  const srv = l.server.spawnNode(PEER, [JSON.stringify({ role: 'server' })])
  const { port } = await srv.next('listening', 10000)
  const cli = l.client.spawnNode(PEER, [JSON.stringify({ role: 'client', host: l.paths[0].serverAddress, port, bytes })])
  t.equal((await cli.next('connected', 10000)).multipath, 'userspace')
  return { srv, cli }
}

const samples = (p) => p.messages.filter((m) => m.event === 'sample')
const lastSample = (p) => samples(p).at(-1)

async function received(p, bytes) {
  await until(() => (lastSample(p.srv)?.received ?? 0) >= bytes, { timeoutMs: 30000, intervalMs: 50, what: `${bytes} bytes at the server` })
}

async function finish(t, p) {
  const done = await p.srv.next('done', 60000)
  const sent = p.cli.messages.find((m) => m.event === 'sent')
  t.equal(done.received, sent.sent)
  t.equal(done.sha256, sent.sha256, 'SHA-256 intact')
  return done
}

const flowsFrom = (p, local) => (lastSample(p.cli)?.subflows ?? []).filter((f) => f.local === local)
const flowsTo = (p, remote) => (lastSample(p.cli)?.subflows ?? []).filter((f) => f.remote === remote)

// side 'client': subflows from the path's client address; 'server': subflows to its server address.
const flowsOn = (p, l, side) => (side === 'client' ? flowsFrom(p, l.paths[1].clientAddress) : flowsTo(p, l.paths[1].serverAddress))

async function gains(t, side) {
  const l = await setup(t, (l) => l.removeAddress(side, 1))
  const p = await transfer(t, l, 64 * MiB)
  await received(p, 4 * MiB)
  t.same(flowsOn(p, l, side), [], 'no subflow on the missing address')
  const before = await clientLinkBytes(l)
  const t0 = Date.now()
  await l.addAddress(side, 1)
  await until(() => flowsOn(p, l, side).some((f) => f.healthy), { timeoutMs: 5000, intervalMs: 50, what: `a subflow on the new ${side} address` })
  t.comment(`subflow on the new address after ${Date.now() - t0} ms`)
  await finish(t, p)
  const end = await clientLinkBytes(l)
  t.ok(end[1].tx - before[1].tx > 8 * MiB, `the second path carried ${((end[1].tx - before[1].tx) / MiB).toFixed(1)} MiB`)
}

async function loses(t, side) {
  const l = await setup(t)
  const p = await transfer(t, l, 48 * MiB)
  await received(p, 8 * MiB)
  t.ok(flowsOn(p, l, side).length > 0, 'subflows on the second address')
  await l.removeAddress(side, 1)
  const gone = Date.now()
  await until(() => flowsOn(p, l, side).length === 0, { timeoutMs: 4000, intervalMs: 50, what: `no subflow on the vanished ${side} address` })
  t.comment(`subflows on the vanished address closed after ${Date.now() - gone} ms`)
  const done = await finish(t, p)
  const address = side === 'client' ? l.paths[1].clientAddress : l.paths[1].serverAddress
  const later = samples(p.cli).filter((s) => s.t > gone + 2500)
  t.ok(later.every((s) => !s.subflows.some((f) => f.local === address || f.remote === address)), 'none re-opened')
  t.ok(done.maxGapMs < 3000, `longest stall ${done.maxGapMs} ms < 3 s`)
}

t.test('the client gains an address mid-transfer: subflows from it, the new path carries data', (t) => gains(t, 'client'))
t.test('the client loses an address mid-transfer: its subflows close and are not re-opened', (t) => loses(t, 'client'))
t.test('the server gains an address: it announces it and the client uses it', (t) => gains(t, 'server'))
t.test('the server loses an address: REMOVE_ADDR, the client drops the subflows to it at once', (t) => loses(t, 'server'))
