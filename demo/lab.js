#!/usr/bin/env node
'use strict'
// npm run lab: the live multipath demo (needs root). Options: npm run lab -- --help
const { runLabDemo } = require('../dist/lab')

runLabDemo({ args: process.argv.slice(2) }).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(`mptcp lab: ${err.stack || err}`)
    process.exitCode = 1
  },
)
