'use strict'
// Small statistics over repeated runs: medians and spreads, nothing fancier.

function sorted(xs) {
  return [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
}

function quantile(xs, q) {
  const s = sorted(xs)
  if (s.length === 0) return NaN
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo] + (s[hi] - s[lo]) * (pos - lo)
}

const median = (xs) => quantile(xs, 0.5)

function summary(xs) {
  const s = sorted(xs)
  return { median: median(s), min: s[0], max: s[s.length - 1], runs: s.length, values: xs }
}

module.exports = { median, quantile, summary }
