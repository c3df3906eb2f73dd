/**
 * The fuzz targets: every decoder of the project and `RingBuffer.attach`, each with a corpus of
 * real inputs — kernel bytes from `test/fixtures/kernel` and buffers onering itself made — and a
 * `run(bytes)` that drives the decoder as a consumer would, to the end of its input. A target
 * returns a count (events, records, fields) so that its work cannot be optimised away.
 *
 * New readers (trace.dat, perf.data) add a target here; `run.mjs` picks them up by name.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { RingBuffer, rawContiguousClient, rawPagedClient } from '@onering/core'
import {
  SubbufReader,
  decodeRawStream,
  decodeTraceBufferMeta,
  ring_buffer_alloc,
  ring_buffer_write,
  RB_FL_OVERWRITE,
} from '@onering/ftrace'
import {
  PerfMmap,
  decodeAttr,
  decodeControlPage,
  decodeRecord,
  recordContext,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
} from '@onering/perf'
import { readTraceDat, traceDatListing } from '@onering/trace-dat'
import { PerfDataError, PerfDataReader, perfDataListing } from '@onering/perf-data'

const fixtures = new URL('../../test/fixtures/kernel/', import.meta.url)
const file = (dir, name) => new Uint8Array(readFileSync(new URL(`${dir}/${name}`, fixtures)))
const files = (dir, re) =>
  readdirSync(new URL(`${dir}/`, fixtures))
    .filter((n) => re.test(n))
    .sort()
    .map((n) => ({ name: `${dir}/${n}`, bytes: file(dir, n) }))

const u32 = (b, off) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true)

/** Onering ftrace pages: a small buffer written with events of many sizes, read page by page. */
function oneringFtracePages() {
  const tb = ring_buffer_alloc(16384, RB_FL_OVERWRITE)
  const data = new Uint8Array(300).map((_, k) => k)
  for (let k = 0; k < 400; k++) ring_buffer_write(tb, 1 + ((k * 37) % 290), data)
  return [{ name: 'onering ftrace buffer (whole sab)', bytes: new Uint8Array(tb.rb.sab.slice(0)) }]
}

/** The perf attr of a fixture scenario, decoded (for record contexts). */
const attrOf = (scenario) => decodeAttr(file('perf', `${scenario}.attr`))

/** Every record of a forward kernel mapping, each copied out (with its scenario's context). */
function kernelRecords() {
  const out = []
  for (const scenario of ['samples', 'full', 'wrapped', 'sideband']) {
    const m = file('perf', `${scenario}.mmap`)
    const dv = new DataView(m.buffer)
    const size = Number(dv.getBigUint64(1048, true))
    const data = m.subarray(4096, 4096 + size)
    let pos = Number(dv.getBigUint64(1032, true))
    const head = Number(dv.getBigUint64(1024, true))
    while (pos < head) {
      const hdr = new Uint8Array(8)
      for (let k = 0; k < 8; k++) hdr[k] = data[(pos + k) & (size - 1)]
      const len = u32(hdr, 4) >>> 16
      if (len < 8) break
      const rec = new Uint8Array(len)
      for (let k = 0; k < len; k++) rec[k] = data[(pos + k) & (size - 1)]
      out.push({ name: `perf/${scenario} record @${pos}`, bytes: rec, scenario })
      pos += len
    }
  }
  return out
}

