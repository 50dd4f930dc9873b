'use strict'
// Compiles the C baseline (cc -O2) into baseline/build/ when the source is newer than the binary.
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const src = path.join(__dirname, 'peer.c')
const out = path.join(__dirname, 'build', 'peer')

function buildBaseline() {
  const fresh = fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs
  if (fresh) return out
  fs.mkdirSync(path.dirname(out), { recursive: true })
  const cc = process.env.CC || 'cc'
  execFileSync(cc, ['-O2', '-Wall', '-o', out, src], { stdio: 'inherit' })
  return out
}

module.exports = { buildBaseline, baselineSource: src }
