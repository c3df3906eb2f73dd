/**
 * The misuse table of `@onering/ftrace` (see `table.ts`): every exported function (the
 * kernel-named `ring_buffer_*` API, the event encoders and decoders), constructor and public
 * method, called with bad arguments; after each call the buffer must still write and read an
 * event.
 */
import { openSync } from 'node:fs'
import { describe, expect } from 'vitest'
import * as ftrace from '@onering/ftrace'
import {
  RB_FL_OVERWRITE,
  RINGBUF_TYPE_TIME_EXTEND,
  TraceBuffer,
  ring_buffer_alloc,
  ring_buffer_alloc_read_page,
  ring_buffer_consume,
  ring_buffer_free,
  ring_buffer_lock_reserve,
  ring_buffer_map,
  ring_buffer_peek,
  ring_buffer_read_finish,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_read_start,
  ring_buffer_record_enable,
  ring_buffer_record_enable_cpu,
  ring_buffer_record_on,
  ring_buffer_subbuf_size_get,
  ring_buffer_unlock_commit,
  ring_buffer_unmap,
  ring_buffer_write,
  type RingBufferIter,
} from '@onering/ftrace'
import { decodedRecord } from '@onering/core'
import { EventEncoder, EventIdAllocator, defineEvent, layoutEvent } from '@onering/trace-events'
import type { EventDefinition } from '@onering/trace-events'
import { checkTable, type Made, type Row, type Table } from './table.js'

function fresh(): TraceBuffer {
  const b = ring_buffer_alloc(8192, RB_FL_OVERWRITE, { cpus: 2 })
  b.setCpu(0)
  ring_buffer_write(b, 3, Uint8Array.of(9, 9, 9))
  return b
}

/** An encoder of a small user event: a u32, a string and an s64. */
function encoder(): EventEncoder {
  const def = defineEvent(
    {
      system: 'misuse',
      name: 'ev',
      fields: [
        { name: 'n', type: 'u32' },
        { name: 's', type: 'string' },
        { name: 'v', type: 's64' },
      ],
    },
    new EventIdAllocator(),
  )
  return new EventEncoder(def)
}

let nextId = 60000
/** A definition of its own id: a tracepoint no other row emits. */
function freshDefinition(): EventDefinition {
  return layoutEvent(
    { system: 'misuse', name: 'reg', fields: [{ name: 'n', type: 'u32' }] },
    nextId++,
  )
}

/** Close what a bad call may have left open (a reservation, an iterator, a mapping, recording off). */
function tidy(b: TraceBuffer): void {
  for (let k = 0; k < 4; k++)
    try {
      ring_buffer_unlock_commit(b)
    } catch {
      break
    }
  for (const c of [0, 1])
    try {
      ring_buffer_unmap(b, c)
    } catch {
      // not mapped
    }
}

/** The buffer still works: an event written on CPU 0 is the last one consumed there. */
function usable(b: TraceBuffer): void {
  tidy(b)
  b.setCpu(0)
  const data = Uint8Array.of(1, 2, 3, 4, 5)
  expect(ring_buffer_write(b, data.length, data)).toBe(0)
  let last: number[] | null = null
  for (let e = ring_buffer_consume(b, 0); e; e = ring_buffer_consume(b, 0))
    last = Array.from(e.event.bytes.subarray(e.event.dataOffset, e.event.dataOffset + 5))
  expect(last).toEqual([1, 2, 3, 4, 5])
}

type BufferRowOptions = Partial<Row> & { restore?: (b: TraceBuffer) => void }

/**
 * A row on a fresh buffer: the buffer is the first argument (`B`) or `this` (`M`, a
 * TraceBuffer method). `restore` undoes what the valid call changes (recording off, …) before
 * the probe.
 */
