/**
 * The side-band records: round trips of every type with and without the sample_id trailer,
 * sizes against independent formulas, trailer order, strings, MMAP2's two forms, and the
 * decoders' behaviour on malformed input.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as C from '../src/constants.js'
import { PerfError } from '../src/errors.js'
import type { PerfRecordContext } from '../src/records/context.js'
import { sampleIdSize } from '../src/records/context.js'
import { decodeRecordHeader } from '../src/records/header.js'
import type { PerfRecordFieldsBase } from '../src/records/header.js'
import { decodeRecord, sizeOfRecord, writeRecord } from '../src/records/record.js'
import type { PerfRecordInput } from '../src/records/record.js'
import * as R from '../src/index.js'
import {
  bytes,
  ctxArb,
  readSizeOf,
  readValuesArb,
  sampleIdArb,
  str,
  strSizeOf,
  trailerSizeOf,
  u16,
  u32,
  u64,
  u8,
} from './record-arbitraries.js'

type Fields = PerfRecordFieldsBase & Record<string, unknown>

interface Kind {
  name: string
  type: number
  body: (ctx: PerfRecordContext) => fc.Arbitrary<Fields>
  /** Independent: header + body, without trailer. */
  size: (f: Fields, ctx: PerfRecordContext) => number
  sizeOf: (f: never, ctx: PerfRecordContext) => number
  write: (v: DataView, o: number, f: never, ctx: PerfRecordContext) => number
}

