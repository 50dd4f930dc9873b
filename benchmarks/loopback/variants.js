'use strict'
// Where does Node MPTCP lose against the C MPTCP baseline? Each variant changes one knob with a C peer at
// the other end, so only one side is Node: sender variants (write size, cork/writev batching, a large
// writable highWaterMark, SO_SNDBUF) send to the C sink; receiver variants (onread buffer size,
// SO_RCVBUF) read from the C source. C<->C rows with the same knob are the reference.
const { measurePairs } = require('./throughput')

const K = 1024
const M = 1024 * 1024

function sendPair(key, client, clientArgs, server = 'c-mptcp', serverArgs = []) {
  return { key, label: key, mode: 'send', client, server, clientArgs, serverArgs }
}

function recvPair(key, client, clientArgs, server = 'c-mptcp', serverArgs = []) {
  return { key, label: key, mode: 'recv', client, server, clientArgs, serverArgs }
}

const w = (n) => ['--write-size', String(n)]
const rb = (n) => ['--read-buffer', String(n)]

const SENDERS = [
  sendPair('send C write 64K', 'c-mptcp', w(64 * K)),
  sendPair('send C write 256K', 'c-mptcp', w(256 * K)),
  sendPair('send node write 64K', 'node-mptcp', w(64 * K)),
  sendPair('send node write 256K', 'node-mptcp', w(256 * K)),
  sendPair('send node write 1M', 'node-mptcp', w(M)),
  sendPair('send node 64K cork x16', 'node-mptcp', [...w(64 * K), '--cork', '16']),
  sendPair('send node 64K hwm 1M', 'node-mptcp', [...w(64 * K), '--hwm', String(M)]),
  sendPair('send node 256K sndbuf 4M', 'node-mptcp', [...w(256 * K), '--sndbuf', String(4 * M)]),
  sendPair('send node:net write 256K', 'node-net', w(256 * K), 'c-tcp'),
  sendPair('send C tcp write 256K', 'c-tcp', w(256 * K), 'c-tcp'),
]

const SOURCE = w(256 * K)
const RECEIVERS = [
  recvPair('recv C read 64K', 'c-mptcp', rb(64 * K), 'c-mptcp', SOURCE),
  recvPair('recv C read 256K', 'c-mptcp', rb(256 * K), 'c-mptcp', SOURCE),
  recvPair('recv C read 256K rcvbuf 4M', 'c-mptcp', [...rb(256 * K), '--rcvbuf', String(4 * M)], 'c-mptcp', SOURCE),
  recvPair('recv node data events', 'node-mptcp', [], 'c-mptcp', SOURCE),
  recvPair('recv node onread 64K', 'node-mptcp', rb(64 * K), 'c-mptcp', SOURCE),
  recvPair('recv node onread 256K', 'node-mptcp', rb(256 * K), 'c-mptcp', SOURCE),
  recvPair('recv node onread 1M', 'node-mptcp', rb(M), 'c-mptcp', SOURCE),
  recvPair('recv node data rcvbuf 4M', 'node-mptcp', ['--rcvbuf', String(4 * M)], 'c-mptcp', SOURCE),
  recvPair('recv node onread 256K rcvbuf 4M', 'node-mptcp', [...rb(256 * K), '--rcvbuf', String(4 * M)], 'c-mptcp', SOURCE),
  recvPair('recv C read 256K, first read 10 ms late', 'c-mptcp', [...rb(256 * K), '--start-delay-ms', '10'], 'c-mptcp', SOURCE),
  recvPair('recv node:net data events', 'node-net', [], 'c-tcp', SOURCE),
  recvPair('recv C tcp read 64K', 'c-tcp', rb(64 * K), 'c-tcp', SOURCE),
  recvPair('recv C tcp read 256K, first read 10 ms late', 'c-tcp', [...rb(256 * K), '--start-delay-ms', '10'], 'c-tcp', SOURCE),
]

// End to end with the best knobs on both sides, Node<->Node against C<->C.
const TUNED = [
  recvPair('tuned node mptcp <-> node mptcp', 'node-mptcp', rb(256 * K), 'node-mptcp', SOURCE),
  recvPair('tuned C mptcp <-> C mptcp', 'c-mptcp', rb(256 * K), 'c-mptcp', SOURCE),
  recvPair('tuned node:net <-> node:net', 'node-net', rb(256 * K), 'node-net', SOURCE),
]

async function variants({ runs = 5, bytes = 2 ** 30 } = {}) {
  const send = await measurePairs('sender variants (Node or C -> C sink)', SENDERS, { runs, bytes })
  const recv = await measurePairs('receiver variants (C source -> Node or C)', RECEIVERS, { runs, bytes })
  const tuned = await measurePairs('tuned end to end', TUNED, { runs, bytes })
  return { config: { runs, bytes, sourceWriteSize: 256 * K }, results: { ...send, ...recv, ...tuned } }
}

module.exports = { variants }
