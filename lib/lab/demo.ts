import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { SubflowSample } from './agents/stats'
import { labUnavailableReason } from './availability'
import { createLab } from './lab'
import type { Message } from './node-process'
import { htmlReport, svgChart, type Marker, type Series } from './report'
import type { EndpointMode } from './topology'
import { startTransfer } from './transfer'

export interface LabDemoOptions {
  /** How long the transfer runs (s); default 14. Path 1 goes down halfway and comes back 2.5 s later. */
  seconds?: number
  /** Rate of each of the two paths; default '50mbit'. */
  rate?: string
  endpoints?: EndpointMode
  /** Where the HTML report goes; default a file in the OS temp dir. */
  out?: string
  /** JSON lines on stdout instead of text. */
  json?: boolean
  /** Command-line arguments: --seconds N, --rate R, --endpoints MODE, --out FILE, --json. */
  args?: string[]
  stdout?: NodeJS.WritableStream
  stderr?: NodeJS.WritableStream
}

const USAGE = 'usage: npm run lab [-- --seconds N] [--rate 50mbit] [--endpoints signal|subflow|fullmesh] [--out report.html] [--json]'

function parseArgs(args: string[], into: LabDemoOptions): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const value = () => args[++i]
    if (a === '--json') into.json = true
    else if (a === '--seconds') into.seconds = Number(value())
    else if (a === '--rate') into.rate = value()
    else if (a === '--out') into.out = value()
    else if (a === '--endpoints') into.endpoints = value() as EndpointMode
    else if (a === '--help' || a === '-h') return ''
    else return `unknown argument: ${a}`
  }
  if (into.seconds !== undefined && !(into.seconds >= 4 && into.seconds <= 600)) return '--seconds must be between 4 and 600'
  if (into.endpoints && !['signal', 'subflow', 'fullmesh'].includes(into.endpoints)) return `--endpoints: ${into.endpoints}?`
  return null
}

interface Row {
  t: number
  rates: Map<string, number>
}

/**
 * The live multipath demo (what `npm run lab` and `mptcp lab` run): two shaped paths, a transfer that shows
 * per-subflow throughput every second, path 1 taken down halfway and brought back, and an HTML report with
 * the chart. Resolves to an exit code: 0 done, 1 cannot run here or failed, 2 bad arguments.
 */
