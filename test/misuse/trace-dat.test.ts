/**
 * The misuse table of `@onering/trace-dat` (see `table.ts`): every exported function,
 * constructor and public method — the writers (`writeTraceDat`, `TraceDatRecorder`), the reader (`readTraceDat`) and what reads its result (`traceDatEvents`,
 * `traceDatListing`, `fileFormats`, `eventFields`), and the option texts — called with bad
 * arguments; after each call on a buffer, the buffer must still write and read an event.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import * as td from '@onering/trace-dat'
import {
  TraceDatRecorder,
  readTraceDat,
  traceDatEvents,
  writeTraceDat,
  type TraceDatFile,
} from '@onering/trace-dat'
import {
  ring_buffer_alloc,
  ring_buffer_consume,
  ring_buffer_free,
  trace_event_write,
  tracing_mark_write,
  type TraceBuffer,
} from '@onering/ftrace'
import { EventEncoder, EventIdAllocator, defineEvent } from '@onering/trace-events'
import { checkTable, type Made, type Row, type Table } from './table.js'

const dir = mkdtempSync(join(tmpdir(), 'onering-misuse-trace-dat-'))
// a bad `path` that is still a string ('x', '1') is a file name: it lands in the test's directory
const cwd = process.cwd()
beforeAll(() => {
  process.chdir(dir)
})
afterAll(() => {
  process.chdir(cwd)
  rmSync(dir, { recursive: true, force: true })
})
let files = 0
/** A fresh path in the test's directory. */
const path = (): string => join(dir, `f${files++}.dat`)

const span = defineEvent(
  {
    system: 'onering',
    name: 'span',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'name', type: 'string' },
    ],
  },
  new EventIdAllocator(),
)
const enc = new EventEncoder(span)

/** A buffer of two CPUs holding a marker and a span event. */
function fresh(): TraceBuffer {
  const b = ring_buffer_alloc(16384, 0, { cpus: 2 })
  b.setCpu(0)
  tracing_mark_write(b, 'hello')
  trace_event_write(b, enc, [1, 'GET /'])
  return b
}

/** The buffer still works: an event written on CPU 1 is the one consumed there. */
function usable(b: TraceBuffer): void {
  b.setCpu(1)
  trace_event_write(b, enc, [7, 'probe'])
  let n = 0
  for (let e = ring_buffer_consume(b, 1); e; e = ring_buffer_consume(b, 1)) n++
  expect(n).toBe(1)
  b.setCpu(0)
}

let made: Uint8Array | undefined
/** The bytes of a version 6 trace.dat of `fresh()` (made once; each call gets a copy). */
function fileBytes(): Uint8Array {
  if (made === undefined) {
    const p = path()
    writeTraceDat(fresh(), p, { definitions: [span], version: 6 })
    made = new Uint8Array(readFileSync(p))
  }
  return made.slice()
}
const parsed = (): TraceDatFile => readTraceDat(fileBytes())

const pure = (args: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => ({ args: args() }),
  names,
  ...extra,
})

/** A row whose first argument (or `this`, for a recorder) holds a fresh buffer. */
function bufferRow(make: (b: TraceBuffer) => Made, names: string[], extra: Partial<Row> = {}): Row {
  return {
    make: () => {
      const b = fresh()
      return {
        ...make(b),
        probe: () => {
          usable(b)
        },
      }
    },
    freed: () => {
      const b = fresh()
      const m = make(b)
      ring_buffer_free(b)
      return m
    },
    names,
    ...extra,
  }
}

const table: Table = {
  'new TraceDatError': pure(() => ['header', 3, 'bad'], ['section', 'offset', 'message'], {
    ok: { message: '*' },
  }),
  zstdCompression: pure(() => [], []),
  traceClockText: pure(() => ['mono'], ['clock']),
  clockOf: pure(() => ['[mono] local'], ['traceClock'], { ok: { traceClock: ['undefined'] } }),
  // ---- writing
  'new TraceDatRecorder': bufferRow(
    (b) => ({ args: [b, { definitions: [span] }] }),
    ['buffer', 'options'],
    // no definitions: refused at `finish` if an event needs one
    { ok: { options: ['undefined', 'object'], 'options.definitions': ['array'] } },
  ),
  'TraceDatRecorder#drain': bufferRow(
    (b) => ({ self: new TraceDatRecorder(b, { definitions: [span] }), args: [true] }),
    ['full'],
    { ok: { full: ['undefined'] } },
  ),
  'TraceDatRecorder#finish': bufferRow(
    (b) => ({
      self: new TraceDatRecorder(b, { definitions: [span] }),
      args: [path(), { version: 6 }],
    }),
    ['path', 'options'],
    { ok: { options: ['undefined', 'object'] } },
  ),
  writeTraceDat: bufferRow(
    (b) => ({ args: [b, path(), { definitions: [span], version: 6 }] }),
    ['buffer', 'path', 'options'],
    { ok: { options: ['undefined', 'object'] } },
  ),
  // ---- reading
  readTraceDat: pure(() => [fileBytes(), {}], ['bytes', 'options'], {
    ok: { options: ['undefined', 'object'] },
  }),
  fileFormats: pure(() => [parsed()], ['file'], { shallow: ['file'] }),
  traceDatEvents: pure(() => [parsed(), [0]], ['file', 'buffers'], {
    shallow: ['file'],
    ok: { buffers: ['undefined', 'array'] }, // none: every buffer; [] lists none
  }),
  eventFields: pure(() => [traceDatEvents(parsed()).next().value], ['ev'], { shallow: ['ev'] }),
  traceDatListing: pure(() => [parsed(), { ns: true }], ['file', 'options'], {
    shallow: ['file'],
    ok: { options: ['undefined', 'object'] },
  }),
}

/** Spool files of `fresh()` as a recorder that never finished leaves them (assembleTraceDat's input). */
function spools(): { cpus: string[]; pageSize: number } {
  const b = fresh()
  const spoolDir = join(dir, `spool${files++}`)
  mkdirSync(spoolDir)
  const rec = new TraceDatRecorder(b, { definitions: [span], spoolDir })
  rec.drain(false)
  return { cpus: [0, 1].map((c) => join(spoolDir, `cpu${c}.spool`)), pageSize: b.rb.subbufSize }
}

const counters = {
  entries: 1,
  overrun: 0,
  commitOverrun: 0,
  bytes: 64,
  oldestEventTs: 1000,
  droppedEvents: 0,
  readEvents: 0,
}
table['assembleTraceDat'] = pure(
  () => {
    const s = spools()
    return [path(), s.cpus, { pageSize: s.pageSize, definitions: [span] }]
  },
  ['path', 'cpus', 'options'],
  { shallow: ['options'] },
)
table['cpuStatText'] = pure(
  () => [0, { ...counters }, 2000, true],
  ['cpu', 'c', 'now', 'nsClock'],
  {
    shallow: ['c'],
  },
)

/** The package's exports but the trace-cmd input API (its rows: trace-dat-input.test.ts). */
const covered = Object.fromEntries(
  Object.entries(td).filter(([k]) => !k.startsWith('tracecmd_') && k !== 'TracecmdInput'),
)

describe('@onering/trace-dat misuse table', () => {
  // a generator does its work when iterated: the row drains it
  checkTable('@onering/trace-dat', covered, table, {
    traceDatEvents: (m) => [...traceDatEvents(...(m.args as Parameters<typeof traceDatEvents>))],
  })
})
