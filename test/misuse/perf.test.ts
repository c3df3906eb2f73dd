/**
 * The misuse table of `@onering/perf` (see `table.ts`): every exported function (the kernel's
 * and libperf's names, the record emitters and decoders, the attr codec), constructor and
 * public method, called with bad arguments; after each call on an event, the event must still
 * output a sample that its consumer reads back.
 */
import { describe, expect } from 'vitest'
import * as perf from '@onering/perf'
import {
  MAP_SHARED,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_IP,
  PROT_READ,
  PROT_WRITE,
  PerfEventMmapPage,
  PerfMmap,
  mmap,
  perf_aux_output_begin,
  perf_event_open,
  perf_event_output_ip,
  perf_evlist__add,
  perf_evlist__mmap,
  perf_evlist__new,
  perf_evlist__open,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_head,
  perf_mmap__read_init,
  recordContext,
  type PerfAuxMapping,
  type PerfEvent,
  type PerfEventAttrInit,
  type PerfMapping,
} from '@onering/perf'
import { checkTable, type Row, type Table } from './table.js'

const PAGE = 4096
const RW = PROT_READ | PROT_WRITE
const ATTR: PerfEventAttrInit = { sample_type: PERF_SAMPLE_IP, sample_period: 1 }
/** what the side-band emitters need: COMM, MMAP2 and SWITCH tracking on */
const SIDEBAND: PerfEventAttrInit = {
  ...ATTR,
  comm: true,
  mmap: true,
  mmap2: true,
  context_switch: true,
}

interface Env {
  ev: PerfEvent
  m: PerfMapping
  map: PerfMmap
}

function env(): Env {
  const ev = perf_event_open(SIDEBAND, 0, 0)
  const m = mmap(ev, 2 * PAGE, RW)
  return { ev, m, map: new PerfMmap(m.bytes) }
}

/** The event still works: a sample it outputs is the last record its consumer reads. */
function usable({ ev, m }: Env): void {
  const map = new PerfMmap(m.bytes)
  const ip = 0x1234n + BigInt(Math.floor(Math.random() * 1000))
  expect(perf_event_output_ip(ev, ip)).toBe(true)
  expect(perf_mmap__read_head(map)).toBeGreaterThan(0n)
  perf_mmap__read_init(map)
  let last: { type: number; ip: bigint } | null = null
  for (let e = perf_mmap__read_event(map); e; e = perf_mmap__read_event(map)) {
    const b = e.bytes
    const type = e.header.type
    const ip =
      type === PERF_RECORD_SAMPLE ? new DataView(b.buffer, b.byteOffset).getBigUint64(8, true) : 0n
    last = { type, ip }
    perf_mmap__consume(map)
  }
  perf_mmap__read_done(map)
  expect(last).toEqual({ type: PERF_RECORD_SAMPLE, ip })
}

/** A row whose first argument is an open, mapped event. */
function EV(rest: (e: Env) => unknown[], names: string[], extra: Partial<Row> = {}): Row {
  return {
    aka: { event: ['fd'] }, // the kernel's word for an event
    make: () => {
      const e = env()
      return {
        args: [e.ev, ...rest(e)],
        probe: () => {
          usable(e)
        },
      }
    },
    names: ['event', ...names],
    ...extra,
  }
}

/** A row on the consumer of an event's ring (one record ready): its first argument, or `this`. */
function mapRow(
  asThis: boolean,
  rest: (e: Env) => unknown[],
  names: string[],
  extra: Partial<Row>,
): Row {
  return {
    make: () => {
      const e = env()
      perf_event_output_ip(e.ev, 0x99n)
      const a = rest(e)
      return {
        ...(asThis ? { self: e.map, args: a } : { args: [e.map, ...a] }),
        probe: () => {
          usable(e)
        },
      }
    },
    names: asThis ? names : ['map', ...names],
    ...extra,
  }
}
const MAP = (rest: (e: Env) => unknown[], names: string[], extra: Partial<Row> = {}): Row =>
  mapRow(false, rest, names, extra)
