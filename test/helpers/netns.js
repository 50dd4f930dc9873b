'use strict'
// A throwaway network namespace for one test: unique name, loopback up, always deleted.
const { execFileSync } = require('node:child_process')

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

let seq = 0
function createNetns(t, sysctls = {}) {
  const name = `mptcp-t${process.pid}-${++seq}`
  execFileSync('ip', ['netns', 'add', name])
  t.teardown(() => execFileSync('ip', ['netns', 'del', name]))
  const run = (...cmd) => execFileSync('ip', ['netns', 'exec', name, ...cmd], { encoding: 'utf8' })
  run('ip', 'link', 'set', 'lo', 'up')
  for (const [k, v] of Object.entries(sysctls)) run('sysctl', '-qw', `${k}=${v}`)
  return { name, run }
}

module.exports = { isRoot, createNetns }
