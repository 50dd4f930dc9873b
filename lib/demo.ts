import { once } from 'node:events'
import { createServer, connect, type Socket } from './index'
import { support } from './support'
import type { Subflow } from './decode/subflows'

// What `npm start` shows: an MPTCP server and client on loopback, a timed transfer with live per-subflow
// stats, then what was negotiated.

export interface DemoOptions {
  seconds?: number
  write?: (line: string) => void
}

export interface DemoResult {
  mptcp: boolean
  reason: string | null
  bytes: number
  seconds: number
  client: { multipath: Socket['multipath']; subflows: number }
  server: { multipath: Socket['multipath']; subflows: number }
}

const fmtRate = (bytesPerSec: number): string => `${((bytesPerSec * 8) / 1e9).toFixed(2)} Gbit/s`

function subflowLine(sf: Subflow): string {
  const ti = sf.tcpInfo
  const ends = `${sf.local?.address}:${sf.local?.port} -> ${sf.remote?.address}:${sf.remote?.port}`
  if (!ti) return `  #${sf.id} ${ends}`
  return `  #${sf.id} ${ends}  rtt ${(ti.rtt / 1000).toFixed(2)} ms  cwnd ${ti.sndCwnd}  mss ${ti.sndMss}  acked ${ti.bytesAcked ?? '-'} B  retrans ${ti.totalRetrans ?? ti.retrans}`
}

function table(rows: Array<[string, unknown]>): string[] {
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'bigint' ? v.toString() : String(v)}`)
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const seconds = options.seconds ?? 3
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const host = support()
  write(`mptcp demo: ${host.platform} ${host.release}`)
  write(host.mptcp ? 'kernel MPTCP: available' : `kernel MPTCP: not available (${host.kernel.reason}); running over plain TCP`)

  let accepted: Socket | undefined
  const server = createServer((s) => {
    accepted = s
    s.on('error', () => {})
    s.resume()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const client = connect({ port, host: '127.0.0.1' })
  await once(client, 'connect')
  write(`connected 127.0.0.1:${client.localPort} -> 127.0.0.1:${port}, multipath: ${client.multipath}`)

  const chunk = Buffer.alloc(256 * 1024, 7)
  let running = true
  const pump = (): void => {
    while (running && client.write(chunk));
  }
  client.on('drain', pump)
  pump()
  const start = Date.now()
  let last = 0
  for (let i = 1; i <= seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000))
    const sent = client.bytesWritten
    write(`[${i}s] ${fmtRate(sent - last)}  multipath: ${client.multipath}`)
    for (const sf of client.subflows()) write(subflowLine(sf))
    last = sent
  }
  running = false
  const elapsed = (Date.now() - start) / 1000
  const bytes = client.bytesWritten

  const info = client.mptcpInfo()
  write('')
  write(`transferred ${(bytes / 2 ** 20).toFixed(0)} MiB in ${elapsed.toFixed(1)} s (${fmtRate(bytes / elapsed)})`)
  if (info) {
    write('client mptcpInfo():')
    for (const line of table(Object.entries(info))) write(line)
  } else {
    write('client mptcpInfo(): null (not MPTCP)')
  }
  const result: DemoResult = {
    mptcp: host.mptcp,
    reason: host.kernel.reason,
    bytes,
    seconds: elapsed,
    client: { multipath: client.multipath, subflows: client.subflows().length },
    server: { multipath: accepted?.multipath ?? false, subflows: accepted?.subflows().length ?? 0 },
  }
  write(`server side: multipath ${result.server.multipath}, ${result.server.subflows} subflow(s)`)
  write('one path on loopback means one subflow; `npm run lab` (root) shows two paths aggregating and failing over.')
  client.destroy()
  server.close()
  return result
}