const MAPM = (rest: (e: Env) => unknown[], names: string[], extra: Partial<Row> = {}): Row =>
  mapRow(true, rest, names, extra)

/** An event with an AUX area mapped. */
function auxEnv(): Env & { aux: PerfAuxMapping } {
  const ev = perf_event_open({ ...ATTR }, -1, 0)
  const MAIN = 3 * PAGE
  const m = mmap(ev, MAIN, RW)
  const pc = new PerfEventMmapPage(m.bytes)
  pc.aux_offset = BigInt(MAIN)
  pc.aux_size = BigInt(2 * PAGE)
  const aux = mmap(ev, 2 * PAGE, RW, MAP_SHARED, MAIN) as PerfAuxMapping
  return { ev, m, map: new PerfMmap(m.bytes), aux }
}

function AUX(rest: () => unknown[], names: string[], extra: Partial<Row> = {}): Row {
  return {
    make: () => {
      const e = auxEnv()
      const h = perf_aux_output_begin(e.ev)
      return {
        args: [h, ...rest()],
        probe: () => {
          usable(e)
        },
      }
    },
    names: ['handle', ...names],
    ...extra,
  }
}

function auxMmap(): perf.PerfAuxMmap {
  const e = auxEnv()
  const h = perf_aux_output_begin(e.ev)!
  perf.perf_aux_output_write(h, new Uint8Array(64).fill(7))
  perf.perf_aux_output_end(h, 64)
  return new perf.PerfAuxMmap(e.m.bytes, e.aux.bytes)
}

function AUXM(rest: () => unknown[], names: string[], extra: Partial<Row> = {}): Row {
  return { make: () => ({ args: [auxMmap(), ...rest()] }), names: ['mm', ...names], ...extra }
}

function evlist(): perf.PerfEvlist {
  const l = perf_evlist__new()
  perf_evlist__add(l, { ...ATTR, sample_type: PERF_SAMPLE_IP | perf.PERF_SAMPLE_ID })
  perf_evlist__open(l, [0])
  perf_evlist__mmap(l, 2)
  return l
}
const EL = (
  rest: (l: perf.PerfEvlist) => unknown[],
  names: string[],
  extra: Partial<Row> = {},
): Row => ({
  make: () => {
    const l = evlist()
    return { args: [l, ...rest(l)] }
  },
  names: ['evlist', ...names],
  shallow: ['evlist'], // an opaque handle: its members are not arguments
  ...extra,
})

/** `{}` is a complete attr: every field has its default (0). */
const ATTR_EMPTY = { attr: ['object'], init: ['object'] } as const
/** A capability bit that is not set is named by the kernel's `cap_user_time*` field. */
const CAP_NAMES = { 'tc.capabilities': ['cap_user_time', 'cap_user_time_zero'] }
const pure = (args: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => ({ args: args() }),
  names,
  ...extra,
})

