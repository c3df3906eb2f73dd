// perf.data benchmarks (packages/perf-data), reported, not gates:
//
//   a. writing a real perf.data into the page cache: the records a perf ring consumer read
//      (tracepoint samples with a 40-byte RAW payload, as onering's perf face writes them),
//      moved into a PerfDataWriter streaming to a file in a temp dir — ≥ 512 MB, one block of
//      records per addRecords call and one record per addRecord call; goal ≥ 1 GB/s;
//   b. listing a file of ≥ 1 M samples as text: perfDataListing (what `onering script` prints)
//      side by side with `perf script -G -F comm,tid,cpu,time,event,ip,period,trace > /dev/null`
//      on the same file, in the same run, where perf is installed.
//
// The temp dir is deleted at the end. `npm run bench` runs it after the other cases; alone:
//   node tools/bench/perf-data.mjs [--quick]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, closeSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import {
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_TYPE_TRACEPOINT,
  perf_event_output,
  perf_evlist__add,
  perf_evlist__close,
  perf_evlist__mmap,
  perf_evlist__new,
  perf_evlist__open,
} from '@onering/perf'
import {
  EventEncoder,
  EventIdAllocator,
  defineEvent,
  entryHeaderText,
  pageHeaderText,
  tracepointOf,
} from '@onering/trace-events'
import {
  PERF_SCRIPT_LISTING_ARGS,
  PerfDataReader,
  PerfDataWriter,
  perfDataListing,
} from '@onering/perf-data'

const SPAN = defineEvent(
  {
    system: 'onering',
    name: 'span',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'dur', type: 'u64' },
      { name: 'name', type: 'string' },
    ],
  },
  new EventIdAllocator(),
)
const TRACING_DATA = {
  version: '0.6',
  bigEndian: false,
  longSize: 8,
  pageSize: 4096,
  headerPage: pageHeaderText(),
  headerEvent: entryHeaderText(),
  ftraceFormats: [],
  systems: [{ name: 'onering', formats: [SPAN.formatText] }],
  kallsyms: '',
  printkFormats: '',
  cmdlines: '',
}
const TIME_AT = 32 // IDENTIFIER, IP, TID, then TIME

/** `n` samples produced into onering perf rings and read back by the consumer, as bytes. */
function ringRecords(n) {
  const evlist = perf_evlist__new()
  const sel = perf_evlist__add(evlist, {
    type: PERF_TYPE_TRACEPOINT,
    config: BigInt(SPAN.id),
    sample_type:
      PERF_SAMPLE_IDENTIFIER |
      PERF_SAMPLE_IP |
      PERF_SAMPLE_TID |
      PERF_SAMPLE_TIME |
      PERF_SAMPLE_CPU |
      PERF_SAMPLE_PERIOD |
      PERF_SAMPLE_RAW,
    sample_period: 1,
    sample_id_all: true,
    exclude_kernel: true,
    exclude_hv: true,
    exclude_guest: true,
  })
  tracepointOf(SPAN) // a PERF_TYPE_TRACEPOINT event opens on a tracepoint of this thread
  perf_evlist__open(evlist, [0])
  perf_evlist__mmap(evlist, 4096)
  const enc = new EventEncoder(SPAN)
  const buf = new Uint8Array(128)
  const view = new DataView(buf.buffer)
  const mem = new PerfDataWriter({
    events: [{ attr: sel.attr, name: 'onering:span', ids: sel.fds.map((f) => f.id) }],
    chunkSize: 1 << 26,
  })
  let t = 1_000_000_000n
  for (let k = 0; k < n; k++) {
    enc.begin(buf, view, 0, buf.length, process.pid)
    enc.setNumber(0, k)
    enc.setNumber(1, k * 3)
    enc.setString(2, `s${k % 1000}`)
    const len = enc.end()
    perf_event_output(sel.fds[0], {
      ip: 0x400000n + BigInt(k & 0xff),
      time: t,
      pid: process.pid,
      tid: process.pid,
      raw: buf.subarray(0, len),
    })
    t += 250n
    if ((k & 1023) === 1023) mem.drain(evlist.mmap[0].map)
  }
  mem.drain(evlist.mmap[0].map)
  mem.finish()
  perf_evlist__close(evlist)
  const file = new PerfDataReader(mem.bytes())
  const { offset, size } = file.header.data
  return {
    evsel: file.evsels[0],
    block: file.bytes.slice(offset, offset + size),
    span: t - 1_000_000_000n,
  }
}

function writeCase(name, dir, block, events, target, oneByOne) {
  const path = join(dir, 'bench.data')
  const sizes = []
  if (oneByOne) {
    for (let at = 0; at < block.length;) {
      const s = block[at + 6] | (block[at + 7] << 8)
      sizes.push(s)
      at += s
    }
  }
  const records = oneByOne ? sizes.length : 0
  const t0 = performance.now()
  const w = new PerfDataWriter({ path, events, features: { tracingData: TRACING_DATA } })
  let written = 0
  let n = 0
  while (written < target) {
    if (oneByOne) {
      let at = 0
      for (const s of sizes) {
        w.addRecord(block.subarray(at, at + s))
        at += s
      }
      n += records
    } else w.addRecords(block)
    w.finishedRound()
    written += block.length + 8
  }
  const total = w.finish()
  const seconds = (performance.now() - t0) / 1000
  const onDisk = statSync(path).size
  rmSync(path)
  if (onDisk !== total) throw new Error(`perf-data bench: wrote ${total}, file has ${onDisk}`)
  const bytesPerSec = written / seconds
  return {
    group: 'perf-data',
    name,
    payload: Math.round(block.length / (sizes.length || 1)),
    eventsPerSec: oneByOne ? n / seconds : 0,
    nsPerEvent: oneByOne ? (seconds * 1e9) / n : 0,
    rme: 0,
    samples: 1,
    bytesPerSec,
    note: `${(written / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(2)} s (goal ≥ 1 GB/s: ${bytesPerSec >= 1e9 ? 'met' : 'NOT met'})`,
  }
}