export async function runLabDemo(options: LabDemoOptions = {}): Promise<number> {
  const opts: LabDemoOptions = { ...options }
  const out = opts.stdout ?? process.stdout
  const err = opts.stderr ?? process.stderr
  const bad = parseArgs(opts.args ?? [], opts)
  if (bad !== null) {
    ;(bad ? err : out).write(`${bad ? `mptcp lab: ${bad}\n` : ''}${USAGE}\n`)
    return bad ? 2 : 0
  }
  const reason = labUnavailableReason()
  if (reason) {
    err.write(
      `mptcp lab: cannot run here: ${reason}.\n` +
        'It builds two network namespaces joined by two shaped veth paths, so it needs: root (sudo npm run lab),\n' +
        'a Linux kernel with MPTCP (5.6+, net.mptcp.enabled=1), and iproute2 (ip, tc) and nftables\n' +
        '(sudo scripts/install-system-deps.sh installs them on Debian/Ubuntu).\n',
    )
    return 1
  }
  const seconds = opts.seconds ?? 14
  const rate = opts.rate ?? '50mbit'
  const say = (text: string, json: Record<string, unknown>) =>
    out.write(opts.json ? `${JSON.stringify(json)}\n` : `${text}\n`)

  const lab = await createLab({ paths: [{ rate }, { rate }], endpoints: opts.endpoints ?? 'signal' })
  try {
    for (const p of lab.paths) {
      say(`path ${p.index + 1}: ${p.clientAddress} (${p.clientIf}) <-> ${p.serverAddress} (${p.serverIf}), ${rate} each way`, {
        event: 'path', path: p.index + 1, client: p.clientAddress, server: p.serverAddress, rate,
      })
    }
    const peers = await startTransfer(lab, { sendForMs: seconds * 1000, sampleMs: 500 })
    const started = await peers.client.next('started', 15000)
    const t0 = Number(started.t)
    const wall0 = Date.now()
    const now = () => (Date.now() - wall0) / 1000
    const markers: Marker[] = []
    const labels = new Map<string, string>()
    const rows: Row[] = []
    const last = new Map<string, { t: number; bytes: number }>()
    let printed = 0

    const keyOf = (s: SubflowSample) => `${s.local}:${s.localPort}>${s.remote}:${s.remotePort}`
    const onSample = (m: Message) => {
      const t = (Number(m.t) - t0) / 1000
      const row: Row = { t, rates: new Map() }
      for (const s of m.subflows as SubflowSample[]) {
        const key = keyOf(s)
        if (!labels.has(key)) labels.set(key, `path ${lab.pathIndexOf(s.local) + 1}: ${s.local} → ${s.remote}`)
        const prev = last.get(key) ?? { t: 0, bytes: 0 }
        row.rates.set(key, t > prev.t ? ((s.bytesAcked - prev.bytes) * 8) / (t - prev.t) / 1e6 : 0)
        last.set(key, { t, bytes: s.bytesAcked })
      }
      rows.push(row)
      if (t - printed >= 0.99) {
        const window = rows.filter((r) => r.t > printed + 1e-9)
        const avg = (key: string) => window.reduce((n, r) => n + (r.rates.get(key) ?? 0), 0) / window.length
        const parts = [...labels.keys()].map((k) => ({ key: k, label: labels.get(k)!, mbit: avg(k) }))
        const total = parts.reduce((n, p) => n + p.mbit, 0)
        printed = t
        say(
          `t=${t.toFixed(1).padStart(5)}s  ${parts.map((p) => `${p.label} ${p.mbit.toFixed(1).padStart(5)} Mbit/s`).join('  |  ')}  |  total ${total.toFixed(1)} Mbit/s`,
          { event: 'rate', t, subflows: parts.map((p) => ({ subflow: p.label, mbit: +p.mbit.toFixed(2) })), total: +total.toFixed(2) },
        )
      }
    }
    const sampling = (async () => {
      for (;;) {
        const m = await peers.client.next((x) => x.event === 'sample' || x.event === 'done', (seconds + 60) * 1000).catch(() => null)
        if (!m || m.event === 'done') return
        onSample(m)
      }
    })()

    const downAt = seconds / 2
    const upAt = downAt + Math.min(2.5, seconds / 5)
    const at = (s: number) => new Promise((r) => setTimeout(r, Math.max(0, (s - now()) * 1000)))
    await at(downAt)
    await lab.linkDown(0)
    markers.push({ at: now(), label: 'path 1 down' })
    say(`t=${now().toFixed(1).padStart(5)}s  >>> path 1 link down`, { event: 'link', t: now(), path: 1, state: 'down' })
    await at(upAt)
    await lab.linkUp(0)
    markers.push({ at: now(), label: 'path 1 up' })
    say(`t=${now().toFixed(1).padStart(5)}s  >>> path 1 link up`, { event: 'link', t: now(), path: 1, state: 'up' })

    const done = await peers.finished((seconds + 60) * 1000)
    await sampling
    const server = done.server
    const intact = server.sha256Received === done.client.sha256Sent
    const mbit = (Number(server.received) * 8) / Math.max(1, Number(server.lastByteAt) - Number(server.firstByteAt)) / 1000
    const keys = [...labels.keys()]
    const series: Series[] = keys.map((k) => ({ label: labels.get(k)!, points: rows.map((r) => [r.t, r.rates.get(k) ?? 0]) }))
    series.push({ label: 'total', dashed: true, points: rows.map((r) => [r.t, keys.reduce((n, k) => n + (r.rates.get(k) ?? 0), 0)]) })
    const facts: Array<[string, string]> = [
      ['paths', lab.paths.map((p) => `${p.clientAddress} ↔ ${p.serverAddress} at ${rate}`).join('; ')],
      ['endpoints', opts.endpoints ?? 'signal'],
      ['transferred', `${(Number(server.received) / 2 ** 20).toFixed(1)} MiB in ${((Number(server.lastByteAt) - Number(server.firstByteAt)) / 1000).toFixed(1)} s`],
      ['average goodput', `${mbit.toFixed(1)} Mbit/s`],
      ['longest delivery gap', `${server.maxGapMs} ms`],
      ['data intact (SHA-256)', intact ? 'yes' : 'NO'],
      ['path 1', `down at ${markers[0]!.at.toFixed(1)} s, up at ${markers[1]!.at.toFixed(1)} s`],
      ['generated', new Date().toISOString()],
    ]
    const report = resolve(opts.out ?? join(tmpdir(), `mptcp-lab-${new Date().toISOString().replace(/[:.]/g, '-')}.html`))
    const chart = svgChart(series, markers, { title: 'Throughput per subflow (client → server, acked bytes)' })
    writeFileSync(report, htmlReport('mptcp lab: two paths, one link failure', chart, facts, [
      'Each line is one MPTCP subflow, measured from the sender’s per-subflow tcp_info (bytes acked) every 500 ms.',
    ]))
    say(
      `done: ${(Number(server.received) / 2 ** 20).toFixed(1)} MiB, ${mbit.toFixed(1)} Mbit/s average, longest gap ${server.maxGapMs} ms, ` +
        `data ${intact ? 'intact' : 'CORRUPTED'}\nreport: ${report}`,
      { event: 'summary', bytes: server.received, mbit: +mbit.toFixed(2), maxGapMs: server.maxGapMs, intact, report },
    )
    return intact ? 0 : 1
  } finally {
    await lab.destroy()
  }
}
