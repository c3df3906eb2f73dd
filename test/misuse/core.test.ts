/**
 * The misuse table of `@onering/core` (see `table.ts`): every exported function, constructor
 * and public method, and every method of the writers `RingBuffer#writer` returns (paged,
 * contiguous, shared), called with bad arguments.
 */
import { describe, expect, it } from 'vitest'
import * as core from '@onering/core'
import {
  RingBuffer,
  RingRecord,
  rawContiguousClient,
  rawPagedClient,
  type RingWriter,
} from '@onering/core'
import { checkTable, interfaceMethods, type Made, type Row, type Table } from './table.js'

type Flavor = 'paged' | 'contiguous' | 'shared'

function buffer(flavor: Flavor = 'paged'): RingBuffer {
  if (flavor === 'contiguous')
    return RingBuffer.create({ cpus: 2, size: 8192, client: rawContiguousClient })
  return RingBuffer.create({
    cpus: 2,
    size: 8192,
    sync: flavor === 'shared' ? 'shared' : 'per-cpu',
  })
}

let stamp = 2 ** 50
/**
 * The buffer still works: a record written with a known timestamp on ring `cpu` is read back
 * last, with its bytes and that exact timestamp (a timestamp accepted wrongly before it would
 * shift it).
 */
function usable(rb: RingBuffer, cpu = 0): void {
  const w = rb.writer(cpu, { force: true })
  const ts = (stamp += 1000)
  const data = Uint8Array.of(1, 2, 3, 4, 5)
  if (!w.write(data, ts)) throw new Error('probe: write refused')
  w.close()
  const r = rb.reader()
  let last: { ts: number; bytes: number[] } | null = null
  for (let rec = r.consume(cpu); rec; rec = r.consume(cpu))
    last = { ts: rec.timestamp, bytes: Array.from(rec.payload()) }
  expect(last).toEqual({ ts, bytes: [1, 2, 3, 4, 5] })
}

/** A buffer with one unread record on ring 0 (so waits end at once). */
function filled(flavor: Flavor = 'paged'): RingBuffer {
  const rb = buffer(flavor)
  const w = rb.writer(0)
  w.write(Uint8Array.of(9, 9, 9))
  w.close()
  return rb
}

/** A row of a RingBuffer method: `this` is a fresh buffer. */
function rbRow(
  args: (rb: RingBuffer) => unknown[],
  names: string[],
  { restore, ...extra }: Partial<Row> & { restore?: (rb: RingBuffer) => void } = {},
): Row {
  return {
    make: () => {
      const rb = filled()
      return {
        self: rb,
        args: args(rb),
        probe: () => {
          restore?.(rb)
          usable(rb)
        },
      }
    },
    freed: () => {
      const rb = buffer()
      const made = args(rb)
      rb.free()
      return { self: rb, args: made }
    },
    names,
    ...extra,
  }
}

/** A row of a RingReader method: `this` is a reader of a buffer with a record on ring 0. */
function readerRow(
  args: (rb: RingBuffer) => unknown[],
  names: string[],
  extra: Partial<Row> = {},
): Row {
  return {
    make: () => {
      const rb = filled()
      return {
        self: rb.reader(),
        args: args(rb),
        probe: () => {
          usable(rb)
        },
      }
    },
    freed: () => {
      const rb = filled()
      const r = rb.reader()
      const made = args(rb)
      rb.free()
      return { self: r, args: made }
    },
    names,
    ...extra,
  }
}

/** A row of an iterator method (both kinds: `make` alternates the layouts). */
function iteratorRow(kind: 'paged' | 'contiguous'): Row {
  return {
    make: () => {
      const rb = filled(kind)
      return {
        self: rb.reader().iterator(0),
        args: [],
        probe: () => {
          usable(rb)
        },
      }
    },
    names: [],
  }
}

const ANY = '*' as const

/** The writer rows of one flavor. */
function writerRows(flavor: Flavor): Table {
  const row = (
    args: (w: RingWriter) => unknown[],
    names: string[],
    extra: Partial<Row> = {},
  ): Row => ({
    make: (): Made => {
      const rb = buffer(flavor)
      const w = rb.writer(0)
      const a = args(w)
      return {
        self: w,
        args: a,
        probe: () => {
          while (w.depth > 0) w.commit()
          w.close()
          usable(rb)
        },
      }
    },
    freed: () => {
      const rb = buffer(flavor)
      const w = rb.writer(0)
      const a = args(w)
      rb.free()
      return { self: w, args: a }
    },
    names,
    ...extra,
  })
  const open = (w: RingWriter): number => w.reserve(8)
  const t: Table = {
    reserve: row(() => [8, 1000, 0], ['length', 'timestamp', 'tag'], {
      ok: { timestamp: ['undefined'], tag: ['undefined'] },
    }),
    put: row((w) => [open(w), Uint8Array.of(1, 2, 3)], ['offset', 'src'], {
      ok: { src: ['bytes'] },
      // OPEN: put() is in the writer files, which another helper owns now: `src` is not
      // checked, and the contiguous writer takes a NaN/string offset and corrupts the ring
      open: ['offset', 'src'],
      freedOk: true, // fills a reservation taken before the free
    }),
    drop: row(() => [1], ['count'], { ok: { count: ['undefined'] } }),
    // finishing calls: ending a reservation or closing after a free must not throw in cleanup
    commit: row((w) => (open(w), []), [], { freedOk: true }),
    discard: row((w) => (open(w), []), [], { freedOk: true }),
    write: row(() => [Uint8Array.of(1, 2, 3), 1000], ['data', 'timestamp'], {
      ok: { timestamp: ['undefined'], data: ['bytes'] },
    }),
    flush: row(() => [], [], { freedOk: true }),
    close: row(() => [], [], { freedOk: true }),
  }
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [`RingWriter(${flavor})#${k}`, v]))
}

