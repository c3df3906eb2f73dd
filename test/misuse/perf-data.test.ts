/**
 * The misuse table of `@onering/perf-data` (see `table.ts`): every exported function,
 * constructor and public method — the file header and feature codecs, the reader, the listing
 * and the writer — called with bad arguments.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe } from 'vitest'
import * as pd from '@onering/perf-data'
import { PerfDataReader, PerfDataWriter } from '@onering/perf-data'
import {
  perf_event_output,
  perf_evlist__add,
  perf_evlist__mmap,
  perf_evlist__new,
  perf_evlist__open,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  type PerfEvlist,
} from '@onering/perf'
import { checkTable, type Row, type Table } from './table.js'

const attr = {
  sample_type:
    PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD,
  sample_period: 1,
  sample_id_all: true,
}
const dir = mkdtempSync(join(tmpdir(), 'onering-misuse-perf-data-'))
const options = (): pd.PerfDataWriterOptions => ({
  events: [{ attr, name: 'cpu-clock' }],
  features: { hostname: 'h' },
})
const writer = (): PerfDataWriter => new PerfDataWriter(options())
/** A small file: a COMM and two samples. */
function fileBytes(): Uint8Array {
  const w = writer()
  w.comm(1, 1, 'init')
  w.addRecord(sampleRecord())
  w.finishedRound()
  w.finish()
  return w.bytes()
}
function evlist(): PerfEvlist {
  const ev = perf_evlist__new()
  const sel = perf_evlist__add(ev, attr)
  perf_evlist__open(ev, [0])
  perf_evlist__mmap(ev, 4)
  perf_event_output(sel.fds[0]!, { ip: 1n, time: 5n, pid: 1, tid: 1, period: 1n })
  return ev
}
function sampleRecord(): Uint8Array {
  // IP, TID, TIME, CPU, PERIOD: 8 + 5 × 8 bytes
  const b = new Uint8Array(48)
  const dv = new DataView(b.buffer)
  dv.setUint32(0, 9, true)
  dv.setUint16(6, 48, true)
  dv.setBigUint64(8, 0x1000n, true)
  dv.setUint32(16, 1, true)
  dv.setUint32(20, 1, true)
  dv.setBigUint64(24, 7n, true)
  dv.setBigUint64(40, 1n, true)
  return b
}
const reader = (): PerfDataReader => new PerfDataReader(fileBytes())

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

const table: Table = {
  'new PerfDataError': pure(() => ['data', 8, 'bad'], ['section', 'offset', 'message'], {
    ok: { section: '*', offset: '*', message: '*' }, // an error's fields are free text and numbers
  }),
  featureName: pure(() => [3], ['bit']),
  decodeFileHeader: pure(() => [fileBytes()], ['bytes']),
  encodeFileHeader: pure(
    () => [
      {
        attrSize: 144,
        attrs: { offset: 104, size: 144 },
        data: { offset: 248, size: 0 },
        features: [3],
      },
    ],
    ['h'],
    { ok: { 'h.features': ['array'] } }, // no feature bits
  ),
  // any bytes: false unless they start with a pipe-mode header
  isPipeHeader: pure(() => [fileBytes()], ['bytes'], { ok: { bytes: ['bytes'] } }),
  decodeFeatures: pure(
    () => {
      const b = fileBytes()
      return [b, pd.decodeFileHeader(b)]
    },
    ['bytes', 'header'],
    {
      ok: {
        'header.size': '*',
        'header.attrSize': '*',
        'header.attrs': '*',
        'header.eventTypes': '*',
        'header.features': ['array'], // no feature bits: nothing to read
      },
    },
  ),
  encodeFeatures: pure(
    () => [{ hostname: 'h', nrCpus: { available: 2, online: 2 }, cmdline: ['a'] }],
    ['f'],
    {
      ok: { f: ['object'], 'f.cmdline': ['array'] }, // no features, an empty command line
    },
  ),
  'new PerfDataReader': pure(() => [fileBytes()], ['bytes']),
  'PerfDataReader.fromFile': pure(
    () => {
      const p = join(dir, 'f.data')
      const w = new PerfDataWriter({ ...options(), path: p })
      w.finish()
      return [p]
    },
    ['path'],
    { aka: { path: ['ENOENT', 'EISDIR'] } },
  ),
  'PerfDataReader#records': method(reader, () => [], []),
  'PerfDataReader#events': method(reader, () => [], []),
  'PerfDataReader#slots': method(reader, () => [], []),
  'PerfDataReader#decode': {
    make: () => {
      const r = reader()
      return { self: r, args: [[...r.slots()][0]] }
    },
    names: ['s'],
    ok: { 's.time': '*' }, // the slot's time is not used to decode
  },
  'PerfDataReader#traceFields': method(
    reader,
    () => {
      const r = reader()
      return [[...r.records()][0]]
    },
    ['r'],
    { shallow: ['r'] },
  ),
  recordTypeName: pure(() => [9], ['type']),
  perfDataListing: pure(() => [reader(), { ns: true }], ['file', 'options'], {
    ok: { options: ['undefined', 'object'] },
  }),
  'new PerfDataWriter': pure(() => [options()], ['options'], {
    ok: { 'options.features': ['undefined', 'object'] },
    shallow: ['options.events'],
  }),
  'PerfDataWriter.fromEvlist': pure(
    () => [evlist(), { names: ['cpu-clock'] }],
    ['evlist', 'options'],
    {
      ok: { options: ['undefined', 'object'], 'options.names': ['undefined', 'array'] },
      shallow: ['evlist'],
    },
  ),
  'PerfDataWriter#addRecord': method(writer, () => [sampleRecord()], ['bytes']),
  'PerfDataWriter#addRecords': method(
    writer,
    () => [sampleRecord(), 0, 48],
    ['bytes', 'offset', 'length'],
    {
      ok: { offset: ['undefined'], length: ['undefined'] },
    },
  ),
  'PerfDataWriter#drain': method(writer, () => [evlist().mmap[0]!.map], ['map']),
  'PerfDataWriter#drainEvlist': method(writer, () => [evlist()], ['evlist'], {
    shallow: ['evlist'],
  }),
  'PerfDataWriter#finishedRound': method(writer, () => [], []),
  'PerfDataWriter#comm': method(
    writer,
    () => [1, 1, 'init', { time: 1n, cpu: 0, exec: true }],
    ['pid', 'tid', 'comm', 'options'],
    {
      ok: { options: ['undefined', 'object'] },
    },
  ),
  'PerfDataWriter#fork': method(
    writer,
    () => [1, 1, 2, 1, 5n, { cpu: 0 }],
    ['pid', 'ppid', 'tid', 'ptid', 'time', 'options'],
    {
      ok: { options: ['undefined', 'object'] },
    },
  ),
  'PerfDataWriter#exit': method(
    writer,
    () => [1, 1, 2, 1, 5n, { cpu: 0 }],
    ['pid', 'ppid', 'tid', 'ptid', 'time', 'options'],
    {
      ok: { options: ['undefined', 'object'] },
    },
  ),
  'PerfDataWriter#finish': method(writer, () => [], []),
  'PerfDataWriter#bytes': method(
    () => {
      const w = writer()
      w.finish()
      return w
    },
    () => [],
    [],
  ),
}

describe('@onering/perf-data misuse table', () => {
  checkTable('@onering/perf-data', pd, table)
})
