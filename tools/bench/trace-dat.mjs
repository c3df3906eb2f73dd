// trace.dat benchmarks (issue 9, point 9), run by `npm run bench` (tools/bench/run.mjs calls
// runTraceDat) or alone: `node tools/bench/trace-dat.mjs [--quick] [--json out.json]`.
//
// 1. write: a real trace.dat of ≥ 512 MB (64 MB with --quick) from onering ftrace buffers (two
//    rings of 30 MiB filled with trace_marker events beforehand, untimed) into the page cache of a temp
//    directory: writeTraceDat (pages moved from the rings and written, no event re-encoded),
//    version 6 and 7. Goal ≥ 1 GB/s.
// 2. list: a file of ≥ 1 M events (250 k with --quick) listed as text — our reader and
//    traceDatListing, the text written to /dev/null — side by side in the same run with
//    `trace-cmd report FILE > /dev/null`. Goal: faster than trace-cmd.
// 3. decode: the same file's events decoded (every field of each event) by our reader
//    (SubbufReader + decodeEvent per CPU, and the tracecmd_read_next_data loop) and by a C loop
//    of libtraceevent's kbuffer + tep (trace-dat-decode.c, built here with `cc` against
//    libtraceevent). Goal: faster than C.
// Goals are reported, not gates. Temp files are removed at the end.
import { spawnSync } from 'node:child_process'
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { SubbufReader, ring_buffer_alloc, tracing_mark_write } from '@onering/ftrace'
import { decodeEvent } from '@onering/trace-events'
import {
  fileFormats,
  readTraceDat,
  traceDatListing,
  tracecmd_close,
  tracecmd_get_tep,
  tracecmd_open,
  tracecmd_read_next_data,
  writeTraceDat,
} from '@onering/trace-dat'

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** Whether a command runs at all (trace-cmd --version exits non-zero, so only spawning counts). */
const ok = (cmd) => spawnSync(cmd[0], [...cmd.slice(1)], { stdio: 'ignore' }).error === undefined

/**
 * Rings of 30 MiB (the core's 8192 sub-buffers of 4 KiB per ring bound them), as many as `bytes`
 * needs, each filled with markers of 200 characters until full.
 */
function filledBuffer(bytes) {
  const perCpu = 30 << 20
  const cpus = Math.ceil(bytes / perCpu)
  const tb = ring_buffer_alloc(perCpu, 0, { cpus, clock: 'counter' })
  const text = 'onering trace.dat benchmark marker '.padEnd(200, 'x')
  let events = 0
  for (let cpu = 0; cpu < cpus; cpu++) {
    tb.setCpu(cpu)
    while (tracing_mark_write(tb, text) >= 0) events++
  }
  return { tb, events }
}

/** Small markers (a few dozen bytes each) on two CPUs: the listing and decode file. */
function eventsFile(path, n) {
  const tb = ring_buffer_alloc(30 << 20, 0, { cpus: 2 })
  for (let k = 0; k < n; k++) {
    tb.setCpu(k & 1)
    tracing_mark_write(tb, `event ${k}`)
  }
  writeTraceDat(tb, path, { version: 7, comms: new Map([[process.pid, 'node']]) })
}

/**
 * Run the trace.dat cases; push result rows (the run.mjs shape) and notes; return the targets
 * rows ({ target, measured, met, shortfall }).
 */
