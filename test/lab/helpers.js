'use strict'
// Shared by the lab tests: the lab module (compiled into dist/lab), skipping where it cannot run, and
// small helpers over the transfer peers' JSON summaries.
const path = require('node:path')
const lab = require('../../dist/lab')

/** Skips the whole file (with the reason) where the lab cannot run: not root, no MPTCP, no ip/tc/nft. */
function skipUnlessLab(t) {
  const reason = lab.labUnavailableReason()
  if (reason) t.plan(0, `multipath lab tests skipped: ${reason}`)
  return reason
}

/** A lab that is destroyed when the test ends, whatever happens. */
async function withLab(t, options) {
  const l = await lab.createLab(options)
  t.teardown(() => l.destroy())
  return l
}

const MiB = 1 << 20
const fixture = (name) => path.join(__dirname, 'fixtures', name)
const unmap = (a) => String(a).replace(/^::ffff:/, '')

/** Receiver goodput in Mbit/s from a peer's 'done' summary (first to last byte). */
function goodputMbit(done) {
  const ms = Math.max(1, done.lastByteAt - done.firstByteAt)
  return (done.received * 8) / ms / 1000
}

/** "local>remote" pairs of a subflow list, sorted, with IPv4-mapped addresses unmapped. */
function pairs(subflows, reverse = false) {
  return subflows.map((s) => (reverse ? `${unmap(s.remote)}>${unmap(s.local)}` : `${unmap(s.local)}>${unmap(s.remote)}`)).sort()
}

/** Bytes each client interface sent (tx) and received (rx), by path index. */
async function clientLinkBytes(l) {
  const { stdout } = await l.client.ip(['-s', '-j', 'link', 'show'])
  const links = JSON.parse(stdout)
  return l.paths.map((p) => {
    const s = links.find((x) => x.ifname === p.clientIf).stats64
    return { tx: s.tx.bytes, rx: s.rx.bytes }
  })
}

/** Polls fn() until it returns a truthy value (returned), or fails after timeoutMs. */
async function until(fn, { timeoutMs = 10000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

module.exports = { lab, skipUnlessLab, withLab, MiB, fixture, unmap, goodputMbit, pairs, clientLinkBytes, until, sleep }
