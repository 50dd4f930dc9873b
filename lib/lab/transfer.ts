import { join } from 'node:path'
import type { PeerConfig } from './agents/peer'
import type { Lab } from './lab'
import type { Message, NodeProcess } from './node-process'

/** The lab's transfer peer (dist/lab/agents/peer.js): see PeerConfig for what it understands. */
export const PEER_SCRIPT = join(__dirname, 'agents', 'peer.js')

export interface TransferOptions {
  /** Bytes the sender sends; default 0 (connect only). */
  bytes?: number
  /** Send for this long (ms) instead of (or at most, with `bytes`) a number of bytes. */
  sendForMs?: number
  /** 'upload' (default): the client sends to the server; 'download': the server sends. */
  direction?: 'upload' | 'download'
  /** Where the client connects; default the server's address on path 0. */
  serverAddress?: string
  /** Where the server listens; default the dual-stack wildcard (joins to announced addresses need it). */
  listenAddress?: string
  localAddress?: string
  /** Sample per-subflow counters this often (ms); 0: never. */
  sampleMs?: number
  mptcp?: { client?: PeerConfig['mptcp']; server?: PeerConfig['mptcp'] }
  start?: PeerConfig['start']
  close?: PeerConfig['close']
  chunk?: number
}

export interface TransferPeers {
  server: NodeProcess
  client: NodeProcess
  port: number
  /** The 'done' summaries of both peers (see agents/peer.ts), once the transfer has ended. */
  finished(timeoutMs?: number): Promise<{ server: Message; client: Message }>
  /** Sends a command ('start', 'snapshot', 'close') to both peers. */
  command(cmd: 'start' | 'snapshot' | 'close'): void
  /** A snapshot ({ sent, received, multipath, info, subflows }) from each peer. */
  snapshot(): Promise<{ server: Message; client: Message }>
  kill(): Promise<void>
}

/** Starts the peer in the server, waits for it to listen, then starts the peer in the client. */
export async function startTransfer(lab: Lab, options: TransferOptions = {}): Promise<TransferPeers> {
  const upload = (options.direction ?? 'upload') === 'upload'
  const common = { sampleMs: options.sampleMs ?? 0, start: options.start, close: options.close, chunk: options.chunk }
  const serverConfig: PeerConfig = {
    ...common,
    role: 'server',
    host: options.listenAddress,
    port: 0,
    mptcp: options.mptcp?.server ?? true,
    send: upload ? 0 : options.bytes ?? 0,
    ...(upload ? {} : { sendForMs: options.sendForMs }),
  }
  const server = lab.server.spawnNode(PEER_SCRIPT, [JSON.stringify(serverConfig)])
  const listening = await server.next('listening', 15_000)
  const port = Number(listening.port)
  const clientConfig: PeerConfig = {
    ...common,
    role: 'client',
    host: options.serverAddress ?? lab.paths[0]!.serverAddress,
    port,
    localAddress: options.localAddress,
    mptcp: options.mptcp?.client ?? true,
    send: upload ? options.bytes ?? 0 : 0,
    ...(upload ? { sendForMs: options.sendForMs } : {}),
  }
  const client = lab.client.spawnNode(PEER_SCRIPT, [JSON.stringify(clientConfig)])
  return {
    server,
    client,
    port,
    async finished(timeoutMs = 120_000) {
      const [s, c] = await Promise.all([server.next('done', timeoutMs), client.next('done', timeoutMs)])
      return { server: s, client: c }
    },
    command(cmd) {
      server.send({ cmd })
      client.send({ cmd })
    },
    async snapshot() {
      server.send({ cmd: 'snapshot' })
      client.send({ cmd: 'snapshot' })
      const [s, c] = await Promise.all([server.next('snapshot', 10_000), client.next('snapshot', 10_000)])
      return { server: s, client: c }
    },
    async kill() {
      await Promise.all([server.kill(), client.kill()])
    },
  }
}
