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
}

describe('@onering/trace-events misuse table', () => {
  checkTable('@onering/trace-events', te, table)
})
