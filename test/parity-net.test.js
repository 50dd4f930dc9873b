'use strict'
// The parity suite against node:net itself: the reference behaviour mptcp must match.
const t = require('tap')
const { runParity } = require('./parity/suite')
runParity(t, { name: 'net', net: require('node:net'), expect: 6 })