// ---- the side-band records: valid fields of each kind, for sizeOfX / writeX
const ctx = (): perf.PerfRecordContext => recordContext({ sample_type: PERF_SAMPLE_IP })
const RECORDS: Record<string, () => Record<string, unknown>> = {
  Mmap: () => ({ pid: 1, tid: 1, addr: 0x1000n, len: 0x1000n, pgoff: 0n, filename: '/bin/x' }),
  Lost: () => ({ id: 1n, lost: 2n }),
  Comm: () => ({ pid: 1, tid: 1, comm: 'x' }),
  Exit: () => ({ pid: 1, ppid: 1, tid: 1, ptid: 1, time: 5n }),
  Fork: () => ({ pid: 1, ppid: 1, tid: 1, ptid: 1, time: 5n }),
  Throttle: () => ({ time: 1n, id: 1n, stream_id: 1n }),
  Unthrottle: () => ({ time: 1n, id: 1n, stream_id: 1n }),
  Read: () => ({ pid: 1, tid: 1, values: { value: 5n } }),
  Sample: () => ({ ip: 0x1234n }),
  Mmap2: () => ({
    pid: 1,
    tid: 1,
    addr: 0x1000n,
    len: 0x1000n,
    pgoff: 0n,
    maj: 8,
    min: 1,
    ino: 5n,
    ino_generation: 0n,
    prot: 5,
    flags: 2,
    filename: '/bin/x',
  }),
  Aux: () => ({ aux_offset: 0n, aux_size: 64n, flags: 0 }),
  ItraceStart: () => ({ pid: 1, tid: 1 }),
  LostSamples: () => ({ lost: 3n }),
  Switch: () => ({}),
  SwitchCpuWide: () => ({ next_prev_pid: 1, next_prev_tid: 1 }),
  Namespaces: () => ({ pid: 1, tid: 1, namespaces: [{ dev: 1n, inode: 2n }] }),
  Ksymbol: () => ({ addr: 0x1000n, len: 16, ksym_type: 1, flags: 0, name: 'f' }),
  BpfEvent: () => ({ event_type: 1, flags: 0, id: 1, tag: new Uint8Array(8) }),
  Cgroup: () => ({ id: 1n, path: '/' }),
  TextPoke: () => ({ addr: 0x1000n, old_bytes: Uint8Array.of(1), new_bytes: Uint8Array.of(2) }),
  AuxOutputHwId: () => ({ hw_id: 1n }),
}
const recordRows: Table = {}
/**
 * What the bad values of a kind's fields mean: documented values of the same shape (an empty
 * SWITCH, an empty namespaces list, any bytes of a TEXT_POKE), and the names an error may give.
 */
const RECORD_EXTRA: Record<string, Partial<Row>> = {
  Switch: { ok: { fields: ['object'] } }, // every SWITCH field is optional
  Namespaces: { ok: { 'fields.namespaces': ['array'] } }, // nr_namespaces 0
  TextPoke: { ok: { 'fields.old_bytes': ['bytes'], 'fields.new_bytes': ['bytes'] } },
  // a values object without its `value`: the error names the missing READ.values.value
  Read: { aka: { 'fields.values': ['READ.values.value'] } },
}
for (const [kind, fields] of Object.entries(RECORDS)) {
  const extra = RECORD_EXTRA[kind] ?? {}
  recordRows[`sizeOf${kind}`] = pure(() => [fields(), ctx()], ['fields', 'ctx'], {
    shallow: ['ctx'],
    ...extra,
  })
  recordRows[`write${kind}`] = pure(
    () => [new DataView(new ArrayBuffer(512)), 8, fields(), ctx()],
    ['view', 'offset', 'fields', 'ctx'],
    // "does not fit in the view"
    { shallow: ['ctx'], ...extra, aka: { offset: ['view'], ...extra.aka } },
  )
}
/** A PERF_RECORD_LOST_SAMPLES {lost = 1} written by hand, for perf_event_emit. */
function writeLostSamples(dv: DataView, off: number): void {
  dv.setUint32(off, perf.PERF_RECORD_LOST_SAMPLES, true)
  dv.setUint16(off + 6, 16, true)
  dv.setBigUint64(off + 8, 1n, true)
}
const lostAsRecord = (): Record<string, unknown> => ({
  type: perf.PERF_RECORD_LOST,
  id: 1n,
  lost: 2n,
})

