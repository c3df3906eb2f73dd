/**
 * PERF_RECORD_SAMPLE: round trips over random sample_type subsets and field values, sizes
 * against an independent formula, the emission order of §3.4, padding rules and errors.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as C from '../src/constants.js'
import { PerfError } from '../src/errors.js'
import { recordContext } from '../src/records/context.js'
import type { PerfRecordContext } from '../src/records/context.js'
import { decodeRecord, sizeOfRecord, writeRecord } from '../src/records/record.js'
import { sizeOfSample, writeSample } from '../src/records/sample.js'
import type { PerfSampleFields } from '../src/records/sample.js'
import { SAMPLE_BITS, ctxArb, sampleArb, sampleSizeOf } from './record-arbitraries.js'

function roundTrip(ctx: PerfRecordContext, s: PerfSampleFields, pad: number): void {
  const size = sizeOfSample(s, ctx)
  expect(size).toBe(sampleSizeOf(ctx, s))
  expect(size % 8).toBe(0)
  expect(sizeOfRecord({ type: C.PERF_RECORD_SAMPLE, ...s }, ctx)).toBe(size)
  const buf = new Uint8Array(pad + size + 16).fill(0xa5)
  const view = new DataView(buf.buffer)
  expect(writeSample(view, pad, s, ctx)).toBe(size)
  // nothing outside [pad, pad + size) was touched
  expect(buf.subarray(0, pad).every((b) => b === 0xa5)).toBe(true)
  expect(buf.subarray(pad + size).every((b) => b === 0xa5)).toBe(true)
  const rec = decodeRecord(view, pad, ctx)
  expect(rec).toEqual({ type: C.PERF_RECORD_SAMPLE, size, ...s, misc: s.misc ?? 0 })
  // a decoded record writes back to the same bytes
  const again = new Uint8Array(size)
  if (rec.type === 'unknown') throw new Error('unexpected unknown record')
  expect(writeRecord(new DataView(again.buffer), 0, rec, ctx)).toBe(size)
  expect(again).toEqual(buf.subarray(pad, pad + size))
}

describe('SAMPLE round trips', () => {
  it('decode(encode(x)) = x over random sample_type subsets, read formats and values', () => {
    fc.assert(
      fc.property(
        ctxArb.chain((ctx) =>
          fc.tuple(fc.constant(ctx), sampleArb(ctx), fc.integer({ min: 0, max: 5 })),
        ),
        ([ctx, s, k]) => {
          roundTrip(ctx, s, 8 * k)
        },
      ),
      { numRuns: 500 },
    )
  })

  it.each(SAMPLE_BITS.map((b) => [Math.log2(b), b]))('bit %i alone', (_i, bit) => {
    fc.assert(
      fc.property(
        ctxArb
          .map((c) => ({ ...c, sample_type: bit }))
          .chain((ctx) => fc.tuple(fc.constant(ctx), sampleArb(ctx))),
        ([ctx, s]) => {
          roundTrip(ctx, s, 0)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('READ in group form with a fixed group size', () => {
    const ctx = recordContext(
      {
        sample_type: C.PERF_SAMPLE_READ,
        read_format: C.PERF_FORMAT_GROUP | C.PERF_FORMAT_ID | C.PERF_FORMAT_LOST | 3,
      },
      2,
    )
    const s: PerfSampleFields = {
      read: {
        time_enabled: 1n,
        time_running: 2n,
        values: [
          { value: 3n, id: 4n, lost: 5n },
          { value: 6n, id: 7n, lost: 8n },
        ],
      },
    }
    roundTrip(ctx, s, 0)
    expect(sizeOfSample(s, ctx)).toBe(8 + 8 + 16 + 2 * 24)
    // a different member count is refused both ways
    expect(() =>
      sizeOfSample({ read: { values: [{ value: 1n, id: 1n, lost: 1n }] } }, ctx),
    ).toThrow(/read\.values/)
    const buf = new DataView(new ArrayBuffer(80))
    writeSample(buf, 0, s, ctx)
    expect(() => decodeRecord(buf, 0, { ...ctx, read_group_size: 3 })).toThrow(/read\.nr/)
  })
})

describe('SAMPLE layout (reference §3.4)', () => {
  it('emits in kernel order, not bit order', () => {
    const st = SAMPLE_BITS.reduce((m, b) => m | b, 0) & ~C.PERF_SAMPLE_WEIGHT
    const ctx: PerfRecordContext = {
      sample_type: st,
      read_format: 0,
      sample_id_all: false,
      branch_sample_type: C.PERF_SAMPLE_BRANCH_ANY,
      sample_regs_user: 0b101n,
      sample_regs_intr: 0b1n,
    }
    const s: PerfSampleFields = {
      identifier: 1n,
      ip: 2n,
      pid: 3,
      tid: 4,
      time: 5n,
      addr: 6n,
      id: 7n,
      stream_id: 8n,
      cpu: 9,
      res: 0,
      period: 10n,
      read: { value: 11n },
      callchain: [12n],
      raw: new Uint8Array([13, 13, 13, 13]),
      branch_stack: { entries: [{ from: 14n, to: 15n, flags: 16n }] },
      regs_user: { abi: 2, regs: [17n, 18n] },
      stack_user: { data: new Uint8Array(8).fill(19), dyn_size: 20n },
      weight_struct: { var1_dw: 21, var2_w: 22, var3_w: 23 },
      data_src: 24n,
      transaction: 25n,
      regs_intr: { abi: 2, regs: [26n] },
      phys_addr: 27n,
      cgroup: 28n,
      data_page_size: 29n,
      code_page_size: 30n,
      aux: new Uint8Array(8).fill(31),
    }
    const size = sizeOfSample(s, ctx)
    const dv = new DataView(new ArrayBuffer(size))
    writeSample(dv, 0, s, ctx)
    const q = (o: number): number => Number(dv.getBigUint64(o, true))
    expect([dv.getUint32(0, true), dv.getUint16(6, true)]).toEqual([9, size])
    expect([q(8), q(16)]).toEqual([1, 2]) // IDENTIFIER first, then IP
    expect([dv.getUint32(24, true), dv.getUint32(28, true)]).toEqual([3, 4]) // TID
    expect([q(32), q(40), q(48), q(56)]).toEqual([5, 6, 7, 8]) // TIME ADDR ID STREAM_ID
    expect([dv.getUint32(64, true), dv.getUint32(68, true)]).toEqual([9, 0]) // CPU, res
    expect([q(72), q(80)]).toEqual([10, 11]) // PERIOD, READ
    expect([q(88), q(96)]).toEqual([1, 12]) // CALLCHAIN nr, ips
    expect([dv.getUint32(104, true), dv.getUint8(108)]).toEqual([4, 13]) // RAW size 4 (+4 = 8)
    expect([q(112), q(120), q(128), q(136)]).toEqual([1, 14, 15, 16]) // BRANCH_STACK
    expect([q(144), q(152), q(160)]).toEqual([2, 17, 18]) // REGS_USER abi + popcount(0b101) regs
    expect([q(168), dv.getUint8(176), q(184)]).toEqual([8, 19, 20]) // STACK_USER size data dyn_size
    expect([dv.getUint32(192, true), dv.getUint16(196, true), dv.getUint16(198, true)]).toEqual([
      21, 22, 23,
    ])
    expect([q(200), q(208)]).toEqual([24, 25]) // DATA_SRC TRANSACTION
    expect([q(216), q(224)]).toEqual([2, 26]) // REGS_INTR
    expect([q(232), q(240), q(248), q(256)]).toEqual([27, 28, 29, 30])
    expect([q(264), dv.getUint8(272)]).toEqual([8, 31]) // AUX
    expect(size).toBe(280)
  })

  const only = (sample_type: number): PerfRecordContext => ({
    sample_type,
    read_format: 0,
    sample_id_all: false,
    branch_sample_type: 0,
    sample_regs_user: 0n,
    sample_regs_intr: 0n,
  })

  function encode(ctx: PerfRecordContext, s: PerfSampleFields): Uint8Array {
    const b = new Uint8Array(sizeOfSample(s, ctx))
    writeSample(new DataView(b.buffer), 0, s, ctx)
    return b
  }

  it('RAW: empty is {size 4, u32 0}; other lengths pad so that 4 + size is 8-aligned', () => {
    const ctx = only(C.PERF_SAMPLE_RAW)
    expect(Array.from(encode(ctx, { raw: new Uint8Array(0) }).subarray(8))).toEqual([
      4, 0, 0, 0, 0, 0, 0, 0,
    ])
    const one = encode(ctx, { raw: new Uint8Array([7]) })
    expect(Array.from(one.subarray(8))).toEqual([4, 0, 0, 0, 7, 0, 0, 0])
    const five = encode(ctx, { raw: new Uint8Array([1, 2, 3, 4, 5]) })
    expect(five.length).toBe(24)
    expect(new DataView(five.buffer).getUint32(8, true)).toBe(12)
    // the decoder returns the padded bytes: they are the record's
    const d = decodeRecord(new DataView(five.buffer), 0, ctx)
    expect(d.type === C.PERF_RECORD_SAMPLE && d.raw).toEqual(
      new Uint8Array([1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0]),
    )
  })

  it('STACK_USER: no dyn_size when size is 0; data must be 8-aligned', () => {
    const ctx = only(C.PERF_SAMPLE_STACK_USER)
    expect(encode(ctx, { stack_user: { data: new Uint8Array(0) } }).length).toBe(16)
    expect(encode(ctx, { stack_user: { data: new Uint8Array(16), dyn_size: 3n } }).length).toBe(
      8 + 8 + 16 + 8,
    )
    expect(() => encode(ctx, { stack_user: { data: new Uint8Array(4), dyn_size: 0n } })).toThrow(
      /stack_user\.data/,
    )
    expect(() => encode(ctx, { stack_user: { data: new Uint8Array(8) } })).toThrow(
      /stack_user\.dyn_size/,
    )
    expect(() => encode(ctx, { stack_user: { data: new Uint8Array(0), dyn_size: 1n } })).toThrow(
      /stack_user\.dyn_size/,
    )
  })

  it('AUX: size rounded up to 8 with zeros', () => {
    const b = encode(only(C.PERF_SAMPLE_AUX), { aux: new Uint8Array([1, 2, 3]) })
    expect(Array.from(b.subarray(8))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0])
  })

  it('BRANCH_STACK: hw_idx after nr with HW_INDEX, counters after the entries with COUNTERS', () => {
    const ctx = {
      ...only(C.PERF_SAMPLE_BRANCH_STACK),
      branch_sample_type:
        C.PERF_SAMPLE_BRANCH_ANY | C.PERF_SAMPLE_BRANCH_HW_INDEX | C.PERF_SAMPLE_BRANCH_COUNTERS,
    }
    const b = encode(ctx, {
      branch_stack: { hw_idx: 99n, entries: [{ from: 1n, to: 2n, flags: 3n }], counters: [77n] },
    })
    const dv = new DataView(b.buffer)
    expect([1, 2, 3, 4, 5, 6].map((i) => dv.getBigUint64(8 * i, true))).toEqual([
      1n,
      99n,
      1n,
      2n,
      3n,
      77n,
    ])
    expect(() => encode(ctx, { branch_stack: { entries: [], counters: [] } })).toThrow(
      /branch_stack\.hw_idx/,
    )
  })

  it('REGS: abi NONE carries no registers', () => {
    const ctx = { ...only(C.PERF_SAMPLE_REGS_USER), sample_regs_user: 0xffn }
    expect(encode(ctx, { regs_user: { abi: 0, regs: [] } }).length).toBe(16)
    expect(encode(ctx, { regs_user: { abi: 2, regs: Array<bigint>(8).fill(1n) } }).length).toBe(
      16 + 64,
    )
    expect(() => encode(ctx, { regs_user: { abi: 2, regs: [1n] } })).toThrow(/regs_user\.regs/)
    expect(() => encode(ctx, { regs_user: { abi: 0, regs: [1n] } })).toThrow(/regs_user\.regs/)
  })
})

describe('SAMPLE emitter errors', () => {
  const ctx = recordContext({ sample_type: C.PERF_SAMPLE_IP | C.PERF_SAMPLE_CALLCHAIN })

  function err(fn: () => unknown): PerfError {
    try {
      fn()
    } catch (e) {
      if (e instanceof PerfError) return e
      throw e
    }
    throw new Error('did not throw')
  }

  it('names a missing or bad field (EINVAL)', () => {
    expect(err(() => sizeOfSample({ callchain: [] }, ctx))).toMatchObject({
      errno: 'EINVAL',
      field: 'SAMPLE.ip',
    })
    expect(err(() => sizeOfSample({ ip: 1n }, ctx))).toMatchObject({
      errno: 'EINVAL',
      field: 'SAMPLE.callchain',
    })
    expect(err(() => sizeOfSample({ ip: -1n, callchain: [] }, ctx))).toMatchObject({
      field: 'SAMPLE.ip',
    })
    expect(err(() => sizeOfSample({ ip: 1n, callchain: [1n, 2n ** 64n] }, ctx))).toMatchObject({
      field: 'SAMPLE.callchain[1]',
    })
    expect(err(() => sizeOfSample({ ip: 1n, callchain: [], misc: 70000 }, ctx))).toMatchObject({
      field: 'SAMPLE.misc',
    })
  })

  it('E2BIG above 65535 bytes', () => {
    const big = { ip: 1n, callchain: Array<bigint>(8189).fill(1n) }
    expect(sizeOfSample({ ip: 1n, callchain: Array<bigint>(8188).fill(1n) }, ctx)).toBe(65528)
    expect(err(() => sizeOfSample(big, ctx))).toMatchObject({ errno: 'E2BIG', errnoNumber: -7 })
  })

  it('ENOSPC when the view is too small, and nothing is written', () => {
    const buf = new Uint8Array(31).fill(1)
    expect(
      err(() => writeSample(new DataView(buf.buffer), 0, { ip: 1n, callchain: [1n] }, ctx)),
    ).toMatchObject({
      errno: 'ENOSPC',
    })
    expect(buf.every((b) => b === 1)).toBe(true)
    const ok = new Uint8Array(64).fill(1)
    expect(
      err(() => writeSample(new DataView(ok.buffer), 0, { ip: 1n, callchain: [1n, -5n] }, ctx)),
    ).toMatchObject({
      errno: 'EINVAL',
    })
    expect(ok.every((b) => b === 1)).toBe(true)
  })

  it('refuses contexts without a layout', () => {
    expect(
      err(() => recordContext({ sample_type: C.PERF_SAMPLE_WEIGHT | C.PERF_SAMPLE_WEIGHT_STRUCT })),
    ).toMatchObject({
      field: 'ctx.sample_type',
    })
    expect(err(() => recordContext({ sample_type: C.PERF_SAMPLE_MAX }))).toMatchObject({
      field: 'ctx.sample_type',
    })
    expect(err(() => recordContext({ read_format: 32 }))).toMatchObject({
      field: 'ctx.read_format',
    })
  })
})
