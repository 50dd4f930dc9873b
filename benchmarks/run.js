'use strict'
// npm run bench [-- <suite>[:<part>] ...] [--runs N] [--bytes N] ...
//   suites: loopback (throughput, connrate, variants), http (plain, mptcp-clients), apps (express, fastify,
//   fetch), lab (aggregation, failover, memory; root), userspace (loopback, memory; aggregation, failover, latency: root).
//   No suite: all of them (the lab parts print why and skip where not root).
const { parseArgs } = require('./lib/args')
const { killAll } = require('./lib/children')
const { snapshotPackage } = require('./lib/package')
const { log } = require('./lib/progress')

const SUITES = {
  loopback: (part, opts) => require('./loopback').loopback(part, opts),
  http: (part, opts) => require('./http').http(part, opts),
  apps: (part, opts) => require('./apps').apps(part, opts),
  lab: (part, opts) => require('./lab').lab(part, opts),
  userspace: (part, opts) => require('./userspace').userspace(part, opts),
}

async function main() {
  const { suites, opts } = parseArgs(process.argv.slice(2))
  const chosen = suites.length ? suites : ['loopback', 'http', 'apps', 'lab', 'userspace']
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