const rec = (r: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Fields> => fc.record(r)
const up8 = (n: number): number => Math.ceil(n / 8) * 8

const KINDS: Kind[] = [
  {
    name: 'MMAP',
    type: C.PERF_RECORD_MMAP,
    body: () => rec({ pid: u32, tid: u32, addr: u64, len: u64, pgoff: u64, filename: str }),
    size: (f) => 8 + 8 + 24 + strSizeOf(f['filename'] as string),
    sizeOf: R.sizeOfMmap,
    write: R.writeMmap,
  },
  {
    name: 'LOST',
    type: C.PERF_RECORD_LOST,
    body: () => rec({ id: u64, lost: u64 }),
    size: () => 24,
    sizeOf: R.sizeOfLost,
    write: R.writeLost,
  },
  {
    name: 'COMM',
    type: C.PERF_RECORD_COMM,
    body: () => rec({ pid: u32, tid: u32, comm: str }),
    size: (f) => 16 + strSizeOf(f['comm'] as string),
    sizeOf: R.sizeOfComm,
    write: R.writeComm,
  },
  {
    name: 'EXIT',
    type: C.PERF_RECORD_EXIT,
    body: () => rec({ pid: u32, ppid: u32, tid: u32, ptid: u32, time: u64 }),
    size: () => 32,
    sizeOf: R.sizeOfExit,
    write: R.writeExit,
  },
  {
    name: 'THROTTLE',
    type: C.PERF_RECORD_THROTTLE,
    body: () => rec({ time: u64, id: u64, stream_id: u64 }),
    size: () => 32,
    sizeOf: R.sizeOfThrottle,
    write: R.writeThrottle,
  },
  {
    name: 'UNTHROTTLE',
    type: C.PERF_RECORD_UNTHROTTLE,
    body: () => rec({ time: u64, id: u64, stream_id: u64 }),
    size: () => 32,
    sizeOf: R.sizeOfUnthrottle,
    write: R.writeUnthrottle,
  },
  {
    name: 'FORK',
    type: C.PERF_RECORD_FORK,
    body: () => rec({ pid: u32, ppid: u32, tid: u32, ptid: u32, time: u64 }),
    size: () => 32,
    sizeOf: R.sizeOfFork,
    write: R.writeFork,
  },
  {
    name: 'READ',
    type: C.PERF_RECORD_READ,
    body: (ctx) => rec({ pid: u32, tid: u32, values: readValuesArb(ctx) }),
    size: (f, ctx) => 16 + readSizeOf(ctx, f['values'] as R.PerfReadFormatValues),
    sizeOf: R.sizeOfRead,
    write: R.writeRead,
  },
  {
    name: 'MMAP2 (inode)',
    type: C.PERF_RECORD_MMAP2,
    body: () =>
      rec({
        misc: u16.map((m) => m & ~C.PERF_RECORD_MISC_MMAP_BUILD_ID),
        pid: u32,
        tid: u32,
        addr: u64,
        len: u64,
        pgoff: u64,
        maj: u32,
        min: u32,
        ino: u64,
        ino_generation: u64,
        prot: u32,
        flags: u32,
        filename: str,
      }),
    size: (f) => 8 + 8 + 24 + 24 + 8 + strSizeOf(f['filename'] as string),
    sizeOf: R.sizeOfMmap2,
    write: R.writeMmap2,
  },
  {
    name: 'MMAP2 (build id)',
    type: C.PERF_RECORD_MMAP2,
    body: () =>
      rec({
        misc: u16.map((m) => m | C.PERF_RECORD_MISC_MMAP_BUILD_ID),
        pid: u32,
        tid: u32,
        addr: u64,
        len: u64,
        pgoff: u64,
        build_id: bytes(20),
        prot: u32,
        flags: u32,
        filename: str,
      }),
    size: (f) => 8 + 8 + 24 + 24 + 8 + strSizeOf(f['filename'] as string),
    sizeOf: R.sizeOfMmap2,
    write: R.writeMmap2,
  },
  {
    name: 'AUX',
    type: C.PERF_RECORD_AUX,
    body: () => rec({ aux_offset: u64, aux_size: u64, flags: u32 }),
    size: () => 32,
    sizeOf: R.sizeOfAux,
    write: R.writeAux,
  },
  {
    name: 'ITRACE_START',
    type: C.PERF_RECORD_ITRACE_START,
    body: () => rec({ pid: u32, tid: u32 }),
    size: () => 16,
    sizeOf: R.sizeOfItraceStart,
    write: R.writeItraceStart,
  },
  {
    name: 'LOST_SAMPLES',
    type: C.PERF_RECORD_LOST_SAMPLES,
    body: () => rec({ lost: u64 }),
    size: () => 16,
    sizeOf: R.sizeOfLostSamples,
    write: R.writeLostSamples,
  },
  {
    name: 'SWITCH',
    type: C.PERF_RECORD_SWITCH,
    body: () =>
      rec({
        misc: fc.constantFrom(
          0,
          C.PERF_RECORD_MISC_SWITCH_OUT,
          C.PERF_RECORD_MISC_SWITCH_OUT | C.PERF_RECORD_MISC_SWITCH_OUT_PREEMPT,
        ),
      }),
    size: () => 8,
    sizeOf: R.sizeOfSwitch,
    write: R.writeSwitch,
  },
  {
    name: 'SWITCH_CPU_WIDE',
    type: C.PERF_RECORD_SWITCH_CPU_WIDE,
    body: () => rec({ next_prev_pid: u32, next_prev_tid: u32 }),
    size: () => 16,
    sizeOf: R.sizeOfSwitchCpuWide,
    write: R.writeSwitchCpuWide,
  },
  {
    name: 'NAMESPACES',
    type: C.PERF_RECORD_NAMESPACES,
    body: () =>
      rec({
        pid: u32,
        tid: u32,
        namespaces: fc.array(fc.record({ dev: u64, inode: u64 }), { maxLength: 7 }),
      }),
    size: (f) => 8 + 8 + 8 + 16 * (f['namespaces'] as unknown[]).length,
    sizeOf: R.sizeOfNamespaces,
    write: R.writeNamespaces,
  },
  {
    name: 'KSYMBOL',
    type: C.PERF_RECORD_KSYMBOL,
    body: () => rec({ addr: u64, len: u32, ksym_type: u16, flags: u16, name: str }),
    size: (f) => 8 + 16 + strSizeOf(f['name'] as string),
    sizeOf: R.sizeOfKsymbol,
    write: R.writeKsymbol,
  },
  {
    name: 'BPF_EVENT',
    type: C.PERF_RECORD_BPF_EVENT,
    body: () =>
      rec({
        event_type: u16,
        flags: u16,
        id: u32,
        tag: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      }),
    size: () => 24,
    sizeOf: R.sizeOfBpfEvent,
    write: R.writeBpfEvent,
  },
  {
    name: 'CGROUP',
    type: C.PERF_RECORD_CGROUP,
    body: () => rec({ id: u64, path: str }),
    size: (f) => 16 + strSizeOf(f['path'] as string),
    sizeOf: R.sizeOfCgroup,
    write: R.writeCgroup,
  },
  {
    name: 'TEXT_POKE',
    type: C.PERF_RECORD_TEXT_POKE,
    body: () => rec({ addr: u64, old_bytes: bytes(30), new_bytes: bytes(30) }),
    size: (f) =>
      8 + up8(12 + (f['old_bytes'] as Uint8Array).length + (f['new_bytes'] as Uint8Array).length),
    sizeOf: R.sizeOfTextPoke,
    write: R.writeTextPoke,
  },
  {
    name: 'AUX_OUTPUT_HW_ID',
    type: C.PERF_RECORD_AUX_OUTPUT_HW_ID,
    body: () => rec({ hw_id: u64 }),
    size: () => 16,
    sizeOf: R.sizeOfAuxOutputHwId,
    write: R.writeAuxOutputHwId,
  },
]

function arb(kind: Kind): fc.Arbitrary<[PerfRecordContext, Fields]> {
  return ctxArb.chain((ctx) =>
    fc
      .tuple(
        fc.constant(ctx),
        kind.body(ctx),
        u16,
        ctx.sample_id_all ? sampleIdArb(ctx) : fc.constant(undefined),
      )
      .map(([c, body, misc, sid]): [PerfRecordContext, Fields] => {
        const f: Fields = { misc, ...body }
        if (sid !== undefined) f.sample_id = sid
        return [c, f]
      }),
  )
}

describe('side-band round trips', () => {
  it('covers every kernel record type 1..21 (with SAMPLE in sample.test.ts)', () => {
    const types = new Set(KINDS.map((k) => k.type))
    for (let t = 1; t <= 21; t++)
      if (t !== C.PERF_RECORD_SAMPLE) expect(types.has(t), String(t)).toBe(true)
  })

  it.each(KINDS.map((k) => [k.name, k] as const))(
    '%s: decode(encode(x)) = x; size matches',
    (_name, kind) => {
      fc.assert(
        fc.property(arb(kind), fc.integer({ min: 0, max: 4 }), ([ctx, f], k) => {
          const size = kind.size(f, ctx) + trailerSizeOf(ctx)
          expect(size % 8).toBe(0)
          expect(kind.sizeOf(f as never, ctx)).toBe(size)
          const input = { ...f, type: kind.type } as PerfRecordInput
          expect(sizeOfRecord(input, ctx)).toBe(size)
          const pad = 8 * k
          const buf = new Uint8Array(pad + size + 8).fill(0x5a)
          const view = new DataView(buf.buffer)
          expect(kind.write(view, pad, f as never, ctx)).toBe(size)
          expect(buf.subarray(pad + size).every((b) => b === 0x5a)).toBe(true)
          expect(decodeRecordHeader(view, pad)).toEqual({ type: kind.type, misc: f.misc, size })
          const d = decodeRecord(view, pad, ctx)
          const expected: Record<string, unknown> = { ...f, type: kind.type, size }
          if (ctx.sample_id_all) expected['sample_id'] = f.sample_id
          expect(d).toEqual(expected)
          // writeRecord of the decoded record gives the same bytes
          const again = new Uint8Array(size)
          expect(writeRecord(new DataView(again.buffer), 0, d as PerfRecordInput, ctx)).toBe(size)
          expect(again).toEqual(buf.subarray(pad, pad + size))
        }),
        { numRuns: 150 },
      )
    },
  )
})

describe('the sample_id trailer', () => {
  it('is TID, TIME, ID, STREAM_ID, CPU, IDENTIFIER at the end, IDENTIFIER last', () => {
    const ctx: PerfRecordContext = {
      sample_type:
        C.PERF_SAMPLE_IDENTIFIER |
        C.PERF_SAMPLE_CPU |
        C.PERF_SAMPLE_STREAM_ID |
        C.PERF_SAMPLE_ID |
        C.PERF_SAMPLE_TIME |
        C.PERF_SAMPLE_TID |
        C.PERF_SAMPLE_IP,
      read_format: 0,
      sample_id_all: true,
      branch_sample_type: 0,
      sample_regs_user: 0n,
      sample_regs_intr: 0n,
    }
    expect(sampleIdSize(ctx)).toBe(48)
    expect(sampleIdSize({ ...ctx, sample_id_all: false })).toBe(0)
    const f = {
      id: 100n,
      lost: 200n,
      sample_id: {
        pid: 1,
        tid: 2,
        time: 3n,
        id: 4n,
        stream_id: 5n,
        cpu: 6,
        res: 0,
        identifier: 7n,
      },
    }
    const size = R.sizeOfLost(f, ctx)
    expect(size).toBe(8 + 16 + 48)
    const dv = new DataView(new ArrayBuffer(size))
    R.writeLost(dv, 0, f, ctx)
    expect([dv.getUint32(24, true), dv.getUint32(28, true)]).toEqual([1, 2])
    expect([32, 40, 48].map((o) => dv.getBigUint64(o, true))).toEqual([3n, 4n, 5n])
    expect([dv.getUint32(56, true), dv.getUint32(60, true)]).toEqual([6, 0])
    expect(dv.getBigUint64(size - 8, true)).toBe(7n)
  })

  it('is required when sample_id_all (EINVAL naming the field)', () => {
    const ctx = R.recordContext({ sample_type: C.PERF_SAMPLE_TID, sample_id_all: true })
    expect(() => R.sizeOfLost({ id: 1n, lost: 1n }, ctx)).toThrow(/LOST\.sample_id\.pid/)
    expect(R.sizeOfLost({ id: 1n, lost: 1n, sample_id: { pid: 1, tid: 1 } }, ctx)).toBe(32)
  })
})

describe('strings', () => {
  const ctx = R.recordContext({})
  it('are NUL-terminated and zero-padded to 8 ("t0" takes 8 bytes)', () => {
    expect(R.sizeOfComm({ pid: 1, tid: 1, comm: 't0' }, ctx)).toBe(24)
    expect(R.sizeOfComm({ pid: 1, tid: 1, comm: '1234567' }, ctx)).toBe(24)
    expect(R.sizeOfComm({ pid: 1, tid: 1, comm: '12345678' }, ctx)).toBe(32)
    expect(R.sizeOfComm({ pid: 1, tid: 1, comm: '' }, ctx)).toBe(24)
    const b = new Uint8Array(24).fill(0xee)
    R.writeComm(new DataView(b.buffer), 0, { pid: 1, tid: 1, comm: 't0' }, ctx)
    expect(Array.from(b.subarray(16))).toEqual([0x74, 0x30, 0, 0, 0, 0, 0, 0])
  })

  it('cannot contain NUL', () => {
    expect(() => R.sizeOfComm({ pid: 1, tid: 1, comm: 'a\0b' }, ctx)).toThrow(/COMM\.comm/)
  })

  it('E2BIG when the record would pass 65535 bytes', () => {
    const f = { id: 1n, path: 'x'.repeat(65512) }
    expect(() => R.sizeOfCgroup(f, ctx)).toThrow(PerfError)
    expect(R.sizeOfCgroup({ id: 1n, path: 'x'.repeat(65528 - 16 - 1) }, ctx)).toBe(65528)
  })
})

describe('shared memory', () => {
  it('decodes from a SharedArrayBuffer into unshared copies', () => {
    const ctx = R.recordContext({
      sample_type: C.PERF_SAMPLE_RAW | C.PERF_SAMPLE_TID,
      sample_id_all: true,
    })
    const sab = new DataView(new SharedArrayBuffer(128))
    const n = R.writeComm(
      sab,
      0,
      { pid: 1, tid: 2, comm: 'worker', sample_id: { pid: 1, tid: 2 } },
      ctx,
    )
    R.writeSample(sab, n, { pid: 1, tid: 2, raw: new Uint8Array([1, 2, 3, 4]) }, ctx)
    expect(decodeRecord(sab, 0, ctx)).toMatchObject({ type: C.PERF_RECORD_COMM, comm: 'worker' })
    const s = decodeRecord(sab, n, ctx)
    if (s.type !== C.PERF_RECORD_SAMPLE) throw new Error('expected a SAMPLE')
    expect(s.raw).toEqual(new Uint8Array([1, 2, 3, 4]))
    expect(s.raw!.buffer).toBeInstanceOf(ArrayBuffer)
  })
})

describe('MMAP2 forms', () => {
  const ctx = R.recordContext({})
  const common = {
    pid: 1,
    tid: 2,
    addr: 3n,
    len: 4n,
    pgoff: 5n,
    prot: 5,
    flags: 2,
    filename: '//anon',
  }
  it('build_id sets misc MMAP_BUILD_ID; the bit without a build_id is EINVAL', () => {
    const b = new DataView(new ArrayBuffer(80))
    R.writeMmap2(
      b,
      0,
      { ...common, misc: C.PERF_RECORD_MISC_USER, build_id: new Uint8Array([0xab, 0xcd]) },
      ctx,
    )
    expect(b.getUint16(4, true)).toBe(C.PERF_RECORD_MISC_USER | C.PERF_RECORD_MISC_MMAP_BUILD_ID)
    expect([b.getUint8(40), b.getUint8(44), b.getUint8(45), b.getUint8(46)]).toEqual([
      2, 0xab, 0xcd, 0,
    ])
    expect(() =>
      R.sizeOfMmap2(
        {
          ...common,
          misc: C.PERF_RECORD_MISC_MMAP_BUILD_ID,
          maj: 0,
          min: 0,
          ino: 0n,
          ino_generation: 0n,
        },
        ctx,
      ),
    ).toThrow(/MMAP2\.build_id/)
    expect(() => R.sizeOfMmap2({ ...common, build_id: new Uint8Array(21) }, ctx)).toThrow(
      /MMAP2\.build_id/,
    )
  })

  it('a build_id_size above 20 does not decode', () => {
    const b = new DataView(new ArrayBuffer(80))
    R.writeMmap2(b, 0, { ...common, build_id: new Uint8Array(20) }, ctx)
    b.setUint8(40, 21)
    expect(() => decodeRecord(b, 0, ctx)).toThrow(/MMAP2\.build_id_size/)
  })
})

describe('decoder robustness', () => {
  const ctx = R.recordContext({
    sample_type: C.PERF_SAMPLE_IP | C.PERF_SAMPLE_CALLCHAIN | C.PERF_SAMPLE_TID,
    sample_id_all: true,
  })

  function header(type: number, size: number, len = Math.max(size, 8)): DataView {
    const dv = new DataView(new ArrayBuffer(len))
    dv.setUint32(0, type, true)
    dv.setUint16(6, size, true)
    return dv
  }
  function errOf(fn: () => unknown): string | undefined {
    try {
      fn()
    } catch (e) {
      if (e instanceof PerfError && e.errno === 'EINVAL') return e.field
      throw e
    }
    return undefined
  }

  it('checks the header', () => {
    expect(errOf(() => decodeRecord(header(9, 0), 0, ctx))).toBe('header.size')
    expect(errOf(() => decodeRecord(header(9, 4), 0, ctx))).toBe('header.size')
    expect(errOf(() => decodeRecord(header(9, 12, 16), 0, ctx))).toBe('header.size')
    expect(errOf(() => decodeRecord(header(9, 32, 24), 0, ctx))).toBe('header.size')
    expect(errOf(() => decodeRecord(new DataView(new ArrayBuffer(4)), 0, ctx))).toBe('header')
    expect(errOf(() => decodeRecord(header(9, 8), 8, ctx))).toBe('header')
    expect(errOf(() => decodeRecord(header(9, 8), -1, ctx))).toBe('offset')
  })

  it('a count larger than the record fails at once', () => {
    const dv = header(C.PERF_RECORD_SAMPLE, 40)
    dv.setBigUint64(24, 2n ** 61n, true) // callchain nr
    expect(errOf(() => decodeRecord(dv, 0, ctx))).toBe('SAMPLE.callchain.nr')
    const ns = header(C.PERF_RECORD_NAMESPACES, 40)
    ns.setBigUint64(16, 0xffffffffffffffffn, true)
    expect(errOf(() => decodeRecord(ns, 0, ctx))).toBe('NAMESPACES.nr_namespaces')
  })

  it('short bodies, missing trailers, missing NULs and leftovers are EINVAL', () => {
    expect(errOf(() => decodeRecord(header(C.PERF_RECORD_SAMPLE, 16), 0, ctx))).toBe('SAMPLE.pid')
    expect(errOf(() => decodeRecord(header(C.PERF_RECORD_LOST, 8), 0, ctx))).toBe('LOST.sample_id')
    expect(errOf(() => decodeRecord(header(C.PERF_RECORD_LOST, 16), 0, ctx))).toBe('LOST.id')
    expect(errOf(() => decodeRecord(header(C.PERF_RECORD_LOST, 24), 0, ctx))).toBe('LOST.lost')
    expect(errOf(() => decodeRecord(header(C.PERF_RECORD_LOST, 40), 0, ctx))).toBe('LOST')
    const comm = header(C.PERF_RECORD_COMM, 32)
    new Uint8Array(comm.buffer).fill(0x41, 16, 24)
    expect(errOf(() => decodeRecord(comm, 0, ctx))).toBe('COMM.comm')
    const raw = header(C.PERF_RECORD_SAMPLE, 16)
    const rawCtx = R.recordContext({ sample_type: C.PERF_SAMPLE_RAW })
    expect(errOf(() => decodeRecord(raw, 0, rawCtx))).toBe('SAMPLE') // size 0: 4 bytes left over
    raw.setUint32(8, 100, true)
    expect(
      errOf(() => decodeRecord(raw, 0, R.recordContext({ sample_type: C.PERF_SAMPLE_RAW }))),
    ).toBe('SAMPLE.raw')
  })

  it('unknown types are returned, not thrown', () => {
    const dv = header(99, 16)
    dv.setUint8(8, 7)
    expect(decodeRecord(dv, 0, ctx)).toEqual({
      type: 'unknown',
      raw_type: 99,
      misc: 0,
      size: 16,
      data: new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]),
    })
    expect(() => writeRecord(dv, 0, { type: 99 } as unknown as PerfRecordInput, ctx)).toThrow(
      /record\.type/,
    )
  })

  it('random bytes: decodeRecord returns or throws PerfError, never reads out of bounds', () => {
    fc.assert(
      fc.property(
        ctxArb,
        fc.integer({ min: 1, max: 22 }),
        fc.uint8Array({ minLength: 8, maxLength: 200 }),
        u8,
        (c, type, body, fill) => {
          const buf = new Uint8Array(body.length - (body.length % 8))
          buf.set(body.subarray(0, buf.length))
          if (buf.length < 8) return
          const dv = new DataView(buf.buffer)
          dv.setUint32(0, type, true)
          dv.setUint16(6, buf.length, true)
          buf.fill(fill, buf.length) // no-op; keeps `fill` meaningful for shrinking
          try {
            decodeRecord(dv, 0, c)
          } catch (e) {
            expect(e).toBeInstanceOf(PerfError)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('truncating a valid record never yields a RangeError', () => {
    fc.assert(
      fc.property(arb(KINDS[0]!), fc.integer({ min: 1, max: 10 }), ([c, f], cut) => {
        const size = R.sizeOfMmap(f as never, c)
        const dv = new DataView(new ArrayBuffer(size))
        R.writeMmap(dv, 0, f as never, c)
        const smaller = size - 8 * cut
        if (smaller < 8) return
        dv.setUint16(6, smaller, true)
        try {
          decodeRecord(dv, 0, c)
        } catch (e) {
          expect(e).toBeInstanceOf(PerfError)
        }
      }),
    )
  })
})
