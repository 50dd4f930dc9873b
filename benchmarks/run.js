'use strict'
// npm run bench [-- <suite>[:<part>] ...] [--runs N] [--bytes N] ...
//   suites: loopback (throughput, connrate, variants), http (plain, mptcp-clients), lab (aggregation,
//   failover, memory; root). No suite: loopback and http, then lab when root.
const { parseArgs } = require('./lib/args')
const { killAll } = require('./lib/children')
const { snapshotPackage } = require('./lib/package')
const { log } = require('./lib/progress')

const SUITES = {
  loopback: (part, opts) => require('./loopback').loopback(part, opts),
  http: (part, opts) => require('./http').http(part, opts),
  lab: (part, opts) => require('./lab').lab(part, opts),
}

async function main() {
  const { suites, opts } = parseArgs(process.argv.slice(2))
  const chosen = suites.length ? suites : ['loopback', 'http', 'lab']
  log(`package under test: a snapshot of the current build in ${snapshotPackage()}`)
  for (const s of chosen) {
    const [name, part] = s.split(':')
    if (!SUITES[name]) throw new Error(`unknown suite "${name}" (have: ${Object.keys(SUITES).join(', ')})`)
    await SUITES[name](part, opts)
  }
}

main().then(
  () => killAll(),
  (err) => {
    console.error(err.stack || err)
    killAll()
    process.exitCode = 1
  },
)