function bufferRow(
  asThis: boolean,
  args: (b: TraceBuffer) => unknown[],
  names: string[],
  { restore, ...extra }: BufferRowOptions,
): Row {
  const made = (b: TraceBuffer, a: unknown[]): Made =>
    asThis ? { self: b, args: a } : { args: [b, ...a] }
  return {
    make: () => {
      const b = fresh()
      const probe = (): void => {
        try {
          restore?.(b)
        } catch {
          // the bad call changed nothing to restore
        }
        usable(b)
      }
      return { ...made(b, args(b)), probe }
    },
    freed: () => {
      const b = fresh()
      const a = args(b)
      ring_buffer_free(b)
      return made(b, a)
    },
    names: asThis ? names : ['buffer', ...names],
    ...extra,
  }
}
const B = (rest: (b: TraceBuffer) => unknown[], names: string[], o: BufferRowOptions = {}): Row =>
  bufferRow(false, rest, names, o)
const M = (args: (b: TraceBuffer) => unknown[], names: string[], o: BufferRowOptions = {}): Row =>
  bufferRow(true, args, names, o)

/** A row of an iterator function or method: the iterator is finished before the probe. */
function I(asThis: boolean): Row {
  let it: RingBufferIter
  return {
    make: () => {
      const b = fresh()
      it = ring_buffer_read_start(b, 0)
      const i = it
      return {
        ...(asThis ? { self: i, args: [] } : { args: [i] }),
        probe: () => {
          try {
            ring_buffer_read_finish(i)
          } catch {
            // finished by the call
          }
          usable(b)
        },
      }
    },
    names: asThis ? [] : ['iter'],
  }
}

/** A row taking an event the buffer handed out. */
function E(names: string[], rest: (b: TraceBuffer) => unknown[] = () => []): Row {
  return {
    make: () => {
      const b = fresh()
      return {
        args: [ring_buffer_peek(b, 0)!.event, ...rest(b)],
        probe: () => {
          usable(b)
        },
      }
    },
    names,
  }
}

/** A read-out sub-buffer (its raw bytes) and its size. */
function rawSubbuf(): { bytes: Uint8Array; size: number } {
  const b = fresh()
  const page = ring_buffer_alloc_read_page(b, 0)
  ring_buffer_read_page(b, page, ring_buffer_subbuf_size_get(b), 0, 0)
  return { bytes: ring_buffer_read_page_data(page).slice(), size: ring_buffer_subbuf_size_get(b) }
}

const dv = (): DataView => new DataView(new ArrayBuffer(64))
const pure = (args: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => ({ args: args() }),
  names,
  ...extra,
})
const ALL = { cpu: ['negative'] } as const // RING_BUFFER_ALL_CPUS is -1
const cpuRow = (extra: BufferRowOptions = {}): Row => B(() => [0], ['cpu'], extra)

/** A kbuffer with a read-out sub-buffer loaded. */
function loadedKb(): { kb: ftrace.KBuffer; page: Uint8Array } {
  const kb = ftrace.kbuffer_alloc(ftrace.KBUFFER_LSIZE_8, ftrace.KBUFFER_ENDIAN_LITTLE)
  const page = rawSubbuf().bytes
  ftrace.kbuffer_load_subbuffer(kb, page)
  return { kb, page }
}
const freedKb = (): ftrace.KBuffer => {
  const kb = ftrace.kbuffer_alloc(ftrace.KBUFFER_LSIZE_8, ftrace.KBUFFER_ENDIAN_LITTLE)
  ftrace.kbuffer_free(kb)
  return kb
}
/** A kbuffer function's row: the loaded kbuffer first, then `rest`. */
const K = (
  rest: (page: Uint8Array) => unknown[],
  names: string[],
  extra: Partial<Row> = {},
): Row => ({
  make: () => {
    const { kb, page } = loadedKb()
    return { args: [kb, ...rest(page)] }
  },
  freed: () => ({ args: [freedKb(), ...rest(rawSubbuf().bytes)] }),
  names: ['kbuf', ...names],
  ...extra,
})
/** An out-parameter: any object the call can store into (C: a pointer, NULL allowed). */
const OUT = ['null', 'undefined', 'object', 'bytes'] as const

