'use strict'
// Sockets as the kernel lists them (iproute2 `ss`), read from outside the process under test:
// `ss -M` lists MPTCP sockets, `ss -t` TCP sockets (and MPTCP subflows).
const { execFile } = require('node:child_process')

function parseAddr(text) {
  const i = text.lastIndexOf(':')
  return { address: text.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(text.slice(i + 1)) }
}

function parse(out) {
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const cols = line.trim().split(/\s+/)
      const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))
      return { state: cols[0], local: parseAddr(cols[3]), peer: parseAddr(cols[4]), pids }
    })
}

function ss(args) {
  return new Promise((resolve, reject) => {
    const opts = { encoding: 'utf8', maxBuffer: 64 << 20 }
    execFile('ss', ['-H', '-n', '-p', ...args], opts, (err, out) => (err ? reject(err) : resolve(parse(out))))
  })
}

/** MPTCP sockets (listening and established); `pid` filters by owning process. */
async function mptcpSockets({ pid } = {}) {
  const list = await ss(['-M', '-a'])
  return pid ? list.filter((s) => s.pids.includes(pid)) : list
}

/** TCP sockets on a local port, owned by a process (MPTCP connections also show their subflows here). */
async function tcpSockets({ pid, port }) {
  const list = await ss(['-t', '-a', 'sport', '=', `:${port}`])
  return pid ? list.filter((s) => s.pids.includes(pid)) : list
}

module.exports = { mptcpSockets, tcpSockets }
