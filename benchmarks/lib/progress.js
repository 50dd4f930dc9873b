'use strict'
// Progress on stderr while a suite runs, so stdout stays free and a long run is never silent.

const started = Date.now()

function stamp() {
  return `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`
}

function log(...parts) {
  process.stderr.write(`${stamp()}  ${parts.join(' ')}\n`)
}

function section(title) {
  process.stderr.write(`\n${stamp()}  == ${title}\n`)
}

module.exports = { log, section }
