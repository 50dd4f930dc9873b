'use strict'
// Runs an app in a child node process (with a preload, env) and reads the JSON lines it prints.
const { spawn } = require('node:child_process')
const path = require('node:path')
const readline = require('node:readline')

const root = path.join(__dirname, '..', '..', '..')

/**
 * Spawns `node ...nodeArgs` with cwd at the package root (so `mptcp/register` resolves by self-reference);
 * returns { child, next(): Promise<json line>, stderr(): string, exited: Promise<code> }.
 */
function runApp(t, nodeArgs, env = {}, options = {}) {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: root,
    env: { ...process.env, NODE_MPTCP: undefined, NODE_DEBUG: undefined, NODE_OPTIONS: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.extraFds || [])],
  })
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const lines = []
  const waiting = []
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let value
    try {
      value = JSON.parse(line)
    } catch {
      value = { text: line }
    }
    const w = waiting.shift()
    if (w) w.resolve(value)
    else lines.push(value)
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)))
  exited.then((code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`app exited (${code}) before printing: ${err}`))
  })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    return exited
  })
  return {
    child,
    exited,
    stderr: () => err,
    next: () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject }))),
  }
}

module.exports = { runApp, root }