/** Onering core buffers in each layout and sync mode, with records in them (whole SABs). */
function coreBuffers() {
  const out = []
  const fill = (rb, n) => {
    for (let cpu = 0; cpu < rb.cpus; cpu++) {
      const w = rb.writer(cpu)
      for (let k = 0; k < n; k++) w.write(new Uint8Array(1 + ((k * 13) % 60)).fill(k & 0xff))
      w.close()
    }
    // a partial read, so the reader page and positions are not at their start
    const r = rb.reader()
    for (let k = 0; k < 5; k++) r.consume(0)
  }
  const make = (name, opts, n) => {
    const rb = RingBuffer.create(opts)
    fill(rb, n)
    out.push({ name, bytes: new Uint8Array(rb.sab.slice(0)), cpus: rb.cpus })
  }
  make(
    'paged per-cpu overwrite',
    { cpus: 2, size: 8192, subbufSize: 1024, mode: 'overwrite', client: rawPagedClient },
    300,
  )
  make(
    'paged per-cpu produce-consume',
    { cpus: 2, size: 8192, subbufSize: 1024, client: rawPagedClient },
    100,
  )
  make(
    'paged shared',
    {
      cpus: 1,
      size: 8192,
      subbufSize: 1024,
      sync: 'shared',
      mode: 'overwrite',
      client: rawPagedClient,
    },
    300,
  )
  make('contiguous per-cpu', { cpus: 2, size: 4096, client: rawContiguousClient }, 60)
  make(
    'contiguous overwrite',
    { cpus: 1, size: 4096, mode: 'overwrite', client: rawContiguousClient },
    300,
  )
  return out
}

// The documented header checksum (docs/design.md §3.2): words 0, 1, 3, 4, 6..13, 16, 19.
const CHECKED_WORDS = [0, 1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 16, 19]
function fixChecksum(i32) {
  let h = 0x1234567
  for (const w of CHECKED_WORDS) {
    h ^= i32[w]
    h = Math.imul(h, 0x01000193)
  }
  i32[18] = h | 0
}

/** Byte ranges of the per-CPU control words and counters of a core buffer (the mutation focus). */
function coreFocus(bytes) {
  if (bytes.length < 256) return []
  const i32 = new Int32Array(bytes.buffer, bytes.byteOffset, 64)
  const cpus = Math.min(Math.max(i32[4], 0), 8)
  const stride = i32[12]
  const base = i32[13]
  const ranges = []
  for (let c = 0; c < cpus; c++) ranges.push([base + c * stride, base + c * stride + 512])
  return ranges
}

/**
 * trace.dat files made by trace-cmd 3.1.6 from the kernel pages, and files with two instances
 * (BUFFER options, versions 6 and 7) written by trace-cmd convert (packages/trace-dat/test/fixtures).
 */
function traceDatFiles() {
  const dir = new URL('../../packages/trace-dat/test/fixtures/', import.meta.url)
  return [
    'kernel.v6.dat',
    'kernel.v7.dat',
    'kernel.v7z.dat',
    'buffers.v6.dat',
    'buffers.v7.dat',
  ].map((n) => ({
    name: `trace-dat/${n}`,
    bytes: new Uint8Array(readFileSync(new URL(n, dir))),
  }))
}

/** perf.data files made by perf record 6.1 from the test program (packages/perf-data/test/fixtures). */
function perfDataFiles() {
  const dir = new URL('../../packages/perf-data/test/fixtures/', import.meta.url)
  return ['cpu-clock-g.data', 'tracepoints-g.data', 'lost.data'].map((n) => ({
    name: `perf-data/${n}`,
    bytes: new Uint8Array(readFileSync(new URL(n, dir))),
  }))
}