/** A tracefs_cpu row: a reader of CPU 0 of a fresh buffer, then `rest`. */
const T = (rest: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => {
    const b = fresh()
    const tcpu = ftrace.tracefs_cpu_open(b, 0, true)
    return {
      args: [tcpu, ...rest()],
      probe: () => {
        try {
          ftrace.tracefs_cpu_close(tcpu)
        } catch {
          // closed by the call
        }
        usable(b)
      },
    }
  },
  freed: () => {
    const b = fresh()
    const tcpu = ftrace.tracefs_cpu_open(b, 0, true)
    ftrace.tracefs_cpu_close(tcpu)
    return { args: [tcpu, ...rest()] }
  },
  names: ['tcpu', ...names],
  ...extra,
})
const page4k = (): Uint8Array => new Uint8Array(4096)
let nullFd = -1
/** A file descriptor of /dev/null, for the tracefs_cpu_write rows (opened once). */
const devNull = (): number => (nullFd >= 0 ? nullFd : (nullFd = openSync('/dev/null', 'w')))

const table: Table = {
  // ---- event encoding (event.ts, client.ts)
  eventLength: pure(() => [8], ['length']),
  eventHeader: pure(() => [2, 100], ['typeLen', 'delta']),
  writeDataHeader: pure(() => [dv(), 8, 16, 100], ['dv', 'off', 'total', 'delta']),
  writeTimeEvent: pure(
    () => [dv(), 8, RINGBUF_TYPE_TIME_EXTEND, 1 << 28],
    ['dv', 'off', 'type', 'value'],
    { ok: { value: ['huge'] } }, // a TIME_STAMP holds 59 bits
  ),
  readTimeEvent: pure(() => [dv(), 8], ['dv', 'off']),
  // timestamps pass 2^53 ns after 104 days of uptime; a TIME_STAMP holds 59 bits
  fixAbsoluteTimestamp: pure(() => [1000, 999], ['value', 'previous'], {
    ok: { value: ['huge'], previous: ['huge'] },
  }),
  writePadding: pure(() => [dv(), 8, 16, 0], ['dv', 'off', 'total', 'delta']),
  needsTimeExtend: pure(() => [100], ['delta'], { ok: { delta: ['huge'] } }),
  decodeEvent: pure(
    () => {
      const d = dv()
      ftrace.writeDataHeader(d, 8, 16, 100)
      return [d, 8, 64, decodedRecord()]
    },
    ['dv', 'off', 'end', 'out'],
    {
      // `out` is filled in: what its keys held before does not matter, any object takes them
      shallow: ['out'],
      ok: { out: ['object', 'array', 'bytes'] },
    },
  ),
  // ---- raw sub-buffers
  'new SubbufReader': pure(
    () => {
      const r = rawSubbuf()
      return [r.bytes, r.size]
    },
    ['bytes', 'subbufSize'],
    {
      ok: { bytes: ['bytes'] }, // any length: `load` checks that a sub-buffer fits
    },
  ),
  'SubbufReader#load': {
    make: () => {
      const r = rawSubbuf()
      return { self: new ftrace.SubbufReader(r.bytes, r.size), args: [0] }
    },
    names: ['offset'],
  },
  'SubbufReader#next': {
    make: () => {
      const r = rawSubbuf()
      return { self: new ftrace.SubbufReader(r.bytes, r.size).load(0), args: [] }
    },
    names: [],
  },
  decodeRawStream: pure(
    () => {
      const r = rawSubbuf()
      return [r.bytes, r.size, () => undefined]
    },
    ['bytes', 'subbufSize', 'fn'],
    { ok: { fn: ['function'] } },
  ),
  pageHeaderText: pure(() => [4096], ['subbufSize'], { ok: { subbufSize: ['undefined'] } }),
  entryHeaderText: pure(() => [], []),
  ring_buffer_print_entry_header: pure(() => [], []),
  decodeTraceBufferMeta: {
    make: () => {
      const b = fresh()
      const m = ring_buffer_map(b, 0)
      return { args: [m.bytes, 0] }
    },
    names: ['bytes', 'offset'],
    ok: { offset: ['undefined'] },
    aka: { bytes: ['offset'] }, // a short `bytes`: the meta page does not fit at `offset`
  },
  // ---- allocation
  ring_buffer_alloc: pure(
    () => [8192, RB_FL_OVERWRITE, { cpus: 2 }],
    ['size', 'flags', 'options'],
    {
      ok: { options: ['undefined', 'object'] },
    },
  ),
  __ring_buffer_alloc: pure(
    () => [8192, 0, null, { cpus: 1 }],
    ['size', 'flags', '_key', 'options'],
    {
      ok: { _key: '*', options: ['undefined', 'object'] }, // the kernel's lockdep key: ignored
    },
  ),
  ring_buffer_free: { make: () => ({ args: [fresh()] }), names: ['buffer'] },
  ring_buffer_size: cpuRow(),
  ring_buffer_max_event_size: B(() => [], []),
  ring_buffer_resize: B(() => [16384, -1], ['size', 'cpu'], { ok: ALL }),
  // the kernel's int: non-zero is true
  ring_buffer_change_overwrite: B(() => [1], ['val'], { ok: { val: ['boolean', 'negative'] } }),
  ring_buffer_subbuf_order_get: B(() => [], []),
  ring_buffer_subbuf_size_get: B(() => [], []),
  ring_buffer_subbuf_order_set: B(() => [0], ['order']),
  // ---- writing
  ring_buffer_lock_reserve: B(() => [8], ['length']),
  // (no freed variant: a buffer with a reservation open cannot be freed)
  ring_buffer_unlock_commit: B((b) => (ring_buffer_lock_reserve(b, 8), []), [], {
    freed: undefined,
  }),
  ring_buffer_discard_commit: B((b) => [ring_buffer_lock_reserve(b, 8)], ['event'], {
    freed: undefined,
  }),
  ring_buffer_write: B(() => [3, Uint8Array.of(1, 2, 3)], ['length', 'data'], {
    ok: { data: ['bytes'] }, // another 3-byte array: a valid event
  }),
  // ---- trace events (trace-event.ts)
  currentTid: pure(() => [], []),
  trace_event_buffer_reserve: B(() => [encoder(), 8], ['encoder', 'dynamicBytes'], {
    // a reservation stays open: commit it before the probe
    restore: (b) => {
      ftrace.trace_event_buffer_commit(b)
    },
    freed: undefined,
    ok: { dynamicBytes: ['undefined'] },
  }),
  trace_event_buffer_commit: B(
    (b) => {
      const e = encoder()
      ftrace.trace_event_buffer_reserve(b, e, 2)
      e.setNumber(0, 1)
      e.setString(1, 'x')
      e.setNumber(2, 2)
      return []
    },
    [],
    { freed: undefined },
  ),
  trace_event_write: B(() => [encoder(), [1, 'hello', -5]], ['encoder', 'values']),
  tracing_mark_write: B(() => ['hello'], ['text']),
  // ---- the ftrace probe of a tracepoint (trace-event-probe.ts); a fresh event per call
  trace_event_reg: B(() => [freshDefinition()], ['definition'], { shallow: ['definition'] }),
  trace_event_unreg: B(
    (b) => {
      const d = freshDefinition()
      ftrace.trace_event_reg(b, d)
      return [d]
    },
    ['definition'],
    { shallow: ['definition'] },
  ),
  ring_buffer_event_data: E(['event']),
  ring_buffer_event_length: E(['event']),
  ring_buffer_event_time_stamp: {
    make: () => {
      const b = fresh()
      return {
        args: [b, ring_buffer_peek(b, 0)!.event],
        probe: () => {
          usable(b)
        },
      }
    },
    names: ['buffer', 'event'],
  },
  ring_buffer_nest_start: B(() => [], [], {
    restore: (b) => {
      ftrace.ring_buffer_nest_end(b)
    },
  }),
  ring_buffer_nest_end: B((b) => (ftrace.ring_buffer_nest_start(b), []), []),
  // ---- reading
  ring_buffer_peek: cpuRow(),
  ring_buffer_consume: cpuRow(),
  ring_buffer_empty: B(() => [], []),
  ring_buffer_empty_cpu: cpuRow(),
  ring_buffer_alloc_read_page: cpuRow(),
  ring_buffer_free_read_page: B((b) => [0, ring_buffer_alloc_read_page(b, 0)], ['cpu', 'page']),
  ring_buffer_read_page: B(
    (b) => [ring_buffer_alloc_read_page(b, 0), 4096, 0, 0],
    ['page', 'len', 'cpu', 'full'],
    { ok: { full: ['negative', 'boolean'] } }, // the kernel's int: non-zero is true
  ),
  ring_buffer_read_page_data: {
    make: () => {
      const b = fresh()
      return {
        args: [ring_buffer_alloc_read_page(b, 0)],
        probe: () => {
          usable(b)
        },
      }
    },
    names: ['page'],
  },
  ring_buffer_read_start: B(() => [0], ['cpu']),
  ring_buffer_read_finish: I(false),
  ring_buffer_iter_peek: I(false),
  ring_buffer_iter_advance: I(false),
  ring_buffer_iter_reset: I(false),
  ring_buffer_iter_empty: I(false),
  ring_buffer_iter_dropped: I(false),
  'RingBufferIter#peek': I(true),
  'RingBufferIter#advance': I(true),
  'RingBufferIter#reset': I(true),
  'RingBufferIter#empty': I(true),
  'RingBufferIter#dropped': I(true),
  'RingBufferIter#finish': I(true),
  // ---- waiting (data is there: every wait ends at once)
  ring_buffer_wait: B(
    () => [0, 0, undefined, undefined, 10],
    ['cpu', 'full', 'cond', 'data', 'timeout'],
    {
      ok: { ...ALL, cond: ['undefined', 'function'], data: '*', timeout: ['undefined'] },
    },
  ),
  ring_buffer_wait_async: B(
    () => [0, 0, undefined, undefined, 10],
    ['cpu', 'full', 'cond', 'data', 'timeout'],
    { ok: { ...ALL, cond: ['undefined', 'function'], data: '*', timeout: ['undefined'] } },
  ),
  ring_buffer_poll_wait: B(() => [0, 0], ['cpu', 'full'], { ok: { ...ALL, full: ['undefined'] } }),
  ring_buffer_wake_waiters: B(() => [0], ['cpu'], { ok: ALL }),
  // ---- counters
  ring_buffer_entries: B(() => [], []),
  ring_buffer_entries_cpu: cpuRow(),
  ring_buffer_overruns: B(() => [], []),
  ring_buffer_overrun_cpu: cpuRow(),
  ring_buffer_commit_overrun_cpu: cpuRow(),
  ring_buffer_dropped_events_cpu: cpuRow(),
  ring_buffer_read_events_cpu: cpuRow(),
  ring_buffer_bytes_cpu: cpuRow(),
  ring_buffer_oldest_event_ts: cpuRow(),
  ring_buffer_nr_dirty_pages: cpuRow(),
  // ---- recording control
  ring_buffer_record_disable: B(() => [], [], {
    restore: (b) => {
      ring_buffer_record_enable(b)
    },
  }),
  ring_buffer_record_enable: B((b) => (ftrace.ring_buffer_record_disable(b), []), [], {
    restore: (b) => {
      ring_buffer_record_enable(b)
    },
  }),
  ring_buffer_record_off: B(() => [], [], {
    restore: (b) => {
      ring_buffer_record_on(b)
    },
  }),
  ring_buffer_record_on: B(() => [], []),
  ring_buffer_record_is_on: B(() => [], []),
  ring_buffer_record_is_set_on: B(() => [], []),
  ring_buffer_record_is_on_cpu: cpuRow(),
  ring_buffer_record_disable_cpu: cpuRow({
    restore: (b) => {
      ring_buffer_record_enable_cpu(b, 0)
    },
  }),
  ring_buffer_record_enable_cpu: B(
    (b) => (ftrace.ring_buffer_record_disable_cpu(b, 0), [0]),
    ['cpu'],
    {
      restore: (b) => {
        try {
          ring_buffer_record_enable_cpu(b, 0)
        } catch {
          // enabled by the call
        }
      },
    },
  ),
  ring_buffer_reset_cpu: cpuRow(),
  ring_buffer_reset: B(() => [], []),
  ring_buffer_reset_online_cpus: B(() => [], []),
  // ---- time
  ring_buffer_set_clock: B(() => [() => 5], ['clock'], { ok: { clock: ['function'] } }),
  ring_buffer_time_stamp: B(() => [], []),
  ring_buffer_normalize_time_stamp: B(() => [0, 1000], ['cpu', 'ts']),
  ring_buffer_set_time_stamp_abs: B(() => [false], ['abs'], { ok: { abs: ['boolean'] } }),
  ring_buffer_time_stamp_abs: B(() => [], []),
  ring_buffer_print_page_header: B(() => [], []),
  // ---- user-space mapping
  ring_buffer_map: cpuRow(),
  ring_buffer_unmap: B((b) => (ring_buffer_map(b, 0), [0]), ['cpu']),
  ring_buffer_map_get_reader: B((b) => (ring_buffer_map(b, 0), [0]), ['cpu']),
  'TraceBufferMapping#readerSubbuf': {
    make: () => {
      const b = fresh()
      return {
        self: ring_buffer_map(b, 0),
        args: [],
        probe: () => {
          usable(b)
        },
      }
    },
    names: [],
  },
  // ---- the TraceBuffer class
  'new RingBufferEvent': pure(() => [], []),
  'TraceBuffer.alloc': pure(() => [8192, true, { cpus: 2 }], ['size', 'overwrite', 'options'], {
    ok: { overwrite: ['undefined', 'boolean'], options: ['undefined', 'object'] },
  }),
  'TraceBuffer.attach': {
    make: () => {
      const b = fresh()
      return {
        args: [b.sab, { cpu: 1 }],
        probe: () => {
          usable(b)
        },
      }
    },
    freed: () => {
      const b = fresh()
      b.free()
      return { args: [b.sab] }
    },
    names: ['sab', 'options'],
    ok: { options: ['undefined', 'object'] },
  },
  'TraceBuffer#setCpu': M(() => [1], ['cpu']),
  'TraceBuffer#close': M(() => [], [], { freedOk: true }),
  'TraceBuffer#reserve': M(() => [8], ['length']),
  'TraceBuffer#commit': M((b) => (b.reserve(8), []), [], { freed: undefined }),
  'TraceBuffer#discard': M((b) => [b.reserve(8)], ['event'], { freed: undefined }),
  'TraceBuffer#write': M(() => [Uint8Array.of(1, 2, 3)], ['data'], { ok: { data: ['bytes'] } }),
  'TraceBuffer#nestStart': M(() => [], [], {
    restore: (b) => {
      b.nestEnd()
    },
  }),
  'TraceBuffer#nestEnd': M((b) => (b.nestStart(), []), []),
  'TraceBuffer#peek': M(() => [0], ['cpu']),
  'TraceBuffer#consume': M(() => [0], ['cpu']),
  'TraceBuffer#empty': M(() => [0], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'TraceBuffer#allocReadPage': M(() => [0], ['cpu']),
  'TraceBuffer#readPage': M((b) => [b.allocReadPage(0), false], ['page', 'full'], {
    ok: { full: ['undefined', 'boolean'] },
  }),
  'TraceBuffer#freeReadPage': M((b) => [b.allocReadPage(0)], ['page']),
  'TraceBuffer#readStart': M(() => [0], ['cpu']),
  'TraceBuffer#wait': M(() => [0, 0, 10], ['cpu', 'full', 'timeout'], {
    ok: { cpu: ['negative'], full: ['undefined'], timeout: ['undefined'] },
  }),
  'TraceBuffer#wakeWaiters': M(() => [0], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'TraceBuffer#counters': M(() => [0], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'TraceBuffer#recordDisable': M(() => [0], ['cpu'], {
    ok: { cpu: ['undefined', 'negative'] },
    restore: (b) => {
      for (const c of [-1, 0, 1])
        try {
          b.recordEnable(c)
        } catch {
          // not disabled there
        }
    },
  }),
  'TraceBuffer#recordEnable': M((b) => (b.recordDisable(0), [0]), ['cpu'], {
    ok: { cpu: ['undefined', 'negative'] },
    restore: (b) => {
      try {
        b.recordEnable(0)
      } catch {
        // enabled by the call
      }
    },
  }),
  'TraceBuffer#recordOff': M(() => [], [], {
    restore: (b) => {
      b.recordOn()
    },
  }),
  'TraceBuffer#recordOn': M(() => [], []),
  'TraceBuffer#isOn': M(() => [0], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'TraceBuffer#reset': M(() => [0], ['cpu'], { ok: { cpu: ['undefined', 'negative'] } }),
  'TraceBuffer#resize': M(() => [16384], ['size']),
  'TraceBuffer#map': M(() => [0], ['cpu']),
  'TraceBuffer#unmap': M((b) => (b.map(0), [0]), ['cpu']),
  'TraceBuffer#getReader': M((b) => (b.map(0), [0]), ['cpu']),
  'TraceBuffer#pageHeader': M(() => [], []),
  'TraceBuffer#free': { make: () => ({ self: fresh(), args: [] }), names: [] },
  // ---- kbuffer (kbuffer.ts)
  kbuffer_alloc: pure(
    () => [ftrace.KBUFFER_LSIZE_8, ftrace.KBUFFER_ENDIAN_LITTLE],
    ['size', 'endian'],
  ),
  kbuffer_free: K(() => [], []),
  kbuffer_load_subbuffer: K((page) => [page], ['subbuffer']),
  kbuffer_read_event: K(() => [{ value: 0 }], ['ts'], { ok: { ts: OUT }, shallow: ['ts'] }),
  kbuffer_next_event: K(() => [{ value: 0 }], ['ts'], { ok: { ts: OUT }, shallow: ['ts'] }),
  kbuffer_timestamp: K(() => [], []),
  kbuffer_subbuf_timestamp: K((page) => [page], ['subbuf']),
  kbuffer_ptr_delta: K((page) => [page.subarray(16)], ['ptr']),
  kbuffer_translate_data: pure(
    () => [0, rawSubbuf().bytes.subarray(16), { value: 0 }],
    ['swap', 'data', 'size'],
    {
      ok: { size: ['object', 'bytes'] },
      shallow: ['size'],
      // swapped, the little-endian record reads as one that runs past the bytes
      aka: { swap: ['data'] },
    },
  ),
  kbuffer_read_at_offset: K(() => [16, { value: 0 }], ['offset', 'ts'], {
    ok: { offset: ['negative'], ts: OUT },
    shallow: ['ts'],
  }),
  kbuffer_subbuffer_size: K(() => [], []),
  kbuffer_curr_index: K(() => [], []),
  kbuffer_curr_offset: K(() => [], []),
  kbuffer_event_size: K(() => [], []),
  kbuffer_curr_size: K(() => [], []),
  kbuffer_missed_events: K(() => [], []),
  kbuffer_set_old_format: K(() => [], []),
  kbuffer_start_of_data: K(() => [], []),
  kbuffer_raw_get: K(
    (page) => [page, { type: 0, length: 0, delta: 0, next: 16 }],
    ['subbuf', 'info'],
    {
      // outputs; a `next` outside the page's data gives NULL, as C
      ok: {
        'info.type': '*',
        'info.length': '*',
        'info.delta': '*',
        'info.next': ['negative', 'huge'],
        subbuf: ['bytes'],
      },
    },
  ),
  kbuffer_dup: K(() => [], []),
  kbuffer_subbuffer: K(() => [], []),
  kbuffer_refresh: K(() => [], []),
  kbuffer_read_buffer: K(() => [page4k(), 4096], ['buffer', 'len']),
  // ---- tracefs_cpu (tracefs-cpu.ts)
  tracefs_cpu_open: B(() => [0, true], ['cpu', 'nonblock']),
  tracefs_cpu_close: T(() => [], []),
  tracefs_cpu_read_size: T(() => [], []),
  tracefs_cpu_read: T(() => [page4k(), true], ['buffer', 'nonblock']),
  tracefs_cpu_buffered_read: T(() => [page4k(), true], ['buffer', 'nonblock']),
  tracefs_cpu_flush: T(() => [page4k()], ['buffer']),
  tracefs_cpu_stop: T(() => [], []),
  tracefs_cpu_write: T(() => [devNull(), true], ['wfd', 'nonblock'], { ok: { wfd: ['huge'] } }),
  tracefs_cpu_flush_write: T(() => [devNull()], ['wfd'], { ok: { wfd: ['huge'] } }),
  tracefs_cpu_map: T(() => [], []),
  tracefs_cpu_unmap: T(() => [], []),
  tracefs_cpu_is_mapped: T(() => [], []),
}

describe('@onering/ftrace misuse table', () => {
  checkTable('@onering/ftrace', ftrace, table)
})
