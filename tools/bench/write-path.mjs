// Write-path micro-benchmark: 16-byte reserve + commit on each writer kind, for before/after
// comparisons of packages/core's writers (not part of `npm run bench`).
//
//   node tools/bench/write-path.mjs --case <name> [--core <dist/index.js>] [--events N]
//     one process, one writer kind (V8 sees one class): prints ns/event of the best of 5 rounds
//   node tools/bench/write-path.mjs --compare <a/index.js> <b/index.js> [--reps R] [--events N]
//     runs every case in fresh processes, a and b interleaved, R times; prints medians
//
// Under callgrind, `--case <name> --events N --rounds 1` writes exactly N records after a
// fixed warm-up: the difference of two runs with different N gives instructions per record.
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

const CASES = {
  'paged per-cpu': { options: {} },
  'paged per-cpu publishBatch 1': { options: { publishBatch: 1 } },
  'paged per-cpu write()': { options: {}, write: true },
  shared: { options: { sync: 'shared' } },
  contiguous: { options: {}, contiguous: true },
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    case: { type: 'string' },
    core: { type: 'string' },
    events: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '5' },
    compare: { type: 'boolean', default: false },
  },
})
const events = Number(values.events)

if (values.compare) compare(positionals)
else await runCase(values.case)

async function runCase(name) {
  const spec = CASES[name]
  if (spec === undefined) throw new Error(`--case: one of ${Object.keys(CASES).join(', ')}`)
  const core = await import(
    values.core === undefined ? '@onering/core' : pathToFileURL(path.resolve(values.core)).href
  )
  const rb = core.RingBuffer.create({
    size: 1 << 20,
    clock: 'counter',
    ...(spec.contiguous ? { client: core.rawContiguousClient } : {}),
    ...spec.options,
  })
  const w = rb.writer(0)
  const data = new Uint8Array(16).fill(7)
  const loop = spec.write
    ? (n) => {
        for (let k = 0; k < n; k++) w.write(data)
      }
    : (n) => {
        const u8 = w.bytes
        for (let k = 0; k < n; k++) {
          const off = w.reserve(16)
          u8[off] = k
          w.commit()
        }
      }
  loop(200_000) // warm-up: optimised code from here on
  let best = Infinity
  for (let r = 0; r < Number(values.rounds); r++) {
    const t0 = process.hrtime.bigint()
    loop(events)
    const ns = Number(process.hrtime.bigint() - t0) / events
    if (ns < best) best = ns
  }
  w.flush()
  if (rb.stats(0).written < events) throw new Error('records were refused')
  process.stdout.write(`${best.toFixed(2)}\n`)
}

function compare([a, b]) {
  if (a === undefined || b === undefined) throw new Error('--compare <a/index.js> <b/index.js>')
  const runs = {}
  for (let r = 0; r < Number(values.reps); r++)
    for (const name of Object.keys(CASES))
      for (const core of r % 2 === 0 ? [a, b] : [b, a]) {
        const out = spawnSync(
          process.execPath,
          [process.argv[1], '--case', name, '--core', core, '--events', String(events)],
          { encoding: 'utf8' },
        )
        if (out.status !== 0) throw new Error(out.stderr)
        ;(runs[name] ??= { [a]: [], [b]: [] })[core].push(Number(out.stdout))
      }
  const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
  console.log(`case | ${a} ns/event | ${b} ns/event | b/a`)
  for (const [name, byCore] of Object.entries(runs)) {
    const ma = median(byCore[a])
    const mb = median(byCore[b])
    console.log(
      `${name} | ${ma.toFixed(2)} [${byCore[a].join(' ')}] | ${mb.toFixed(2)} [${byCore[b].join(' ')}] | ${(mb / ma).toFixed(3)}`,
    )
  }
}
