'use strict'
// Writes one benchmark's JSON (with the machine context needed to read it honestly) and its SVG.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const dir = path.join(__dirname, '..', 'results')

function gitCommit() {
  if (process.env.MPTCP_BENCH_COMMIT) return process.env.MPTCP_BENCH_COMMIT
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

function machine() {
  return {
    node: process.version,
    kernel: os.release(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  }
}

function write(name, data, svg) {
  fs.mkdirSync(dir, { recursive: true })
  const doc = {
    name,
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    commit: gitCommit(),
    machine: machine(),
    ...data,
  }
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`)
  if (svg) fs.writeFileSync(path.join(dir, `${name}.svg`), `${svg}\n`)
  return [path.join('benchmarks', 'results', `${name}.json`), svg ? path.join('benchmarks', 'results', `${name}.svg`) : null].filter(Boolean)
}

module.exports = { write, machine }
