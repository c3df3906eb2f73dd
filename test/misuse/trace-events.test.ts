/**
 * The misuse table of `@onering/trace-events` (see `table.ts`): every exported function,
 * constructor and public method — the format parser, field decoder, printer, encoder, id
 * allocator and the tracing-data block — called with bad arguments.
 */
import { describe } from 'vitest'
import * as te from '@onering/trace-events'
import {
  EventEncoder,
  EventIdAllocator,
  EventPrinter,
  Kallsyms,
  entryHeaderText,
  pageHeaderText,
  writeTracingData,
  type EventDefinition,
  type EventSpec,
} from '@onering/trace-events'
import { checkTable, type Row, type Table } from './table.js'

const spec = (): EventSpec => ({
  system: 'onering',
  name: 'span',
  fields: [
    { name: 'seq', type: 'u32' },
    { name: 'dur', type: 'u64' },
    { name: 'name', type: 'string' },
    { name: 'tag', type: 'char', array: 8 },
  ],
})
const def = (): EventDefinition => te.layoutEvent(spec(), 1000)
let nextId = 50000
/** A definition with an id no other call used: a tracepoint with no probe yet. */
const freshDef = (): EventDefinition => te.layoutEvent(spec(), nextId++)
/** One encoded event of `def()`: its bytes, and where it lies. */
function encoded(): { bytes: Uint8Array; length: number } {
  const enc = new EventEncoder(def())
  const bytes = new Uint8Array(256)
  enc.begin(bytes, new DataView(bytes.buffer), 0, 256, 7)
  enc.setNumber(0, 5)
  enc.setString(2, 'abc')
  return { bytes, length: enc.end() }
}
const field = (): te.FormatField => te.findField(def().format, 'seq')!
const tracingData = (): te.TracingData => ({
  version: te.TRACE_DAT_VERSION_6,
  bigEndian: false,
  longSize: 8,
  pageSize: 4096,
  headerPage: pageHeaderText(),
  headerEvent: entryHeaderText(),
  ftraceFormats: [],
  systems: [{ name: 'onering', formats: [def().formatText] }],
  kallsyms: '',
  printkFormats: '',
  cmdlines: '',
})
const KALLSYMS = 'ffffffff81000000 T _stext\nffffffff81000100 T start_kernel\n'

/** A `bytes` too short for the payload: the error names the payload's `length` that runs past it. */
const SHORT_BYTES = { bytes: ['length'] }
const pure = (args: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => ({ args: args() }),
  names,
  ...extra,
})
const method = (
  self: () => unknown,
  args: () => unknown[],
  names: string[],
  extra: Partial<Row> = {},
): Row => ({
  make: () => ({ self: self(), args: args() }),
  names,
  ...extra,
})
/** An encoder with an event begun. */
function begun(): EventEncoder {
  const enc = new EventEncoder(def())
  const bytes = new Uint8Array(256)
  enc.begin(bytes, new DataView(bytes.buffer), 0, 256, 7)
  return enc
}
const decodeArgs = (): unknown[] => {
  const e = encoded()
  return [e.bytes, 0, e.length]
}

/** A tep handle with `def()` parsed, its event, and a record of `encoded()`. */
function tepWith(): { tep: te.TepHandle; event: te.TepEvent; record: te.TepRecord } {
  const tep = te.tep_alloc()
  const ev = { value: null as te.TepEvent | null }
  te.tep_parse_format(tep, ev, def().formatText, undefined, 'onering')
  const e = encoded()
  return { tep, event: ev.value!, record: { ts: 1000, cpu: 0, size: e.length, data: e.bytes } }
}
const seq = (): te.TraceSeq => new te.TraceSeq()
const freedTep = (): te.TepHandle => {
  const t = te.tep_alloc()
  te.tep_free(t)
  return t
}
const tepRow = (args: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => ({ args: [tepWith().tep, ...args()] }),
  names: ['tep', ...names],
  freed: () => ({ args: [freedTep(), ...args()] }),
  ...extra,
})
const eventRow = (args: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => ({ args: [tepWith().event, ...args()] }),
  names: ['event', ...names],
  ...extra,
})
/** s, event, name, record, out, err — the field getters' arguments */
const getterRow = (name: string, out: () => unknown): Row => ({
  make: () => {
    const w = tepWith()
    return { args: [seq(), w.event, name, w.record, out(), 1] }
  },
  names: ['s', 'event', 'name', 'record', name === 'seq' ? 'val' : 'len', 'err'],
  // an out-parameter is any object the call can store into (C: a pointer); `err` is C's int;
  // a field name that is not there gives -1 / null
  ok: {
    s: ['null'],
    err: ['boolean', 'negative', 'huge'],
    name: ['string'],
    ...(name === 'seq'
      ? { val: ['object', 'bytes'] }
      : { len: ['null', 'undefined', 'object', 'bytes'] }),
  },
  shallow: ['record', 'val', 'len'],
})