const table: Table = {
  ...recordRows,
  sizeOfRecord: pure(() => [lostAsRecord(), ctx()], ['record', 'ctx'], { shallow: ['ctx'] }),
  writeRecord: pure(
    () => [new DataView(new ArrayBuffer(512)), 8, lostAsRecord(), ctx()],
    ['view', 'offset', 'record', 'ctx'],
    { shallow: ['ctx'], aka: { offset: ['view'] } }, // "does not fit in the view"
  ),
  decodeRecordHeader: pure(() => {
    const v = new DataView(new ArrayBuffer(64))
    perf.writeLost(v, 0, { id: 1n, lost: 2n }, ctx())
    return [v, 0]
  }, ['view', 'offset']),
  decodeRecord: pure(
    () => {
      const v = new DataView(new ArrayBuffer(64))
      perf.writeLost(v, 0, { id: 1n, lost: 2n }, ctx())
      return [v, 0, ctx()]
    },
    ['view', 'offset', 'ctx'],
    { shallow: ['ctx'] },
  ),
  recordContext: pure(() => [{ sample_type: PERF_SAMPLE_IP }, 1], ['attr', 'read_group_size'], {
    ok: { ...ATTR_EMPTY, read_group_size: ['undefined'] },
  }),
  sampleIdSize: pure(() => [ctx()], ['ctx'], { shallow: ['ctx'] }),
  // ---- attr
  makeAttr: pure(() => [{ ...ATTR }], ['init'], { ok: ATTR_EMPTY, aka: { init: ['attr'] } }),
  encodeAttr: pure(() => [{ ...ATTR }], ['attr'], { ok: ATTR_EMPTY }),
  decodeAttr: pure(() => [perf.encodeAttr(ATTR)], ['bytes']),
  effectiveAttrSize: pure(() => [128], ['size']),
  readFormatSize: pure(() => [0, 1], ['read_format', 'nr'], { ok: { nr: ['undefined'] } }),
  validateAttr: pure(() => [{ ...ATTR }, { group_size: 1 }], ['attr', 'options'], {
    ok: { ...ATTR_EMPTY, options: ['undefined', 'object'] },
  }),
  // ---- control page and time
  decodeCapabilities: pure(() => [0n], ['capabilities']),
  'new PerfEventMmapPage': pure(() => [new Uint8Array(PAGE)], ['bytes']),
  'PerfEventMmapPage#decode': {
    make: () => ({ self: new PerfEventMmapPage(new Uint8Array(PAGE)), args: [] }),
    names: [],
  },
  decodeControlPage: pure(() => [new Uint8Array(PAGE)], ['bytes']),
  initControlPage: pure(
    () => [new Uint8Array(2 * PAGE), PAGE, PAGE],
    ['bytes', 'dataSize', 'pageSize'],
    {
      ok: { pageSize: ['undefined'] },
    },
  ),
  readSelf: pure(
    () => [new PerfEventMmapPage(new Uint8Array(PAGE)), { maxTries: 3 }],
    ['page', 'options'],
    {
      ok: { page: ['bytes'], options: ['undefined', 'object'] },
    },
  ),
  writeSelf: pure(
    () => [new PerfEventMmapPage(new Uint8Array(PAGE)), { index: 1 }],
    ['page', 'update'],
    {
      ok: { update: ['object'] },
    },
  ),
  cyclesToPerfTime: pure(
    () => [{ capabilities: 24n, time_shift: 10, time_mult: 1000, time_zero: 5n }, 100n],
    ['tc', 'cyc'],
    { aka: CAP_NAMES },
  ),
  perfTimeToCycles: pure(
    () => [{ capabilities: 24n, time_shift: 10, time_mult: 1000, time_zero: 5n }, 100n],
    ['tc', 'time'],
    { aka: CAP_NAMES },
  ),
  cyclesToTimeDelta: pure(
    () => [{ capabilities: 24n, time_shift: 10, time_mult: 1000, time_zero: 5n }, 100n],
    ['tc', 'cyc'],
    // a delta does not use time_zero
    { ok: { 'tc.time_zero': '*' }, aka: CAP_NAMES },
  ),
  // ---- the consumer (libperf)
  'new PerfMmap': {
    make: () => {
      const e = env()
      return {
        args: [e.m.bytes, { overwrite: false }],
        probe: () => {
          usable(e)
        },
      }
    },
    names: ['bytes', 'options'],
    ok: { options: ['undefined', 'object'] },
  },
  perf_mmap__mmap_len: MAP(() => [], []),
  perf_mmap__read_head: MAP(() => [], []),
  perf_mmap__write_tail: MAP((e) => [perf_mmap__read_head(e.map)], ['tail']),
  perf_mmap__read_init: MAP(() => [], []),
  perf_mmap__read_event: MAP((e) => (perf_mmap__read_init(e.map), []), []),
  perf_mmap__consume: MAP(() => [], []),
  perf_mmap__read_done: MAP(() => [], []),
  perf_mmap__get: MAP(() => [], []),
  perf_mmap__put: MAP((e) => (perf.perf_mmap__get(e.map), []), []),
  perf_mmap__munmap: MAP(() => [], []),
  'PerfMmap#readHead': MAPM(() => [], []),
  'PerfMmap#writeTail': MAPM((e) => [perf_mmap__read_head(e.map)], ['tail']),
  'PerfMmap#readInit': MAPM(() => [], []),
  'PerfMmap#readEvent': MAPM((e) => (perf_mmap__read_init(e.map), []), []),
  'PerfMmap#consume': MAPM(() => [], []),
  'PerfMmap#readDone': MAPM(() => [], []),
  'PerfMmap#get': MAPM(() => [], []),
  'PerfMmap#put': MAPM((e) => (perf.perf_mmap__get(e.map), []), []),
  'PerfMmap#munmap': MAPM(() => [], []),
  // ---- the ring client
  'new PerfClient': pure(() => [PAGE], ['pageSize'], { ok: { pageSize: ['undefined'] } }),
  ...Object.fromEntries(
    [
      'cpuAreaBytes',
      'cpuAreaInit',
      'maxPayload',
      'recordSize',
      'writeRecord',
      'endPadding',
      'discard',
      'decode',
      'lossRecordSize',
      'writeLoss',
    ].map((m) => [
      `PerfClient#${m}`,
      {
        make: () => ({ self: new perf.PerfClient(PAGE), args: [] }),
        names: [],
        engineOnly: 'a RingClient callback: the engine calls it with the arguments it computed',
      },
    ]),
  ),
  // ---- the kernel side
  'new PerfError': pure(() => ['EINVAL', 'x: bad', 'x'], ['errno', 'message', 'field'], {
    ok: { message: '*', field: '*' },
  }),
  'PerfClient#register': {
    make: () => ({ self: new perf.PerfClient(PAGE), args: [perf_event_open(ATTR, 0, 0)] }),
    names: ['event'],
  },
  'PerfEvent#sampleId': {
    make: () => {
      const e = env()
      return {
        self: e.ev,
        args: [5],
        probe: () => {
          usable(e)
        },
      }
    },
    names: ['time'],
  },
  perf_event_open: pure(
    () => [{ ...ATTR }, 0, 0, -1, 0, {}],
    ['attr', 'pid', 'cpu', 'group_fd', 'flags', 'options'],
    {
      ok: {
        pid: ['negative'],
        cpu: ['negative'],
        group_fd: ['negative', 'undefined'],
        flags: ['undefined'],
        options: ['undefined', 'object'],
        ...ATTR_EMPTY,
      },
    },
  ),
  mmap: {
    make: () => {
      const ev = perf_event_open(ATTR, 0, 0)
      return { args: [ev, 2 * PAGE, RW, MAP_SHARED, 0] }
    },
    names: ['event', 'length', 'prot', 'flags', 'offset'],
    aka: { event: ['fd'] },
    ok: { flags: ['undefined'], offset: ['undefined'] },
  },
  munmap: { make: () => ({ args: [env().m] }), names: ['mapping'] },
  // close(2): the event is gone afterwards, so no probe of it
  close: { make: () => ({ args: [perf_event_open(ATTR, 0, 0)] }), names: ['event'] },
  perfRawSize: pure(() => [20], ['length']),
  ioctl: EV(() => [perf.PERF_EVENT_IOC_ENABLE, 0], ['request', 'arg'], { ok: { arg: '*' } }),
  perf_event_output: EV(() => [{ ip: 5n }], ['sample']),
  perf_event_output_ip: EV(() => [5n, 1n, 1n], ['ip', 'time', 'period'], {
    ok: { time: ['undefined'], period: ['undefined'] },
  }),
  perf_event_emit: EV(() => [16, writeLostSamples, 1n], ['size', 'write', 'time'], {
    ok: { write: ['function'], time: ['undefined'] },
  }),
  perf_event_comm: EV(() => [{ pid: 1, tid: 1, comm: 'x' }, 1n], ['fields', 'time'], {
    ok: { time: ['undefined'] },
  }),
  perf_event_mmap2: EV(() => [RECORDS['Mmap2']!(), 1n], ['fields', 'time'], {
    ok: { time: ['undefined'] },
  }),
  perf_event_switch: EV(() => [{}, 1n], ['fields', 'time'], {
    ok: { fields: ['undefined', 'object'], time: ['undefined'] },
  }),
  perf_event_poll: EV(() => [], []),
  perf_event_wait: EV(() => [10], ['timeoutMs']),
  // ---- evlist
  perf_evlist__new: pure(() => [], []),
  perf_evlist__add: pure(() => [perf_evlist__new(), { ...ATTR }], ['evlist', 'attr'], {
    shallow: ['evlist'],
    ok: ATTR_EMPTY,
  }),
  perf_evlist__open: pure(
    () => {
      const l = perf_evlist__new()
      perf_evlist__add(l, ATTR)
      return [l, [0]]
    },
    ['evlist', 'cpus'],
    { shallow: ['evlist'] },
  ),
  perf_evlist__mmap: pure(
    () => {
      const l = perf_evlist__new()
      perf_evlist__add(l, ATTR)
      perf_evlist__open(l, [0])
      return [l, 2]
    },
    ['evlist', 'pages'],
    { shallow: ['evlist'] },
  ),
  // null asks for the first map
  perf_evlist__next_mmap: EL(() => [null, false], ['map', 'overwrite'], { ok: { map: ['null'] } }),
  perf_evlist__for_each_mmap: EL(() => [false, () => undefined], ['overwrite', 'fn'], {
    ok: { fn: ['function'] },
  }),
  perf_evlist__mmaps: EL(() => [false], ['overwrite']),
  perf_evlist__id2evsel: EL((l) => [l.entries[0]!.fds[0]!.id], ['id']),
  perf_evlist__enable: EL(() => [], []),
  perf_evlist__disable: EL(() => [], []),
  perf_evlist__munmap: EL(() => [], []),
  perf_evlist__close: EL(() => [], []),
  // ---- AUX
  perf_aux_output_begin: {
    make: () => {
      const e = auxEnv()
      return {
        args: [e.ev],
        probe: () => {
          usable(e)
        },
      }
    },
    names: ['event'],
  },
  perf_aux_output_write: AUX(() => [new Uint8Array(16)], ['bytes'], { ok: { bytes: ['bytes'] } }),
  perf_aux_output_flag: AUX(() => [0], ['flags']),
  perf_aux_output_skip: AUX(() => [8], ['size']),
  perf_aux_output_end: AUX(() => [16, 1n], ['size', 'time'], {
    ok: { size: ['undefined'], time: ['undefined'] },
  }),
  'new PerfAuxMmap': {
    make: () => {
      const e = auxEnv()
      return { args: [e.m.bytes, e.aux.bytes, { snapshot: false }] }
    },
    names: ['control', 'aux', 'options'],
    ok: { options: ['undefined', 'object'] },
  },
  auxtrace_mmap__read_head: AUXM(() => [], []),
  auxtrace_mmap__read_tail: AUXM(() => [], []),
  auxtrace_mmap__write_tail: AUXM(() => [0], ['tail']),
  auxtrace_mmap__read: AUXM(() => [() => undefined], ['fn'], { ok: { fn: ['function'] } }),
  auxtrace_mmap__read_snapshot: {
    make: () => {
      const e = auxEnv()
      return {
        args: [
          new perf.PerfAuxMmap(e.m.bytes, e.aux.bytes, { snapshot: true }),
          64,
          () => undefined,
        ],
      }
    },
    names: ['mm', 'snapshot_size', 'fn'],
    ok: { fn: ['function'] },
  },
}

describe('@onering/perf misuse table', () => {
  checkTable('@onering/perf', perf, table)
})
