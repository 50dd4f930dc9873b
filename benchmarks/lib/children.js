'use strict'
// Child processes of a benchmark: every one started here is killed when the run ends, fails or is
// interrupted, so a benchmark never leaves servers behind.
const { spawn } = require('node:child_process')

const live = new Set()

function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {}
  }
  live.clear()
}

process.on('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll()
    process.exit(130)
  })
}

function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
  live.add(child)
  child.on('exit', () => live.delete(child))
  child.stdoutText = ''
  child.stderrText = ''
  child.stdout.on('data', (d) => (child.stdoutText += d))
  child.stderr.on('data', (d) => (child.stderrText += d))
  return child
}

function describe(cmd, args) {
  return [cmd, ...args].join(' ')
}

/** Runs a command to completion; resolves with its stdout, rejects on exit code, signal or timeout. */
function run(cmd, args, { timeoutMs = 60000, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const child = start(cmd, args, opts)
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out after ${timeoutMs} ms: ${describe(cmd, args)}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(child.stdoutText)
      else reject(new Error(`${describe(cmd, args)} exited ${code ?? signal}: ${child.stderrText.trim().slice(-500)}`))
    })
  })
}

/** Starts a long-running child and resolves once a stdout line matches `ready` (the match is returned). */
function startServer(cmd, args, ready = /^PORT (\d+)$/m, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const child = start(cmd, args)
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no ready line after ${timeoutMs} ms: ${describe(cmd, args)}: ${child.stderrText}`))
    }, timeoutMs)
    const check = () => {
      const m = child.stdoutText.match(ready)
      if (!m) return
      clearTimeout(timer)
      child.stdout.off('data', check)
      resolve({ child, match: m, stop: () => stop(child) })
    }
    child.stdout.on('data', check)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${describe(cmd, args)} exited ${code} before ready: ${child.stderrText.trim()}`))
    })
  })
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 2000).unref()
  })
}

/**
 * The last JSON line a server wrote on stderr (servers print one per connection they finished), waiting up to
 * 2 s for it to appear; {} if none came or it was not JSON. `stderrText()` returns what was written so far.
 */
async function lastJsonLine(stderrText) {
  for (let i = 0; i < 80; i++) {
    const last = stderrText().trim().split('\n').pop()
    if (last) {
      try {
        return JSON.parse(last)
      } catch {
        return {}
      }
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  return {}
}

module.exports = { run, startServer, stop, killAll, lastJsonLine }