export const targets = {
  'perf-data.read': {
    corpus: perfDataFiles,
    // the header and the attrs: where sizes and offsets live
    focus: () => [[0, 104 + 144 * 5]],
    /** Read the header, attrs and features, every record in perf's order with its tracepoint fields, and the listing. */
    run(bytes) {
      const file = new PerfDataReader(bytes)
      let n = 0
      for (const r of file.events()) {
        n += r.size
        if (file.traceFields(r) !== undefined) n++
      }
      try {
        for (const line of perfDataListing(file)) n += line.length
      } catch (e) {
        // a listing of samples without a printed field is refused, as perf script refuses it
        if (!(e instanceof PerfDataError) || e.section !== 'listing') throw e
      }
      return n
    },
  },
  'trace-dat.readTraceDat': {
    corpus: traceDatFiles,
    /** Read the file and list every event as `trace-cmd report` would. */
    run(bytes) {
      return traceDatListing(readTraceDat(bytes)).length
    },
  },
  'ftrace.decodeRawStream': {
    corpus: () => [
      ...files('ftrace', /\.raw$/),
      { name: 'ftrace/mmap.reader', bytes: file('ftrace', 'mmap.reader') },
    ],
    run(bytes) {
      let n = 0
      decodeRawStream(bytes, 4096, () => {
        n++
      })
      return n
    },
  },
  'ftrace.SubbufReader': {
    corpus: () => [...files('ftrace', /\.raw$/), ...oneringFtracePages()],
    run(bytes) {
      let n = 0
      for (let off = 0; off + 4096 <= bytes.length; off += 4096) {
        const r = new SubbufReader(bytes, 4096).load(off)
        for (let ev = r.next(); ev !== null; ev = r.next()) n += ev.length
      }
      return n
    },
  },
  'ftrace.decodeTraceBufferMeta': {
    corpus: () => [
      { name: 'ftrace/mmap.meta', bytes: file('ftrace', 'mmap.meta') },
      { name: 'ftrace/mmap.all', bytes: file('ftrace', 'mmap.all') },
    ],
    run(bytes) {
      const m = decodeTraceBufferMeta(bytes)
      return m.entries + m.subbuf_size
    },
  },
  'perf.decodeAttr': {
    corpus: () => files('perf', /\.attr$/),
    run(bytes) {
      const a = decodeAttr(bytes)
      return a.size
    },
  },
  'perf.decodeControlPage': {
    corpus: () => files('perf', /\.mmap$/).map((f) => ({ ...f, bytes: f.bytes.slice(0, 4096) })),
    run(bytes) {
      const p = decodeControlPage(bytes)
      return p.data_size
    },
  },
  'perf.PerfMmap': {
    corpus: () => files('perf', /\.mmap$/),
    focus: () => [[1024, 1072]],
    run(bytes, entry) {
      const map = new PerfMmap(bytes, { overwrite: entry.name.includes('backward') })
      let n = 0
      if (perf_mmap__read_init(map) < 0) return 0
      for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
        n += ev.size
        perf_mmap__consume(map)
        if (n > bytes.length * 2) throw new Error('perf.PerfMmap: read more than the mapping holds')
      }
      perf_mmap__read_done(map)
      return n
    },
  },
  'perf.decodeRecord': {
    corpus: kernelRecords,
    run(bytes, entry) {
      const ctx = (contexts[entry.scenario] ??= recordContext(attrOf(entry.scenario)))
      const rec = decodeRecord(
        new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        0,
        ctx,
      )
      return rec.size
    },
  },
  'core.attach': {
    corpus: coreBuffers,
    focus: (entry) => coreFocus(entry.bytes),
    /** Attach to the mutated buffer, then read every ring, take the stats and write once. */
    run(bytes, entry, rand) {
      const sab = new SharedArrayBuffer(bytes.length)
      const u8 = new Uint8Array(sab)
      u8.set(bytes)
      // half of the inputs keep a valid header checksum, so the mutation reaches the rings
      if (bytes.length >= 128 && rand() % 2 === 0) fixChecksum(new Int32Array(sab, 0, 32))
      const rb = RingBuffer.attach(sab)
      let n = 0
      const r = rb.reader()
      for (let cpu = 0; cpu < rb.cpus; cpu++) {
        for (let k = 0; k < 4096; k++) {
          const rec = r.consume(cpu)
          if (rec === null) break
          n += rec.length
        }
      }
      n += rb.stats().entries
      const w = rb.writer(rand() % rb.cpus, { force: true })
      w.write(new Uint8Array(8))
      w.close()
      return n
    },
  },
}
const contexts = {}
