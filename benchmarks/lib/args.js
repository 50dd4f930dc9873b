'use strict'
// `npm run bench -- <suite...> [--runs N] [--quick] [--key value]`: suites are positional, options named.

function parseArgs(argv) {
  const suites = []
  const opts = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--')) {
      suites.push(a)
      continue
    }
    const key = a.slice(2).replace(/-([a-z])/g, (_, ch) => ch.toUpperCase())
    const next = argv[i + 1]
    if (next === undefined || next.startsWith('--')) opts[key] = true
    else {
      opts[key] = Number.isNaN(Number(next)) ? next : Number(next)
      i++
    }
  }
  return { suites, opts }
}

module.exports = { parseArgs }
