'use strict'
// Run inside the installed app (cwd = app): loads the installed package, dials the given loopback port,
// prints what it found. argv: port
const mptcp = require('mptcp')

const port = Number(process.argv[2])
const s = mptcp.connect({ host: '127.0.0.1', port }, () => {
  s.end('ping')
})
let echoed = ''
s.on('data', (d) => (echoed += d))
s.on('close', () => {
  const support = mptcp.support()
  let undici = null
  try {
    mptcp.undici.createAgent()
  } catch (err) {
    undici = err.code
  }
  let binary = null
  try {
    binary = require('node-gyp-build').path(require('node:path').dirname(require.resolve('mptcp/package.json')))
  } catch {}
  process.stdout.write(
    JSON.stringify({
      resolved: require.resolve('mptcp'),
      binary,
      native: support.native,
      mptcp: support.mptcp,
      kernel: support.kernel,
      echoed,
      undici,
    }) + '\n',
  )
})
