'use strict'

const GB = 1e9

function rate(bytesPerSecond) {
  return `${(bytesPerSecond / GB).toFixed(2)} GB/s`
}

function mbit(bitsPerSecond) {
  return `${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s`
}

function num(x, digits = 0) {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a'
}

function ratio(x) {
  return Number.isFinite(x) ? x.toFixed(2) : 'n/a'
}

function bytes(n) {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(n % (1 << 30) ? 1 : 0)} GiB`
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(n % (1 << 20) ? 1 : 0)} MiB`
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`
  return `${n} B`
}

module.exports = { rate, mbit, num, ratio, bytes }
