// Draw an SVG bar chart (plain SVG text, no dependencies) of a `npm run bench -- --json` file.
//
//   node tools/bench/chart.mjs <results.json> [out.svg]   (default: docs/benchmarks.svg)
//
// One horizontal bar per result, events/s on a log scale, grouped as in the run; the label
// carries the payload and the figure.
import { readFileSync, writeFileSync } from 'node:fs'

const [input, output = 'docs/benchmarks.svg'] = process.argv.slice(2)
if (input === undefined) {
  console.error('usage: node tools/bench/chart.mjs <results.json> [out.svg]')
  process.exit(2)
}
const data = JSON.parse(readFileSync(input, 'utf8'))
const rows = data.results.filter((r) => r.eventsPerSec > 0)

const COLORS = {
  writer: '#3b82f6',
  reader: '#10b981',
  baseline: '#9ca3af',
  'cross-worker': '#f59e0b',
  allocation: '#8b5cf6',
}
const esc = (s) =>
  String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
const fmt = (r) =>
  r >= 1e9
    ? `${(r / 1e9).toFixed(2)} G/s`
    : r >= 1e6
      ? `${(r / 1e6).toFixed(2)} M/s`
      : `${(r / 1e3).toFixed(0)} k/s`

const LABEL_W = 430
const BAR_W = 520
const ROW_H = 16
const TOP = 56
const lo = 1e5
const hi = 10 ** Math.ceil(Math.log10(Math.max(...rows.map((r) => r.eventsPerSec), 1e8)))
const x = (v) =>
  (BAR_W * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo))

const out = []
let y = TOP
let group = ''
const body = []
for (const r of rows) {
  if (r.group !== group) {
    group = r.group
    y += 6
    body.push(`<text x="4" y="${y + 11}" font-weight="bold">${esc(group)}</text>`)
    y += ROW_H
  }
  const w = Math.max(1, x(r.eventsPerSec))
  const label = `${r.name} · ${r.payload} B`
  body.push(
    `<text x="${LABEL_W - 6}" y="${y + 11}" text-anchor="end">${esc(label)}</text>`,
    `<rect x="${LABEL_W}" y="${y + 2}" width="${w.toFixed(1)}" height="${ROW_H - 4}" fill="${COLORS[r.group] ?? '#64748b'}"/>`,
    `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + 11}">${esc(fmt(r.eventsPerSec))}${r.bytesPerSec ? ` (${(r.bytesPerSec / 1e9).toFixed(1)} GB/s)` : ''}</text>`,
  )
  y += ROW_H
}
const height = y + 16
const width = LABEL_W + BAR_W + 130
out.push(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  `<rect width="100%" height="100%" fill="#fff"/>`,
  `<text x="4" y="16" font-size="14" font-weight="bold">onering benchmarks: events/s (log scale)</text>`,
  `<text x="4" y="32" fill="#555">${esc(`node ${data.node}, ${data.cpus} × ${data.cpuModel}, ${data.date}`)}</text>`,
)
for (let d = lo; d <= hi; d *= 10) {
  const gx = (LABEL_W + x(d)).toFixed(1)
  out.push(
    `<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${height - 12}" stroke="#e5e7eb"/>`,
    `<text x="${gx}" y="${TOP - 9}" text-anchor="middle" fill="#555">${esc(fmt(d).replace('.00', ''))}</text>`,
  )
}
out.push(...body, '</svg>', '')
writeFileSync(output, out.join('\n'))
console.log(`wrote ${output} (${rows.length} bars)`)