export /** The machine's ceiling: the same bytes written with plain writeSync, 4 MiB at a time. */
function baselineCase(dir, target) {
  const path = join(dir, 'baseline.bin')
  const chunk = new Uint8Array(4 << 20).fill(1)
  const t0 = performance.now()
  const fd = openSync(path, 'w')
  let written = 0
  while (written < target) written += writeSync(fd, chunk, 0, chunk.length, written)
  closeSync(fd)
  const seconds = (performance.now() - t0) / 1000
  rmSync(path)
  return {
    group: 'perf-data',
    name: 'page-cache ceiling: writeSync of 4 MiB chunks (baseline)',
    payload: 0,
    eventsPerSec: 0,
    nsPerEvent: 0,
    rme: 0,
    samples: 1,
    bytesPerSec: written / seconds,
    note: `${(written / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(2)} s: what this machine's file system takes`,
  }
}

function listingCase(dir, block, evsel, span, samples) {
  const path = join(dir, 'list.data')
  const perBlock = countRecords(block)
  const blocks = Math.ceil(samples / perBlock)
  const w = new PerfDataWriter({
    path,
    events: [{ attr: evsel.attr, name: 'onering:span', ids: evsel.ids }],
    features: { tracingData: TRACING_DATA },
  })
  // each copy of the block later in time, with a FINISHED_ROUND after it, as perf record writes
  const copy = block.slice()
  const view = new DataView(copy.buffer)
  for (let b = 0; b < blocks; b++) {
    for (let at = 0, k = 0; at < copy.length; k++) {
      view.setBigUint64(
        at + TIME_AT,
        view.getBigUint64(at + TIME_AT, true) + (b === 0 ? 0n : span),
        true,
      )
      at += copy[at + 6] | (copy[at + 7] << 8)
    }
    w.addRecords(copy)
    w.finishedRound()
  }
  w.finish()
  const n = blocks * perBlock
  const rows = []
  let t0 = performance.now()
  const file = PerfDataReader.fromFile(path)
  let chars = 0
  for (const line of perfDataListing(file)) chars += line.length + 1
  let seconds = (performance.now() - t0) / 1000
  rows.push({
    group: 'perf-data',
    name: 'perf.data listing: perfDataListing (onering script)',
    payload: Math.round(statSync(path).size / n),
    eventsPerSec: n / seconds,
    nsPerEvent: (seconds * 1e9) / n,
    rme: 0,
    samples: 1,
    note: `${n} samples, ${(chars / 2 ** 20).toFixed(0)} MiB of text in ${seconds.toFixed(2)} s`,
  })
  const hasPerf = spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0
  if (hasPerf) {
    const devnull = openSync('/dev/null', 'w')
    t0 = performance.now()
    const r = spawnSync('perf', ['script', '-f', '-i', path, ...PERF_SCRIPT_LISTING_ARGS], {
      stdio: ['ignore', devnull, 'ignore'],
    })
    seconds = (performance.now() - t0) / 1000
    closeSync(devnull)
    rows.push({
      group: 'perf-data',
      name: 'perf.data listing: perf script > /dev/null',
      payload: rows[0].payload,
      eventsPerSec: n / seconds,
      nsPerEvent: (seconds * 1e9) / n,
      rme: 0,
      samples: 1,
    })
    rows[1].note = `${n} samples in ${seconds.toFixed(2)} s (exit ${r.status}); onering/perf time ratio ${(rows[0].nsPerEvent / rows[1].nsPerEvent).toFixed(2)}×`
  } else
    rows.push({
      group: 'perf-data',
      name: 'perf.data listing: perf script (not installed: skipped)',
      payload: 0,
      eventsPerSec: 0,
      nsPerEvent: 0,
      rme: 0,
      samples: 0,
    })
  rmSync(path)
  return rows
}

function countRecords(block) {
  let n = 0
  for (let at = 0; at < block.length; n++) at += block[at + 6] | (block[at + 7] << 8)
  return n
}

/**
 * Run the perf.data cases; `want(name)` filters them by name.
 * @returns the result rows (group `perf-data`)
 */
export function runPerfDataBench({ quick = false, want = () => true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'onering-bench-perf-data-'))
  const rows = []
  try {
    const { evsel, block, span } = ringRecords(quick ? 20_000 : 50_000)
    const events = [{ attr: evsel.attr, name: 'onering:span', ids: evsel.ids }]
    const target = (quick ? 128 : 512) * 2 ** 20
    if (want('page-cache ceiling')) rows.push(baselineCase(dir, target))
    const write = 'perf.data write to page cache: addRecords (blocks read from rings)'
    if (want(write)) rows.push(writeCase(write, dir, block, events, target, false))
    const one = 'perf.data write to page cache: addRecord (one record per call)'
    if (want(one)) rows.push(writeCase(one, dir, block, events, target, true))
    if (want('perf.data listing'))
      rows.push(...listingCase(dir, block, evsel, span, quick ? 200_000 : 1_000_000))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
  for (const r of runPerfDataBench({ quick: values.quick }))
    console.log(
      `${r.name.padEnd(70)} ${r.eventsPerSec ? `${(r.eventsPerSec / 1e6).toFixed(2)} M/s` : ''} ${r.bytesPerSec ? `${(r.bytesPerSec / 1e9).toFixed(2)} GB/s` : ''}  ${r.note ?? ''}`,
    )
}