const table: Table = {
  // ---- errors (messages are free text)
  'new EventFormatError': pure(() => ['x: bad', 3], ['message', 'line'], { ok: { message: '*' } }),
  'new PrintFmtError': pure(() => ['x: bad', 3], ['message', 'position'], { ok: { message: '*' } }),
  'new TracingDataError': pure(() => ['header', 3, 'bad'], ['section', 'offset', 'message'], {
    ok: { message: '*' },
  }),
  // ---- texts and formats
  pageHeaderText: pure(() => [4096], ['subbufSize'], { ok: { subbufSize: ['undefined'] } }),
  entryHeaderText: pure(() => [], []),
  parseEventFormat: pure(
    () => [def().formatText, 'onering', { longSize: 8 }],
    ['text', 'system', 'options'],
    {
      ok: { options: ['undefined', 'object'] },
    },
  ),
  findField: pure(() => [def().format, 'seq'], ['format', 'name'], { shallow: ['format'] }),
  findCommonField: pure(() => [def().format, 'common_pid'], ['format', 'name'], {
    shallow: ['format'],
  }),
  findAnyField: pure(() => [def().format, 'seq'], ['format', 'name'], { shallow: ['format'] }),
  parsePrintFmt: pure(() => ['"%d", REC->seq'], ['text']),
  // ---- decoding
  readNumber: pure(() => [new DataView(new ArrayBuffer(16)), 0, 4], ['view', 'at', 'size'], {
    ok: { size: '*' }, // "other sizes give 0, as libtraceevent does"
  }),
  readNumberField: pure(() => [field(), ...decodeArgs()], ['field', 'bytes', 'base', 'length'], {
    shallow: ['field'],
    aka: SHORT_BYTES,
  }),
  fieldLocation: pure(() => [field(), ...decodeArgs()], ['field', 'bytes', 'base', 'length'], {
    shallow: ['field'],
    aka: SHORT_BYTES,
  }),
  readField: pure(() => [field(), ...decodeArgs()], ['field', 'bytes', 'base', 'length'], {
    shallow: ['field'],
    aka: SHORT_BYTES,
  }),
  decodeEvent: pure(() => [def().format, ...decodeArgs()], ['format', 'bytes', 'base', 'length'], {
    shallow: ['format'],
    aka: SHORT_BYTES,
  }),
  'new EventPrinter': pure(() => [def().format, { encoding: 'utf-8' }], ['format', 'options'], {
    shallow: ['format'],
    ok: { options: ['undefined', 'object'] },
  }),
  'EventPrinter#print': method(
    () => new EventPrinter(def().format),
    decodeArgs,
    ['bytes', 'base', 'length'],
    { aka: SHORT_BYTES },
  ),
  // ---- definitions and ids
  'new EventIdAllocator': pure(() => [1000], ['first'], { ok: { first: ['undefined'] } }),
  'EventIdAllocator#isTaken': method(
    () => new EventIdAllocator(),
    () => [1000],
    ['id'],
  ),
  'EventIdAllocator#reserve': method(
    () => new EventIdAllocator(),
    () => [1000],
    ['id'],
  ),
  'EventIdAllocator#next': method(
    () => new EventIdAllocator(),
    () => [],
    [],
  ),
  // an event may have no fields of its own
  defineEvent: pure(() => [spec(), new EventIdAllocator()], ['spec', 'ids'], {
    ok: { 'spec.fields': ['array'] },
  }),
  layoutEvent: pure(() => [spec(), 1000], ['spec', 'id'], { ok: { 'spec.fields': ['array'] } }),
  printEventSize: pure(() => ['hello'], ['text']),
  stringFieldSize: pure(() => ['hello'], ['text']),
  // ---- encoding
  'new EventEncoder': pure(() => [def()], ['definition'], { shallow: ['definition'] }),
  'EventEncoder#size': method(
    () => new EventEncoder(def()),
    () => [4],
    ['dynamicBytes'],
    {
      ok: { dynamicBytes: ['undefined'] },
    },
  ),
  'EventEncoder#begin': method(
    () => new EventEncoder(def()),
    () => {
      const bytes = new Uint8Array(256)
      return [bytes, new DataView(bytes.buffer), 0, 256, 7, 0, 0]
    },
    ['bytes', 'view', 'offset', 'capacity', 'pid', 'flags', 'preemptCount'],
    // common_pid is the kernel's int
    { ok: { pid: ['negative'], flags: ['undefined'], preemptCount: ['undefined'] } },
  ),
  'EventEncoder#setNumber': method(begun, () => [0, 5, 0], ['index', 'value', 'element'], {
    ok: { value: ['negative'], element: ['undefined'] }, // negative values: two's complement
  }),
  'EventEncoder#setNumber64': method(begun, () => [1, 0, 5], ['index', 'high', 'low']),
  'EventEncoder#setString': method(begun, () => [2, 'abc'], ['index', 'text']),
  'EventEncoder#setMarkerText': {
    make: () => {
      const enc = new EventEncoder(
        te.layoutEvent(
          {
            system: 'ftrace',
            name: 'print',
            fields: [{ name: 'buf', type: 'char', array: 'trailing' }],
          },
          1001,
        ),
      )
      const bytes = new Uint8Array(256)
      enc.begin(bytes, new DataView(bytes.buffer), 0, 256, 7)
      return { self: enc, args: [0, 'hello'] }
    },
    names: ['index', 'text'],
  },
  'EventEncoder#setArray': method(begun, () => [3, [1, 2, 3]], ['index', 'values'], {
    ok: { values: ['array', 'bytes'] }, // an empty or short array-like fills the front
  }),
  'EventEncoder#end': method(begun, () => [], []),
  // ---- tracepoints (a fresh id per call: each row gets a tracepoint of its own)
  tracepointOf: pure(() => [freshDef()], ['definition'], { shallow: ['definition'] }),
  findTracepoint: pure(() => [te.tracepointOf(freshDef()).id], ['id']),
  'Tracepoint#register': method(
    () => te.tracepointOf(freshDef()),
    () => [(): void => undefined],
    ['probe'],
    { ok: { probe: ['function'] } }, // any function is a probe
  ),
  'Tracepoint#unregister': {
    make: () => {
      const tp = te.tracepointOf(freshDef())
      const probe = (): void => undefined
      tp.register(probe)
      return { self: tp, args: [probe] }
    },
    names: ['probe'],
  },
  'Tracepoint#emit': {
    make: () => {
      const tp = te.tracepointOf(freshDef())
      tp.register(() => undefined)
      const e = encoded()
      return { self: tp, args: [e.bytes, 0, e.length, 5, 0] }
    },
    names: ['data', 'offset', 'length', 'time', 'cpu'],
    aka: { data: ['length'] }, // a short buffer: the payload does not fit it
    ok: { time: ['negative'] }, // -1: the emitter has no CLOCK_MONOTONIC time
  },
  // ---- text helpers
  utf8Length: pure(() => ['héllo'], ['text']),
  writeUtf8: pure(() => [new Uint8Array(16), 0, 'héllo', 16], ['bytes', 'at', 'text', 'limit'], {
    aka: { bytes: ['limit'] }, // a short `bytes`: the error names the `limit` that runs past it
  }),
  'Kallsyms.parse': pure(() => [KALLSYMS], ['text']),
  'Kallsyms#lookup': method(
    () => Kallsyms.parse(KALLSYMS),
    () => [0xffffffff81000104n],
    ['address'],
  ),
  parseCmdlines: pure(() => ['1 init\n'], ['text']),
  formatCmdlines: pure(() => [new Map([[1, 'init']])], ['comms']),
  // ---- the tracing-data block
  // no ftrace formats, no other systems: an empty list is a valid block
  writeTracingData: pure(() => [tracingData()], ['data'], {
    ok: { 'data.ftraceFormats': ['array'], 'data.systems': ['array'] },
  }),
  readTracingData: pure(() => [writeTracingData(tracingData()), 0], ['bytes', 'offset'], {
    ok: { offset: ['undefined'] },
  }),
  // ---- trace_seq
  'new TraceSeq': pure(() => [], []),
  trace_seq_init: pure(() => [seq()], ['s']),
  trace_seq_reset: pure(() => [seq()], ['s']),
  trace_seq_destroy: pure(() => [seq()], ['s']),
  trace_seq_printf: pure(() => [seq(), '%d-%s', 1, 'x'], ['s', 'fmt', 'args[0]', 'args[1]'], {
    // printf semantics: any integer for %d; any text (a number's too; NULL prints "(null)") for %s
    ok: {
      'args[0]': ['negative', 'huge', 'bigint'],
      'args[1]': [
        'string',
        'numeric',
        'NaN',
        'Infinity',
        '-Infinity',
        'negative',
        'fraction',
        'huge',
        'null',
        'undefined',
      ],
    },
  }),
  trace_seq_vprintf: pure(() => [seq(), '%d', [1]], ['s', 'fmt', 'args']),
  trace_seq_puts: pure(() => [seq(), 'x'], ['s', 'str']),
  trace_seq_putc: pure(() => [seq(), 65], ['s', 'c'], { ok: { c: ['string', 'numeric'] } }), // a one-character string is a char
  trace_seq_terminate: pure(() => [seq()], ['s']),
  trace_seq_do_fprintf: pure(() => [seq(), { write: (): boolean => true }], ['s', 'fp']),
  trace_seq_do_printf: pure(() => [seq()], ['s']),
  // ---- tep
  'new TepHandle': pure(() => [], []),
  tep_alloc: pure(() => [], []),
  tep_free: tepRow(() => [], []),
  tep_set_long_size: tepRow(() => [8], ['long_size']),
  tep_get_long_size: tepRow(() => [], []),
  tep_set_page_size: tepRow(() => [4096], ['page_size']),
  tep_get_page_size: tepRow(() => [], []),
  tep_set_cpus: tepRow(() => [2], ['cpus']),
  tep_get_cpus: tepRow(() => [], []),
  tep_parse_event: tepRow(() => [def().formatText, undefined, 'onering'], ['buf', 'size', 'sys'], {
    ok: { buf: ['bytes'], size: ['undefined', 'huge'], sys: ['string'] },
  }),
  tep_parse_format: tepRow(
    () => [{ value: null }, def().formatText, undefined, 'onering'],
    ['eventp', 'buf', 'size', 'sys'],
    {
      // a text that is no format gives a TEP_ERRNO__* code, as in C
      ok: {
        eventp: ['null', 'undefined', 'object', 'bytes'],
        buf: ['bytes'],
        size: ['undefined', 'huge'],
        sys: ['string'],
      },
      shallow: ['eventp'],
    },
  ),
  tep_strerror: tepRow(() => [-99996], ['errnum'], { ok: { errnum: ['negative', 'huge'] } }),
  tep_find_event: tepRow(() => [1000], ['id'], { ok: { id: ['negative', 'huge'] } }),
  tep_find_event_by_name: tepRow(() => ['onering', 'span'], ['sys', 'name'], {
    ok: { sys: ['string', 'null'], name: ['string'] },
  }),
  tep_find_event_by_record: {
    make: () => {
      const w = tepWith()
      return { args: [w.tep, w.record] }
    },
    names: ['tep', 'record'],
    shallow: ['record'],
  },
  tep_get_events_count: tepRow(() => [], []),
  tep_get_event: tepRow(() => [0], ['index'], { ok: { index: ['negative', 'huge'] } }),
  tep_get_first_event: tepRow(() => [], []),
  tep_find_field: eventRow(() => ['seq'], ['name'], { ok: { name: ['string'] } }),
  tep_find_common_field: eventRow(() => ['common_pid'], ['name'], { ok: { name: ['string'] } }),
  tep_find_any_field: eventRow(() => ['seq'], ['name'], { ok: { name: ['string'] } }),
  tep_event_fields: eventRow(() => [], []),
  tep_event_common_fields: eventRow(() => [], []),
  tep_read_number_field: pure(
    () => [field(), encoded().bytes, { value: 0 }],
    ['field', 'data', 'value'],
    {
      shallow: ['field', 'value'],
      ok: { field: ['null'], value: ['object', 'bytes'], data: ['bytes'] },
    },
  ),
  tep_read_number: tepRow(() => [new Uint8Array(8), 4], ['ptr', 'size'], {
    ok: { size: ['negative', 'huge'], ptr: ['bytes'] },
  }),
  tep_get_field_val: getterRow('seq', () => ({ value: 0 })),
  tep_get_common_field_val: getterRow('seq', () => ({ value: 0 })),
  tep_get_any_field_val: getterRow('seq', () => ({ value: 0 })),
  tep_get_field_raw: getterRow('name', () => ({ value: 0 })),
  tep_data_type: {
    make: () => {
      const w = tepWith()
      return { args: [w.tep, w.record] }
    },
    names: ['tep', 'rec'],
    shallow: ['rec'],
  },
  tep_data_pid: {
    make: () => {
      const w = tepWith()
      return { args: [w.tep, w.record] }
    },
    names: ['tep', 'rec'],
    shallow: ['rec'],
  },
  tep_data_preempt_count: {
    make: () => {
      const w = tepWith()
      return { args: [w.tep, w.record] }
    },
    names: ['tep', 'rec'],
    shallow: ['rec'],
  },
  tep_data_flags: {
    make: () => {
      const w = tepWith()
      return { args: [w.tep, w.record] }
    },
    names: ['tep', 'rec'],
    shallow: ['rec'],
  },
  tep_register_comm: tepRow(() => ['node', 42], ['comm', 'pid'], {
    ok: { comm: ['string', 'null'], pid: ['negative'] },
  }),
  tep_override_comm: tepRow(() => ['node', 42], ['comm', 'pid'], {
    ok: { comm: ['string'], pid: ['negative'] },
  }),
  tep_is_pid_registered: tepRow(() => [42], ['pid'], { ok: { pid: ['negative'] } }),
  tep_parse_saved_cmdlines: tepRow(() => ['42 node\n'], ['buf'], { ok: { buf: ['string'] } }),
  tep_data_comm_from_pid: tepRow(() => [42], ['pid'], { ok: { pid: ['negative'] } }),
  tep_parse_kallsyms: tepRow(() => [KALLSYMS], ['kallsyms']),
  tep_print_event: {
    make: () => {
      const w = tepWith()
      return {
        args: [
          w.tep,
          seq(),
          w.record,
          '%s-%d %s',
          te.TEP_PRINT_COMM,
          te.TEP_PRINT_PID,
          te.TEP_PRINT_INFO,
        ],
      }
    },
    names: ['tep', 's', 'record', 'fmt', 'args[0]', 'args[1]', 'args[2]'],
    shallow: ['record'],
    // an unknown TEP_PRINT_* name prints "[UNKNOWN TEP TYPE …]", an unknown int nothing (as C)
    ok: { fmt: ['string'], 'args[0]': ['string'], 'args[1]': ['negative', 'huge'] },
  },
}

describe('@onering/trace-events misuse table', () => {
  checkTable('@onering/trace-events', te, table)
})
