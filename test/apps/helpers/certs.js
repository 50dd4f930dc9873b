'use strict'
// A self-signed certificate for localhost and 127.0.0.1, made at test time.
const { generate } = require('selfsigned')

let cached
function certs() {
  cached ??= Promise.resolve(
    generate([{ name: 'commonName', value: 'localhost' }], {
      days: 1,
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    }),
  ).then((p) => ({ key: p.private, cert: p.cert, ca: p.cert }))
  return cached
}

module.exports = { certs }
