'use strict'
// Two self-contained SVG charts, no dependencies: horizontal ratio bars, and lines over time.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const COLORS = ['#3366cc', '#dc3912', '#109618', '#ff9900', '#990099', '#0099c6', '#dd4477', '#66aa00']
const FONT = 'font-family="sans-serif" font-size="12"'

/**
 * bars: [{ label, value, note? }]; value is a ratio. Dashed lines at 1.0 and at `target` when given.
 */
function ratioBars({ title, subtitle = '', bars, target, unit = 'x' }) {
  // ~6.8 px per character of 12 px sans-serif.
  const labelW = Math.max(160, Math.ceil(Math.max(...bars.map((b) => String(b.label).length)) * 6.8) + 20)
  const plotW = 420
  const rowH = 24
  const top = subtitle ? 52 : 36
  const height = top + bars.length * rowH + 34
  const max = Math.max(1.1, target ?? 0, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))) * 1.08
  const x = (v) => labelW + (v / max) * plotW
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(labelW + plotW + 150, title.length * 8.5 + 20)}" height="${height}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ]
  if (subtitle) out.push(`<text x="10" y="38" fill="#555">${esc(subtitle)}</text>`)
  bars.forEach((b, i) => {
    const y = top + i * rowH
    const v = Number.isFinite(b.value) ? b.value : 0
    const ok = target == null || v >= target
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`)
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${Math.max(0, x(v) - labelW)}" height="${rowH - 8}" fill="${b.color ?? (ok ? '#3366cc' : '#dc3912')}"/>`)
    const text = Number.isFinite(b.value) ? `${b.value.toFixed(2)}${unit}${b.note ? `  ${b.note}` : ''}` : 'n/a'
    out.push(`<text x="${x(v) + 5}" y="${y + 15}">${esc(text)}</text>`)
  })
  const axisY = top + bars.length * rowH
  const guides = [[1, '1.0', '#888']]
  if (target != null) guides.push([target, `target ${target}`, '#dc3912'])
  for (const [v, label, color] of guides) {
    out.push(`<line x1="${x(v)}" y1="${top}" x2="${x(v)}" y2="${axisY}" stroke="${color}" stroke-dasharray="4 3"/>`)
    out.push(`<text x="${x(v)}" y="${axisY + 14}" text-anchor="middle" fill="${color}">${esc(label)}</text>`)
  }
  out.push('</svg>')
  return out.join('\n')
}

/**
 * series: [{ label, points: [[t, y], ...] }]; events: [{ t, label }] drawn as vertical lines.
 */
function timeLines({ title, subtitle = '', series, events = [], xLabel = 's', yLabel = '' }) {
  const W = 900
  const H = 340
  const L = 60
  const R = 230
  const T = subtitle ? 50 : 34
  const B = 40
  const all = series.flatMap((s) => s.points)
  const tMax = Math.max(1e-9, ...all.map((p) => p[0]), ...events.map((e) => e.t))
  const yMax = Math.max(1e-9, ...all.map((p) => p[1])) * 1.1
  const x = (t) => L + (t / tMax) * (W - L - R)
  const y = (v) => H - B - (v / yMax) * (H - T - B)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ]
  if (subtitle) out.push(`<text x="10" y="38" fill="#555">${esc(subtitle)}</text>`)
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`)
  out.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`)
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 1.1) * (i / 4)
    out.push(`<text x="${L - 5}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(v >= 10 ? 0 : 1)}</text>`)
    const t = (tMax * i) / 4
    out.push(`<text x="${x(t)}" y="${H - B + 15}" text-anchor="middle">${t.toFixed(1)}</text>`)
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 5}" text-anchor="middle">${esc(xLabel)}</text>`)
  out.push(`<text x="12" y="${(T + H - B) / 2}" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle">${esc(yLabel)}</text>`)
  for (const e of events) {
    out.push(`<line x1="${x(e.t)}" y1="${T}" x2="${x(e.t)}" y2="${H - B}" stroke="#999" stroke-dasharray="4 3"/>`)
    out.push(`<text x="${x(e.t) + 3}" y="${T + 12}" fill="#555">${esc(e.label)}</text>`)
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`)
    out.push(`<rect x="${W - R + 10}" y="${T + i * 18}" width="12" height="12" fill="${color}"/>`)
    out.push(`<text x="${W - R + 27}" y="${T + i * 18 + 11}">${esc(s.label)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n')
}

module.exports = { ratioBars, timeLines }