export async function runTraceDat({ quick = false, results, notes, printRow = () => undefined }) {
  const targets = []
  const dir = mkdtempSync(join(tmpdir(), 'onering-bench-trace-dat-'))
  const push = (row) => {
    results.push(row)
    printRow(row)
  }
  try {
    // ---- 1. write
    const size = (quick ? 64 : 512) << 20
    let bestWrite = 0
    for (const version of [6, 7]) {
      const rates = []
      let fileSize = 0
      let events = 0
      for (let run = 0; run < (quick ? 1 : 2); run++) {
        const f = filledBuffer(size)
        events = f.events
        const path = join(dir, `write.v${version}.dat`)
        const t = performance.now()
        fileSize = writeTraceDat(f.tb, path, { version })
        const ms = performance.now() - t
        rates.push(fileSize / (ms / 1000))
        rmSync(path)
      }
      const rate = median(rates)
      bestWrite = Math.max(bestWrite, rate)
      push({
        group: 'trace-dat',
        name: `trace.dat write v${version} from ftrace buffers (page cache)`,
        payload: 232,
        eventsPerSec: (events / fileSize) * rate,
        nsPerEvent: 1e9 / ((events / fileSize) * rate),
        rme: 0,
        samples: rates.length,
        // GB/s in the note, not bytesPerSec: run.mjs's sub-buffer handoff target reads that field
        note: `${(rate / 1e9).toFixed(2)} GB/s; ${(fileSize / 1048576).toFixed(0)} MiB file, ${events} events; median of ${rates.length}: ${rates.map((r) => (r / 1e9).toFixed(2)).join(' / ')} GB/s`,
      })
    }
    targets.push({
      target: `trace.dat write ≥ 1 GB/s into the page cache (file ≥ ${size >> 20} MiB)`,
      measured: `${(bestWrite / 1e9).toFixed(2)} GB/s`,
      met: bestWrite >= 1e9,
      shortfall: bestWrite >= 1e9 ? '' : `${(1e9 / bestWrite).toFixed(2)}× short`,
    })

    // ---- 2. list, side by side with trace-cmd report
    const n = quick ? 250_000 : 1_000_000
    const file = join(dir, 'events.dat')
    eventsFile(file, n)
    const bytes = new Uint8Array(readFileSync(file))
    const runs = quick ? 1 : 2
    const ours = []
    let lines = 0
    for (let k = 0; k < runs; k++) {
      const t = performance.now()
      const text = traceDatListing(readTraceDat(bytes))
      lines = text.length
      const fd = openSync('/dev/null', 'w')
      writeSync(fd, text.join('\n'))
      closeSync(fd)
      ours.push(performance.now() - t)
    }
    const events = lines - 1
    /** A row of `events` in each of the runs that took `ms`; returns the median. */
    const timedRow = (name, ms, note) => {
      const m = median(ms)
      push({
        group: 'trace-dat',
        name,
        payload: Math.round(statSync(file).size / events),
        eventsPerSec: events / (m / 1000),
        nsPerEvent: (m * 1e6) / events,
        rme: 0,
        samples: ms.length,
        note: `${note}; median of ${ms.length}: ${ms.map((x) => x.toFixed(0)).join(' / ')} ms`,
      })
      return m
    }
    const oursMs = timedRow(
      'trace.dat listing (readTraceDat + traceDatListing > /dev/null)',
      ours,
      `${events} events`,
    )
    if (ok(['trace-cmd', '--version'])) {
      const theirs = []
      for (let k = 0; k < runs; k++) {
        const t = performance.now()
        const r = spawnSync('sh', ['-c', `trace-cmd report "${file}" > /dev/null`])
        if (r.status !== 0) throw new Error('trace-cmd report failed')
        theirs.push(performance.now() - t)
      }
      const theirMs = timedRow(
        'trace.dat listing: trace-cmd report > /dev/null',
        theirs,
        'same file, process start included',
      )
      targets.push({
        target: 'trace.dat listing faster than trace-cmd report (≥ 1 M events)',
        measured: `${(theirMs / oursMs).toFixed(2)}× trace-cmd's speed (${oursMs.toFixed(0)} vs ${theirMs.toFixed(0)} ms)`,
        met: oursMs < theirMs,
        shortfall: oursMs < theirMs ? '' : `${(oursMs / theirMs).toFixed(2)}× slower`,
      })
    } else notes.push('trace-cmd is not installed: the listing baseline is skipped.')

    // ---- 3. decode only: ours per CPU and by tracecmd_read_next_data; C kbuffer + tep
    const parsed = readTraceDat(bytes)
    const formats = fileFormats(parsed)
    const decodeOurs = () => {
      let count = 0
      let checksum = 0
      for (const cpu of parsed.buffers[0].cpus) {
        const r = new SubbufReader(cpu.data, parsed.pageSize)
        for (let p = 0; p + parsed.pageSize <= cpu.data.length; p += parsed.pageSize) {
          r.load(p)
          for (let ev = r.next(); ev !== null; ev = r.next()) {
            const b = r.bytes
            const f = formats.get(b[ev.offset] | (b[ev.offset + 1] << 8))
            const fields = decodeEvent(f, b, ev.offset, ev.length)
            checksum += fields.buf.length + ev.timestamp
            count++
          }
        }
      }
      return { count, checksum }
    }
    const decodeApi = () => {
      const h = tracecmd_open(bytes)
      const tep = tracecmd_get_tep(h)
      let count = 0
      let checksum = 0
      for (let rec = tracecmd_read_next_data(h); rec !== null; rec = tracecmd_read_next_data(h)) {
        const f = tep.get(rec.data[0] | (rec.data[1] << 8))
        checksum += decodeEvent(f, rec.data, 0, rec.size).buf.length + rec.ts
        count++
      }
      tracecmd_close(h)
      return { count, checksum }
    }
    for (const [name, fn] of [
      ['trace.dat decode: SubbufReader + decodeEvent per CPU', decodeOurs],
      ['trace.dat decode: tracecmd_read_next_data + decodeEvent', decodeApi],
    ]) {
      fn() // warm up (and JIT)
      const ms = []
      let count = 0
      for (let k = 0; k < (quick ? 2 : 3); k++) {
        const t = performance.now()
        count = fn().count
        ms.push(performance.now() - t)
      }
      const m = median(ms)
      push({
        group: 'trace-dat',
        name,
        payload: 0,
        eventsPerSec: count / (m / 1000),
        nsPerEvent: (m * 1e6) / count,
        rme: 0,
        samples: ms.length,
        note: `${count} events; median of ${ms.length}: ${ms.map((x) => x.toFixed(0)).join(' / ')} ms`,
      })
    }
    const oursDecode = results.at(-2)
    const cc = process.env.CC ?? 'cc'
    const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libtraceevent'], {
      encoding: 'utf8',
    })
    if (flags.status === 0 && ok([cc, '--version'])) {
      const exe = join(dir, 'trace-dat-decode')
      const src = fileURLToPath(new URL('./trace-dat-decode.c', import.meta.url))
      const build = spawnSync(
        cc,
        ['-std=c11', '-O2', '-o', exe, src, ...flags.stdout.trim().split(/\s+/)],
        { encoding: 'utf8' },
      )
      if (build.status !== 0) throw new Error(`building trace-dat-decode: ${build.stderr}`)
      const fmt = join(dir, 'print.format')
      writeFileSync(
        fmt,
        parsed.ftraceFormats.find((t) => /^name: print$/m.test(t)),
      )
      const blocks = parsed.buffers[0].cpus.flatMap((c) => [
        String(c.data.byteOffset),
        String(c.data.length),
      ])
      const ns = []
      let count = 0
      for (let k = 0; k < (quick ? 2 : 3); k++) {
        const r = spawnSync(exe, [fmt, 'ftrace', String(parsed.pageSize), file, ...blocks], {
          encoding: 'utf8',
        })
        const m = /events (\d+) ns (\d+)/.exec(r.stdout)
        if (r.status !== 0 || m === null) throw new Error(`trace-dat-decode: ${r.stderr}`)
        count = Number(m[1])
        ns.push(Number(m[2]))
      }
      const m = median(ns)
      push({
        group: 'trace-dat',
        name: 'trace.dat decode: C kbuffer + tep loop (libtraceevent)',
        payload: 0,
        eventsPerSec: count / (m / 1e9),
        nsPerEvent: m / count,
        rme: 0,
        samples: ns.length,
        note: `${count} events; median of ${ns.length}: ${ns.map((x) => (x / 1e6).toFixed(0)).join(' / ')} ms (the loop only)`,
      })
      targets.push({
        target: 'trace.dat decode faster than a C kbuffer + tep loop',
        measured: `${(oursDecode.eventsPerSec / (count / (m / 1e9))).toFixed(2)}× the C loop's speed (${oursDecode.nsPerEvent.toFixed(1)} vs ${(m / count).toFixed(1)} ns/event)`,
        met: oursDecode.nsPerEvent < m / count,
        shortfall:
          oursDecode.nsPerEvent < m / count
            ? ''
            : `${(oursDecode.nsPerEvent / (m / count)).toFixed(2)}× slower`,
      })
    } else notes.push('no C compiler or libtraceevent here: the C decode baseline is skipped.')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return targets
}

// alone: node tools/bench/trace-dat.mjs [--quick] [--json out.json]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
  })
  const results = []
  const notes = []
  const t0 = performance.now()
  const targets = await runTraceDat({
    quick: values.quick,
    results,
    notes,
    printRow: (r) =>
      console.log(
        `${r.name.padEnd(66)} ${(r.eventsPerSec / 1e6).toFixed(2).padStart(8)} M/s ${r.nsPerEvent.toFixed(1).padStart(8)} ns${''}  ${r.note ?? ''}`,
      ),
  })
  for (const t of targets)
    console.log(
      `[${t.met ? 'met' : 'NOT met'}] ${t.target}: ${t.measured}${t.met ? '' : ` — ${t.shortfall}`}`,
    )
  for (const n of notes) console.log(`note: ${n}`)
  console.log(`took ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  if (values.json !== undefined)
    writeFileSync(values.json, `${JSON.stringify({ results, targets, notes }, null, 2)}\n`)
}