const table: Table = {
  // ---- functions
  clientHash: {
    make: () => ({ args: ['raw'] }),
    names: ['id'],
    ok: { id: ['string', 'numeric'] }, // any string is an id
  },
  decodedRecord: { make: () => ({ args: [] }), names: [] },
  getI64: { make: () => ({ args: [new DataView(new ArrayBuffer(16)), 8] }), names: ['dv', 'off'] },
  getU64: { make: () => ({ args: [new DataView(new ArrayBuffer(16)), 8] }), names: ['dv', 'off'] },
  setU64: {
    make: () => ({ args: [new DataView(new ArrayBuffer(16)), 8, 7] }),
    names: ['dv', 'off', 'v'],
    ok: { v: ['negative', 'huge'] }, // two's complement; 2^53 is exact
  },
  monotonicNs: { make: () => ({ args: [] }), names: [] },
  // a client is code the engine calls (checked for its shape, not member by member)
  registerClient: {
    make: () => ({ args: [rawPagedClient] }),
    names: ['client'],
    shallow: ['client'],
  },
  // ---- classes
  'new BusyError': {
    make: () => ({ args: ['cpu: busy'] }),
    names: ['message'],
    ok: { message: ANY },
  },
  'RingBuffer.create': {
    make: () => ({ args: [{ cpus: 2, size: 8192, mode: 'overwrite' }] }),
    names: ['options'],
    ok: { options: ['undefined', 'object'] },
  },
  'RingBuffer.attach': {
    make: () => {
      const rb = buffer()
      return {
        args: [rb.sab, {}],
        probe: () => {
          usable(rb)
        },
      }
    },
    freed: () => {
      const rb = buffer()
      rb.free()
      return { args: [rb.sab] }
    },
    names: ['sab', 'options'],
    ok: { options: ['undefined', 'object'] },
  },
  'RingBuffer.subbufsFor': {
    make: () => ({ args: [8192, 4096, rawPagedClient] }),
    names: ['size', 'subbufSize', 'client'],
    ok: { client: ['undefined'] },
    shallow: ['client'],
  },
  // offsets are arithmetic on the geometry: they work on a freed handle
  'RingBuffer#areaOffset': rbRow(() => [1], ['cpu'], { freedOk: true }),
  'RingBuffer#subbufOffset': rbRow(() => [1, 0], ['cpu', 'id'], {
    ok: { id: ['undefined'] },
    freedOk: true,
  }),
  'RingBuffer#writer': rbRow(() => [1, { force: true }], ['cpu', 'options'], {
    ok: { options: ['undefined', 'object'], 'options.force': ['boolean'] },
  }),
  // ring 1 has no writer open in this thread: recovery publishes what it holds and frees it
  'RingBuffer#recoverWriter': rbRow(() => [1], ['cpu']),
  // a thread id no thread of this process has (low 14 bits 2567): nothing to recover
  'RingBuffer#recoverWriters': rbRow(() => [{ threadId: 1_000_000_007 }], ['options']),
  'RingBuffer#reader': rbRow(() => [], []),
  'RingBuffer#releaseSubbuf': rbRow(
    (rb) => [rb.reader().takeSubbuf(0, { full: false })],
    ['lease'],
    {
      // a lease's cpu is checked as a cpu; what it reports about the data is not read back
      aka: { lease: ['cpu'] },
      ok: {
        'lease.dataBytes': ANY,
        'lease.lost': ANY,
        'lease.timestamp': ANY,
        'lease.epoch': ['negative'],
      },
    },
  ),
  'RingBuffer#subbufBytes': rbRow(() => [1, 0], ['cpu', 'id'], { ok: { id: ['undefined'] } }),
  'RingBuffer#recordDisable': rbRow(() => [1], ['cpu'], {
    ok: { cpu: ['undefined', 'negative'] },
    restore: (rb) => {
      for (const c of [-1, ...Array.from({ length: rb.cpus }, (_, k) => k)])
        try {
          rb.recordEnable(c)
        } catch {
          // not disabled there
        }
    },
  }),
  'RingBuffer#recordEnable': rbRow(
    (rb) => {
      rb.recordDisable(1)
      return [1]
    },
    ['cpu'],
    { ok: { cpu: ['undefined', 'negative'] } },
  ),
  'RingBuffer#recordOff': rbRow(() => [], [], {
    restore: (rb) => {
      rb.recordOn()
    },
  }),
  'RingBuffer#recordOn': rbRow(() => [], []),
  'RingBuffer#isOn': rbRow(() => [1], ['cpu'], {
    ok: { cpu: ['undefined', 'negative'] },
    freedOk: true,
  }),
  'RingBuffer#isSetOn': rbRow(() => [1], ['cpu'], {
    ok: { cpu: ['undefined', 'negative'] },
    freedOk: true,
  }),
  'RingBuffer#reset': rbRow(() => [1], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'RingBuffer#resize': rbRow(() => [4096, 2048], ['size', 'subbufSize'], {
    ok: { subbufSize: ['undefined'] },
  }),
  'RingBuffer#stats': rbRow(() => [1], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'RingBuffer#wakeWaiters': rbRow(() => [1], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'RingBuffer#free': {
    make: () => ({ self: buffer(), args: [] }),
    names: [],
  },
  'new RingReader': {
    make: () => {
      const rb = filled()
      return {
        args: [rb],
        probe: () => {
          usable(rb)
        },
      }
    },
    names: ['buffer'],
  },
  'RingReader#peek': readerRow(() => [0], ['cpu']),
  'RingReader#consume': readerRow(() => [0], ['cpu']),
  'RingReader#release': readerRow(() => [0], ['cpu']),
  'RingReader#next': readerRow(() => [], []),
  'RingReader#drain': readerRow(() => [0, () => undefined, 10], ['cpu', 'fn', 'max'], {
    ok: { cpu: ['negative'], fn: ['function'], max: ['undefined', 'Infinity'] },
  }),
  'RingReader#consumeBatch': readerRow(() => [0, () => undefined, 10], ['cpu', 'fn', 'max'], {
    ok: { cpu: ['negative'], fn: ['function'], max: ['undefined', 'Infinity'] },
  }),
  'RingReader#empty': readerRow(() => [0], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'RingReader#takeSubbuf': readerRow(() => [0, { full: false, copy: true }], ['cpu', 'options'], {
    ok: {
      options: ['undefined', 'object'],
      'options.full': ['boolean'],
      'options.copy': ['boolean'],
    },
  }),
  'RingReader#consumeReaderSubbuf': readerRow(() => [0], ['cpu']),
  'RingReader#readerPosition': readerRow(() => [0], ['cpu']),
  'RingReader#iterator': readerRow(() => [0], ['cpu']),
  'RingReader#wait': readerRow(() => [0, { records: 1, timeout: 10 }], ['cpu', 'watermark'], {
    ok: { cpu: ['negative'], watermark: ['undefined', 'object'] },
  }),
  'RingReader#waitAsync': readerRow(() => [0, { percent: 0, timeout: 10 }], ['cpu', 'watermark'], {
    ok: { cpu: ['negative'], watermark: ['undefined', 'object'] },
  }),
  'RingReader#records': readerRow(
    () => [{ cpu: 0, signal: new AbortController().signal, timeout: 10 }],
    ['options'],
    // ends (returns) once the buffer is freed, as documented
    { ok: { options: ['undefined', 'object'], 'options.cpu': ['negative'] }, freedOk: true },
  ),
  'new RingRecord': {
    make: () => ({ args: [new Uint8Array(16)] }),
    names: ['bytes'],
    ok: { bytes: ['bytes'] },
  },
  'RingRecord#payload': {
    make: () => ({ self: new RingRecord(new Uint8Array(16)), args: [] }),
    names: [],
  },
  'RingRecord#copyPayload': {
    make: () => ({ self: new RingRecord(new Uint8Array(16)), args: [] }),
    names: [],
  },
  ...Object.fromEntries(
    ['reset', 'peek', 'advance', 'next', 'empty', 'dropped', 'close'].flatMap((m) => [
      [`RingIterator#${m}`, iteratorRow('paged')],
      [`ContiguousIterator#${m}`, iteratorRow('contiguous')],
    ]),
  ),
  ...writerRows('paged'),
  ...writerRows('contiguous'),
  ...writerRows('shared'),
}

describe('@onering/core misuse table', () => {
  // the writers are not exported classes: their methods are those RingWriter declares
  const extra: Record<string, (m: Made) => unknown> = {}
  for (const flavor of ['paged', 'contiguous', 'shared'])
    for (const name of interfaceMethods('@onering/core', 'RingWriter'))
      extra[`RingWriter(${flavor})#${name}`] = (m) =>
        (m.self as Record<string, (...a: unknown[]) => unknown>)[name]!(...m.args)
  checkTable('@onering/core', core, table, extra)
})

describe('documented behaviours the table counts as working', () => {
  it('resize(3) rounds up to two whole sub-buffers, as the kernel does, and the buffer works', () => {
    const rb = filled()
    rb.resize(3)
    expect(rb.subbufs).toBe(2)
    usable(rb)
  })
})
