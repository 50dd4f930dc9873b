'use strict'
// npm start: MPTCP on loopback with live subflow stats (lib/demo.ts).
require('../dist/demo')
  .runDemo({ seconds: Number(process.env.DEMO_SECONDS) || 3 })
  .catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
