'use strict'
// The kernel stall on its own, C only (see README, "Kernel finding"): a reader that starts 10 ms late lets
// the receive window fill once; over MPTCP that costs one ~200 ms MPTCP retransmission timeout, over TCP
// nothing. With SO_RCVBUF fixed before connect (no autotuning) for comparison.
const { measurePairs } = require('./throughput')

const late = ['--read-buffer', '262144', '--start-delay-ms', '10']
const SOURCE = ['--write-size', '262144']
const pair = (key, proto, extra = []) => ({ key, label: key, mode: 'recv', client: `c-${proto}`, server: `c-${proto}`, clientArgs: [...late, ...extra], serverArgs: SOURCE })

const PAIRS = [
  pair('MPTCP, first read 10 ms late', 'mptcp'),
  pair('TCP, first read 10 ms late', 'tcp'),
  pair('MPTCP, late, SO_RCVBUF 1M', 'mptcp', ['--rcvbuf', '1048576']),
  pair('MPTCP, late, SO_RCVBUF 4M', 'mptcp', ['--rcvbuf', '4194304']),
]

async function stall({ runs = 6, bytes = 2 ** 29 } = {}) {
  const results = await measurePairs('kernel stall reproducer (C only)', PAIRS, { runs, bytes })
  return { config: { runs, bytes, reader: 'baseline/peer.c recv --read-buffer 262144 --start-delay-ms 10', source: 'peer.c server source, 256 KiB writes' }, results }
}

module.exports = { stall }
