// Reader-path throughput of @onering/core, for comparing two builds of the package (the record
// walk refactor of issue 14): consume, consumeBatch, takeSubbuf (zero-copy and copy), the
// non-consuming iterator and consumeReaderSubbuf, one reader on one paged ring.
//
//   node tools/bench/reader-walk.mjs [--rounds 5] [--size 64] [--filter name] <dist-a/index.js> [<dist-b/index.js> ...]
//
// Each round runs every case once per build, builds interleaved (a, b, a, b, ...), so that load
// from other processes on the machine hits both alike. Prints, per case and build, the median
// over the rounds of million records per second (per CPU second of this process), and the
// median over the rounds of each build's ratio to the first build in the same round.
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    size: { type: 'string', default: '64' },
    filter: { type: 'string' },
  },
})
if (positionals.length === 0) {
  console.error('usage: node tools/bench/reader-walk.mjs [--rounds N] [--size B] <index.js> ...')
  process.exit(2)
}
const ROUNDS = Number(args.rounds)
const SIZE = Number(args.size)
const N = Math.floor((4 << 20) / (SIZE + 16)) // records per run: half of the 8 MiB ring
const REPS = 8 // runs per case and round; the best one counts (warm, least disturbed)

const builds = []
for (const p of positionals) {
  const mod = await import(pathToFileURL(path.resolve(p)).href)
  builds.push({ name: p, RingBuffer: mod.RingBuffer })
}

const data = new Uint8Array(SIZE).fill(7)

/**
 * A case on a fresh 8 MiB produce-consume ring of the build: `read(r, rb)` returns the timed
 * function, which returns how many records it read. The ring is filled with N records before
 * each run (once, with `fillOnce`, for a reader that does not consume).
 */
function ringCase(read, fillOnce = false) {
  return (RingBuffer) => {
    const rb = RingBuffer.create({ size: 8 << 20, mode: 'produce-consume', clock: 'counter' })
    const w = rb.writer(0)
    let filled = false
    return {
      fill() {
        if (filled && fillOnce) return
        for (let i = 0; i < N; i++) w.write(data)
        w.flush()
        filled = true
      },
      run: read(rb.reader(), rb),
      free: () => rb.free(),
    }
  }
}

/** takeSubbuf until null; records counted from the bytes handed out (all records are alike). */
const takeAll = (copy) => (r, rb) => () => {
  let bytes = 0
  for (let l = r.takeSubbuf(0, { copy }); l !== null; l = r.takeSubbuf(0, { copy })) {
    bytes += l.dataBytes
    rb.releaseSubbuf(l)
  }
  return Math.round(bytes / (8 + Math.ceil(SIZE / 8) * 8))
}

let sink = 0
const cases = {
  consume: ringCase((r) => () => {
    let k = 0
    while (r.consume(0) !== null) k++
    return k
  }),
  consumeBatch: ringCase((r) => {
    const visit = (bytes, offset) => {
      sink += bytes[offset]
    }
    return () => r.consumeBatch(0, visit)
  }),
  'takeSubbuf zero-copy': ringCase(takeAll(false)),
  'takeSubbuf copy': ringCase(takeAll(true)),
  iterator: ringCase(
    (r) => () => {
      const it = r.iterator(0)
      let k = 0
      for (let rec = it.next(); rec !== null; rec = it.next()) {
        sink += rec.bytes[rec.offset]
        k++
      }
      it.close()
      return k
    },
    true,
  ),
  consumeReaderSubbuf: ringCase((r) => () => {
    let k = 0
    for (let read = -1; ;) {
      const info = r.consumeReaderSubbuf(0)
      // done when a call neither swapped nor moved the read position (a call may consume only
      // the end padding of the sub-buffer the writer has just left)
      if (!info.swapped && info.read === read) break
      read = info.read
      k += info.records
    }
    return k
  }),
}

/** Best million records per second of REPS runs of one case on one build. */
function measure(build, name) {
  const c = cases[name](build.RingBuffer)
  let best = 0
  try {
    for (let rep = 0; rep < REPS; rep++) {
      c.fill()
      // CPU time of this process, not wall time: the machine is shared, and time spent
      // descheduled would count otherwise
      const t0 = process.cpuUsage()
      const k = c.run()
      const t1 = process.cpuUsage(t0)
      const ns = (t1.user + t1.system) * 1e3
      if (Math.abs(k - N) > N / 100) throw new Error(`${name}: read ${k} of ${N}`)
      best = Math.max(best, (k / ns) * 1e3)
    }
  } finally {
    c.free()
  }
  return best
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const results = {} // case → build index → [M rec/s per round]
for (let round = 0; round < ROUNDS; round++) {
  for (const name of Object.keys(cases)) {
    if (args.filter !== undefined && !name.includes(args.filter)) continue
    results[name] ??= builds.map(() => [])
    const order = round % 2 === 0 ? builds.keys() : [...builds.keys()].reverse()
    for (const b of order) results[name][b].push(measure(builds[b], name))
  }
}
console.log(
  `payload ${SIZE} B, ${N} records per run, ${ROUNDS} rounds, median of best-of-${REPS} (CPU time)`,
)
const pad = (s, n) => String(s).padEnd(n)
console.log(
  pad('case', 22) +
    builds.map((b, k) => pad(`M rec/s [${k}]`, 14)).join('') +
    'ratio to [0] (median of rounds)',
)
for (const [name, per] of Object.entries(results)) {
  const m = per.map(median)
  console.log(
    pad(name, 22) +
      m.map((v) => pad(v.toFixed(2), 14)).join('') +
      per
        .slice(1)
        .map((xs) => median(xs.map((v, r) => v / per[0][r])).toFixed(3))
        .join(' '),
  )
}
// keeps the payload reads from being optimised away
console.log(`(payload checksum ${sink & 0xffff})`)
