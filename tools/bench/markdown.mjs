// Render a `npm run bench -- --json` file as the Markdown tables of docs/benchmarks.md: the
// results, the ratios and the targets. Prints them, or with a second argument replaces what lies
// between `<!-- bench:begin -->` and `<!-- bench:end -->` in that file.
//
//   node tools/bench/markdown.mjs <results.json> [docs/benchmarks.md]
import { readFileSync, writeFileSync } from 'node:fs'

const [input, doc] = process.argv.slice(2)
if (input === undefined) {
  console.error('usage: node tools/bench/markdown.mjs <results.json> [docs/benchmarks.md]')
  process.exit(2)
}
const data = JSON.parse(readFileSync(input, 'utf8'))

const rate = (r) =>
  r >= 1e9
    ? `${(r / 1e9).toFixed(2)} G`
    : r >= 1e6
      ? `${(r / 1e6).toFixed(2)} M`
      : `${(r / 1e3).toFixed(0)} k`

function table(head, rows) {
  const cells = [head, ...rows].map((r) => r.map((c) => String(c).replace(/\|/g, '\\|')))
  const width = head.map((_, i) => Math.max(3, ...cells.map((r) => r[i].length)))
  const line = (r) => `| ${r.map((c, i) => c.padEnd(width[i])).join(' | ')} |`
  return [
    line(cells[0]),
    `| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n')
}

const results = table(
  ['name', 'payload', 'events/s', 'ns/event', 'rme%', 'notes'],
  data.results.map((r) => [
    r.name,
    `${r.payload} B`,
    rate(r.eventsPerSec),
    r.nsPerEvent.toFixed(1),
    `±${r.rme.toFixed(1)}`,
    [r.bytesPerSec ? `${(r.bytesPerSec / 1e9).toFixed(2)} GB/s` : '', r.note ?? '']
      .filter(Boolean)
      .join('; '),
  ]),
)
const ratios = table(
  ['ratio', 'value'],
  data.ratios.map((x) => [x.label, `${x.value.toFixed(2)}×`]),
)
const targets = table(
  ['target', 'measured', 'met?', 'shortfall'],
  data.targets.map((t) => [t.target, t.measured, t.met ? 'met' : '**not met**', t.shortfall]),
)
const load = data.loadavg.map((l) => l.toFixed(2)).join(' / ')
const md = `Run of ${data.date.slice(0, 10)}: node ${data.node}, ${data.cpus} × ${data.cpuModel}, load average at start ${load}; the script took ${data.seconds.toFixed(0)} s.

${results}

Ratios (same run; "ns/event" ratios are the face's cost over the core's, lower is better; "info:" lines are not targets):

${ratios}

Targets (from the issue):

${targets}
${data.notes.length > 0 ? `\n${data.notes.map((n) => `Note: ${n}`).join('\n')}\n` : ''}`

if (doc === undefined) process.stdout.write(md)
else {
  const text = readFileSync(doc, 'utf8')
  const begin = '<!-- bench:begin -->'
  const end = '<!-- bench:end -->'
  const a = text.indexOf(begin)
  const b = text.indexOf(end)
  if (a < 0 || b < a) {
    console.error(`${doc}: no ${begin} … ${end} section`)
    process.exit(1)
  }
  writeFileSync(doc, `${text.slice(0, a + begin.length)}\n\n${md}\n${text.slice(b)}`)
  console.log(`updated ${doc}`)
}
