'use strict'
// The shipped declarations for listen/attach, http(s), tls and undici compile in a strict TypeScript app.
const t = require('tap')
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { root } = require('./helpers/child')

t.test('public API types', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mptcp-types-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'mptcp'))
  fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'))
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'types.ts'), path.join(dir, 'types.ts'))
  const tsc = require.resolve('typescript/bin/tsc')
  const args = ['--noEmit', '--strict', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', '--target', 'es2022', 'types.ts']
  const { code, out } = await new Promise((resolve) =>
    execFile(process.execPath, [tsc, ...args], { cwd: dir, encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, out: stdout + stderr })),
  )
  t.equal(code, 0, out)
})
