'use strict'
// Writes dist/index.mjs (and its types): named ESM exports for every CommonJS export, plus a default.
const fs = require('node:fs')
const path = require('node:path')

const dist = path.join(__dirname, '..', 'dist')
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== 'default' && n !== '__esModule')
const mjs = [
  "import cjs from './index.js'",
  'export default cjs',
  `export const { ${names.join(', ')} } = cjs`,
  '',
].join('\n')
fs.writeFileSync(path.join(dist, 'index.mjs'), mjs)
fs.writeFileSync(
  path.join(dist, 'index.d.mts'),
  "import * as mptcp from './index.js'\nexport * from './index.js'\nexport default mptcp\n",
)
