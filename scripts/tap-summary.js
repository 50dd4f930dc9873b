'use strict'
// Adds up tap's closing "# { total, pass, fail, skip }" lines from a log into one plain summary line.
const fs = require('node:fs')

const totals = { pass: 0, fail: 0, skip: 0, todo: 0 }
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
  const m = /^# \{ total: \d+(.*) \}$/.exec(line.trim())
  if (!m) continue
  for (const [, key, n] of m[1].matchAll(/(\w+): (\d+)/g)) if (key in totals) totals[key] += Number(n)
}
console.log(`tests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped`)
