/** A line on the chart: throughput of one subflow (or the total) over time. */
export interface Series {
  label: string
  /** [seconds, Mbit/s] */
  points: Array<[number, number]>
  dashed?: boolean
}

/** A vertical line on the chart (a link going down, say). */
export interface Marker {
  at: number
  label: string
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf']

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function niceMax(v: number): number {
  if (v <= 0) return 1
  const step = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= v) return m * step
  return 10 * step
}

/** An inline SVG line chart: throughput (Mbit/s) per series over time (s), with markers. */
export function svgChart(series: Series[], markers: Marker[] = [], opts: { width?: number; height?: number; title?: string } = {}): string {
  const W = opts.width ?? 940
  const H = opts.height ?? 360
  const L = 56
  const R = 250
  const T = 30
  const B = 40
  const pw = W - L - R
  const ph = H - T - B
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).concat(markers.map((m) => m.at))
  const xMax = Math.max(1, ...xs)
  const yMax = niceMax(Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.05)
  const x = (v: number) => (L + (v / xMax) * pw).toFixed(1)
  const y = (v: number) => (T + ph - (v / yMax) * ph).toFixed(1)
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`)
  if (opts.title) out.push(`<text x="${L}" y="18" font-size="14" font-weight="bold">${escapeHtml(opts.title)}</text>`)
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${L - 6}" y="${y(v)}" text-anchor="end" dominant-baseline="middle">${+v.toFixed(1)}</text>`)
  }
  const xStep = niceMax(xMax / 8)
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    out.push(`<text x="${x(v)}" y="${T + ph + 16}" text-anchor="middle">${+v.toFixed(1)}</text>`)
  }
  out.push(`<text x="${L + pw / 2}" y="${H - 6}" text-anchor="middle">time (s)</text>`)
  out.push(`<text transform="translate(14 ${T + ph / 2}) rotate(-90)" text-anchor="middle">Mbit/s</text>`)
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`)
  for (const m of markers) {
    out.push(`<line x1="${x(m.at)}" x2="${x(m.at)}" y1="${T}" y2="${T + ph}" stroke="#555" stroke-dasharray="4 3"/>`)
    out.push(`<text x="${Number(x(m.at)) + 4}" y="${T + 12}" fill="#555">${escapeHtml(m.label)}</text>`)
  }
  series.forEach((s, i) => {
    const color = s.dashed ? '#333' : COLORS[i % COLORS.length]
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0])},${y(p[1])}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`)
    const ly = T + 10 + i * 18
    out.push(`<line x1="${L + pw + 12}" x2="${L + pw + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push(`<text x="${L + pw + 36}" y="${ly}" dominant-baseline="middle">${escapeHtml(s.label)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n')
}

/** A self-contained HTML page: a title, the chart, and a table of facts. */
export function htmlReport(title: string, chart: string, facts: Array<[string, string]>, notes: string[] = []): string {
  const rows = facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-top:1em}th,td{text-align:left;padding:4px 12px;border-bottom:1px solid #ddd}th{font-weight:600}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${chart}
<table>
${rows}
</table>
${notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('\n')}
</body></html>
`
}
