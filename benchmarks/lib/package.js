'use strict'
// The package under test. Other agents rebuild dist/ and the addon while benchmarks run, so `npm run bench`
// first copies the built package (package.json, dist/, the addon) to a private directory and every peer
// loads that copy (MPTCP_BENCH_PACKAGE): one consistent build for the whole run.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const root = path.join(__dirname, '..', '..')

function packageDir() {
  return process.env.MPTCP_BENCH_PACKAGE || root
}

function loads(dir) {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(dir)}); require(${JSON.stringify(path.join(dir, 'dist', 'lab'))})`], { stdio: 'ignore', timeout: 20000 })
    return true
  } catch {
    return false
  }
}

function copy(dir) {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true })
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'))
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true })
  fs.copyFileSync(path.join(root, 'build', 'Release', 'mptcp.node'), path.join(dir, 'build', 'Release', 'mptcp.node'))
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'))
}

/** Snapshots the built package once per run (retrying while a rebuild is in progress); returns its directory. */
function snapshotPackage() {
  if (process.env.MPTCP_BENCH_PACKAGE) return process.env.MPTCP_BENCH_PACKAGE
  const dir = path.join(os.tmpdir(), `mptcp-bench-${process.pid}`)
  for (let attempt = 1; ; attempt++) {
    try {
      copy(dir)
      if (loads(dir)) break
    } catch {}
    if (attempt === 15) throw new Error(`cannot snapshot a loadable build from ${root}: run npm run build (and npm install) first`)
    execFileSync('sleep', ['2'])
  }
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  process.env.MPTCP_BENCH_PACKAGE = dir
  try {
    // The commit the snapshot was taken at (the build may also hold uncommitted work of that moment).
    process.env.MPTCP_BENCH_COMMIT = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {}
  return dir
}

module.exports = { packageDir, snapshotPackage }
