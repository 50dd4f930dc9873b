'use strict'
// Packaging helpers: build a prebuild away from the shared tree, pack what `files` ships, install the tarball
// into a clean directory with no compiler on PATH.
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..', '..')
const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')

function npm(args, options = {}) {
  return execFileSync(process.execPath, [npmCli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
}

/** What `npm pack` would put in the tarball, as paths. */
function packList() {
  const out = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root })
  return JSON.parse(out)[0].files.map((f) => f.path)
}

/**
 * `npm run prebuildify` in a scratch copy (its node-gyp rebuild wipes build/, which running tests load):
 * prebuilds/<platform>-<arch>/mptcp.node.
 */
function buildPrebuild(scratch) {
  const dir = path.join(scratch, 'src')
  fs.mkdirSync(dir, { recursive: true })
  for (const f of ['binding.gyp', 'package.json', 'native']) fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true })
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'))
  npm(['run', 'prebuildify'], { cwd: dir })
  return path.join(dir, 'prebuilds')
}

/** Copies the files npm would pack plus the given prebuilds into a staging dir, packs it, returns the tarball. */
function packWithPrebuilds(scratch, prebuilds) {
  const stage = path.join(scratch, 'stage')
  for (const f of packList()) fs.cpSync(path.join(root, f), path.join(stage, f), { recursive: true })
  if (prebuilds) fs.cpSync(prebuilds, path.join(stage, 'prebuilds'), { recursive: true })
  const out = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: stage })
  const info = JSON.parse(out)[0]
  return { tarball: path.join(scratch, info.filename), files: info.files.map((f) => f.path) }
}

/** A PATH with node and nothing else: no cc, c++, make, python. */
function compilerFreeEnv(scratch) {
  const bin = path.join(scratch, 'bin')
  fs.mkdirSync(bin, { recursive: true })
  fs.symlinkSync(process.execPath, path.join(bin, 'node'))
  const env = { ...process.env, PATH: bin, CC: path.join(bin, 'no-cc'), CXX: path.join(bin, 'no-cxx') }
  for (const k of ['NODE_MPTCP', 'NODE_MPTCP_NO_NATIVE', 'NODE_OPTIONS', 'NODE_DEBUG']) delete env[k]
  return env
}

function hasCompiler(env) {
  return ['cc', 'gcc', 'c++', 'g++', 'make'].some((c) => spawnSync(c, ['--version'], { env }).error === undefined)
}

/** A fresh app directory with the tarball installed (--ignore-scripts, no compiler). */
function installApp(scratch, tarball, env) {
  const app = path.join(scratch, 'app')
  fs.mkdirSync(app, { recursive: true })
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, env })
  return app
}

function tmp(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mptcp-pack-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

module.exports = { root, npm, packList, buildPrebuild, packWithPrebuilds, compilerFreeEnv, hasCompiler, installApp, tmp }
