/**
 * perf_event_attr: the kernel fixtures decode to what the README says and re-encode byte for
 * byte; encode/decode round trips; the size rules; validateAttr's kernel rules.
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  PERF_ATTR_FLAG_BITS_BY_NAME,
  PerfEventAttrOffset,
  decodeAttr,
  encodeAttr,
  makeAttr,
} from '../src/attr.js'
import { validateAttr } from '../src/attr-validate.js'
import type { PerfAttrFlagName, PerfEventAttr } from '../src/attr.js'
import * as C from '../src/constants.js'
import { PerfError } from '../src/errors.js'
import type { PerfErrno } from '../src/errors.js'

const FIXTURES = new URL('../../../test/fixtures/kernel/perf/', import.meta.url)
const NAMES = ['samples', 'full', 'wrapped', 'backward', 'sideband'] as const

function attrBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.attr`, FIXTURES)))
}

function errnoOf(fn: () => unknown): { errno: PerfErrno; field: string | undefined } {
  try {
    fn()
  } catch (e) {
    if (e instanceof PerfError) return { errno: e.errno, field: e.field }
    throw e
  }
  throw new Error('did not throw')
}

const SAMPLES_TYPE =
  C.PERF_SAMPLE_IP |
  C.PERF_SAMPLE_TID |
  C.PERF_SAMPLE_TIME |
  C.PERF_SAMPLE_ID |
  C.PERF_SAMPLE_CPU |
  C.PERF_SAMPLE_PERIOD

describe('kernel attr fixtures', () => {
  it.each(NAMES)('%s decodes and re-encodes byte for byte', (name) => {
    const bytes = attrBytes(name)
    expect(bytes.length).toBe(128)
    const a = decodeAttr(bytes)
    expect(a.size).toBe(C.PERF_ATTR_SIZE_VER7)
    expect(a.type).toBe(C.PERF_TYPE_SOFTWARE)
    expect(encodeAttr(a)).toEqual(bytes)
    expect(() => validateAttr(a)).not.toThrow()
  })

  it.each(['samples', 'full', 'wrapped', 'backward'] as const)('%s: cpu-clock sampling', (name) => {
    const a = decodeAttr(attrBytes(name))
    expect(a.config).toBe(BigInt(C.PERF_COUNT_SW_CPU_CLOCK))
    expect(a.sample_type).toBe(SAMPLES_TYPE)
    expect(a.sample_period).toBe(100000)
    expect(a.sample_freq).toBe(100000)
    expect(a.freq).toBe(false)
    expect(a.disabled).toBe(true)
    expect(a.exclude_kernel).toBe(true)
    expect(a.exclude_hv).toBe(true)
    expect(a.sample_id_all).toBe(true)
    expect(a.write_backward).toBe(name === 'backward')
    expect(a.watermark).toBe(false)
    expect(a.wakeup_events).toBe(1)
  })

  it('sideband: dummy event with the side-band flags and a 1024-byte watermark', () => {
    const a = decodeAttr(attrBytes('sideband'))
    expect(a.config).toBe(BigInt(C.PERF_COUNT_SW_DUMMY))
    expect(a.sample_type).toBe(C.PERF_SAMPLE_TID | C.PERF_SAMPLE_TIME | C.PERF_SAMPLE_CPU)
    for (const f of [
      'mmap',
      'mmap2',
      'comm',
      'task',
      'context_switch',
      'sample_id_all',
      'watermark',
    ] as const) {
      expect(a[f], f).toBe(true)
    }
    expect(a.wakeup_watermark).toBe(1024)
    expect(a.wakeup_events).toBe(1024)
    expect(a.sample_period).toBe(0)
    expect(a.write_backward).toBe(false)
  })
})

describe('layout', () => {
  it('puts every flag at its kernel bit', () => {
    for (const [name, bit] of Object.entries(PERF_ATTR_FLAG_BITS_BY_NAME)) {
      const b = encodeAttr({ [name as PerfAttrFlagName]: true })
      const flags = new DataView(b.buffer).getBigUint64(PerfEventAttrOffset.flags, true)
      expect(flags, name).toBe(1n << BigInt(bit))
    }
    const b = encodeAttr({ precise_ip: 3 })
    expect(new DataView(b.buffer).getBigUint64(40, true)).toBe(3n << 15n)
  })

  it('names the flag-bit constants like the kernel', () => {
    expect(C.PERF_ATTR_BIT_WRITE_BACKWARD).toBe(PERF_ATTR_FLAG_BITS_BY_NAME.write_backward)
    expect(C.PERF_ATTR_BIT_SIGTRAP).toBe(37)
    expect(C.PERF_ATTR_BIT_SAMPLE_ID_ALL).toBe(18)
    expect(C.PERF_ATTR_BIT_PRECISE_IP).toBe(15)
  })

  it('writes fields at the reference offsets', () => {
    const b = encodeAttr({
      type: 0x11223344,
      config: 0x0102030405060708n,
      sample_period: 2 ** 40 + 5,
      sample_type: C.PERF_SAMPLE_WEIGHT_STRUCT,
      read_format: C.PERF_FORMAT_LOST,
      wakeup_watermark: 7,
      bp_type: 9,
      bp_addr: 0xdeadn,
      bp_len: 8n,
      branch_sample_type: C.PERF_SAMPLE_BRANCH_ANY,
      sample_regs_user: 1n << 63n,
      sample_stack_user: 8192,
      clockid: -1,
      sample_regs_intr: 3n,
      aux_watermark: 4096,
      sample_max_stack: 127,
      aux_sample_size: 64,
      aux_pause: true,
      sig_data: 0xffffffffffffffffn,
    })
    const dv = new DataView(b.buffer)
    expect(dv.getUint32(0, true)).toBe(0x11223344)
    expect(dv.getUint32(4, true)).toBe(128)
    expect(dv.getBigUint64(8, true)).toBe(0x0102030405060708n)
    expect(dv.getBigUint64(16, true)).toBe(2n ** 40n + 5n)
    expect(dv.getBigUint64(24, true)).toBe(1n << 24n)
    expect(dv.getBigUint64(32, true)).toBe(16n)
    expect(dv.getUint32(48, true)).toBe(7)
    expect(dv.getUint32(52, true)).toBe(9)
    expect(dv.getBigUint64(56, true)).toBe(0xdeadn)
    expect(dv.getBigUint64(64, true)).toBe(8n)
    expect(dv.getBigUint64(72, true)).toBe(8n)
    expect(dv.getBigUint64(80, true)).toBe(1n << 63n)
    expect(dv.getUint32(88, true)).toBe(8192)
    expect(dv.getInt32(92, true)).toBe(-1)
    expect(dv.getBigUint64(96, true)).toBe(3n)
    expect(dv.getUint32(104, true)).toBe(4096)
    expect(dv.getUint16(108, true)).toBe(127)
    expect(dv.getUint32(112, true)).toBe(64)
    expect(dv.getUint32(116, true)).toBe(2)
    expect(dv.getBigUint64(120, true)).toBe(0xffffffffffffffffn)
  })

  it('encodes VER8 with config3 in 136 bytes', () => {
    const b = encodeAttr({ size: C.PERF_ATTR_SIZE_VER8, config3: 42n })
    expect(b.length).toBe(136)
    expect(new DataView(b.buffer).getBigUint64(128, true)).toBe(42n)
    expect(decodeAttr(b).config3).toBe(42n)
    expect(errnoOf(() => encodeAttr({ config3: 1n }))).toEqual({
      errno: 'EINVAL',
      field: 'config3',
    })
  })
})

const flagArb = fc.record(
  Object.fromEntries(
    Object.keys(PERF_ATTR_FLAG_BITS_BY_NAME).map((k) => [k, fc.boolean()]),
  ) as Record<PerfAttrFlagName, fc.Arbitrary<boolean>>,
)
const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 })
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
const attrArb: fc.Arbitrary<PerfEventAttr> = fc
  .record({
    flags: flagArb,
    type: u32,
    size: fc.constantFrom(C.PERF_ATTR_SIZE_VER7, C.PERF_ATTR_SIZE_VER8),
    config: u64,
    period: fc.maxSafeNat(),
    sample_type: fc.maxSafeNat(),
    read_format: fc.maxSafeNat(),
    precise_ip: fc.integer({ min: 0, max: 3 }),
    __reserved_1: fc.integer({ min: 0, max: 2 ** 26 - 1 }),
    wakeup: u32,
    bp_type: u32,
    config1: u64,
    config2: u64,
    branch_sample_type: fc.maxSafeNat(),
    sample_regs_user: u64,
    sample_stack_user: u32,
    clockid: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    sample_regs_intr: u64,
    aux_watermark: u32,
    sample_max_stack: fc.integer({ min: 0, max: 0xffff }),
    __reserved_2: fc.integer({ min: 0, max: 0xffff }),
    aux_sample_size: u32,
    aux_start_paused: fc.boolean(),
    aux_pause: fc.boolean(),
    aux_resume: fc.boolean(),
    __reserved_3: fc.integer({ min: 0, max: 2 ** 29 - 1 }),
    sig_data: u64,
    config3: u64,
  })
  .map(({ flags, period, wakeup, config3, size, ...r }) =>
    makeAttr({
      ...r,
      ...flags,
      size,
      sample_period: period,
      wakeup_events: wakeup,
      config3: size === C.PERF_ATTR_SIZE_VER8 ? config3 : 0n,
    }),
  )

describe('round trips', () => {
  it('decode(encode(attr)) = attr for any representable attr', () => {
    fc.assert(
      fc.property(attrArb, (a) => {
        const b = encodeAttr(a)
        expect(b.length).toBe(a.size === C.PERF_ATTR_SIZE_VER8 ? 136 : 128)
        expect(decodeAttr(b)).toEqual(a)
      }),
    )
  })

  it('encode(decode(bytes)) = bytes for any 128 bytes with size 128 and exact number fields', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 128, maxLength: 128 }), (raw) => {
        const dv = new DataView(raw.buffer)
        dv.setUint32(4, 128, true)
        // the number fields (sample_period, sample_type, read_format, branch_sample_type) < 2^53
        for (const off of [16, 24, 32, 72]) {
          dv.setUint8(off + 6, dv.getUint8(off + 6) & 0x1f)
          dv.setUint8(off + 7, 0)
        }
        expect(encodeAttr(decodeAttr(raw))).toEqual(raw)
      }),
    )
  })
})

describe('decodeAttr sizes', () => {
  function withSize(size: number, len = Math.max(size, 128)): Uint8Array {
    const b = new Uint8Array(len)
    new DataView(b.buffer).setUint32(4, size, true)
    b[24] = 1 // sample_type IP
    return b
  }

  it('accepts every published size; fields past the size read as zero', () => {
    for (const size of [64, 72, 80, 96, 104, 112, 120, 128, 136]) {
      const b = withSize(size, 136)
      b.fill(0xff, size) // beyond the size: never read
      const a = decodeAttr(b)
      expect(a.size).toBe(size)
      expect(a.sample_type).toBe(1)
      if (size <= 64) expect(a.config2).toBe(0n)
      if (size <= 128) expect(a.config3).toBe(0n)
    }
  })

  it('size 0 means VER0 (64 bytes) and stays 0', () => {
    const b = withSize(0, 64)
    const a = decodeAttr(b)
    expect(a.size).toBe(0)
    expect(a.sample_type).toBe(1)
    expect(encodeAttr(a).subarray(0, 64)).toEqual(b)
  })

  it('E2BIG for sizes below VER0, unpublished sizes up to VER8, and above PAGE_SIZE', () => {
    for (const size of [1, 8, 63, 65, 100, 127, 129, 135, 4097]) {
      expect(
        errnoOf(() => decodeAttr(withSize(size, Math.max(size, 136)))),
        String(size),
      ).toEqual({
        errno: 'E2BIG',
        field: 'size',
      })
    }
  })

  it('a larger unknown size is fine with a zero tail and E2BIG with a non-zero one', () => {
    const ok = withSize(200)
    expect(decodeAttr(ok).size).toBe(200)
    expect(decodeAttr(withSize(4096)).size).toBe(4096)
    const bad = withSize(200)
    bad[199] = 1
    expect(errnoOf(() => decodeAttr(bad))).toEqual({ errno: 'E2BIG', field: 'size' })
    const bad2 = withSize(144)
    bad2[136] = 1
    expect(errnoOf(() => decodeAttr(bad2))).toEqual({ errno: 'E2BIG', field: 'size' })
    // bytes past the claimed size are not the kernel's business
    const extra = withSize(128, 300)
    extra[200] = 1
    expect(decodeAttr(extra).size).toBe(128)
  })

  it('EINVAL when the buffer is shorter than the size or a number field is not exact', () => {
    expect(errnoOf(() => decodeAttr(withSize(128, 128).subarray(0, 100)))).toEqual({
      errno: 'EINVAL',
      field: 'bytes',
    })
    expect(errnoOf(() => decodeAttr(new Uint8Array(4)))).toEqual({
      errno: 'EINVAL',
      field: 'bytes',
    })
    const b = withSize(128)
    new DataView(b.buffer).setBigUint64(16, 1n << 60n, true)
    expect(errnoOf(() => decodeAttr(b))).toEqual({ errno: 'EINVAL', field: 'sample_period' })
  })
})

describe('makeAttr / encodeAttr argument checks', () => {
  it('names the bad field', () => {
    expect(errnoOf(() => makeAttr({ precise_ip: 4 }))).toEqual({
      errno: 'EINVAL',
      field: 'precise_ip',
    })
    expect(errnoOf(() => makeAttr({ type: -1 }))).toEqual({ errno: 'EINVAL', field: 'type' })
    expect(errnoOf(() => makeAttr({ config: -1n }))).toEqual({ errno: 'EINVAL', field: 'config' })
    expect(errnoOf(() => makeAttr({ sample_max_stack: 65536 }))).toEqual({
      errno: 'EINVAL',
      field: 'sample_max_stack',
    })
    expect(errnoOf(() => makeAttr({ sample_period: 1, sample_freq: 2 }))).toEqual({
      errno: 'EINVAL',
      field: 'sample_period',
    })
    expect(errnoOf(() => makeAttr({ wakeup_events: 1, wakeup_watermark: 2 }))).toEqual({
      errno: 'EINVAL',
      field: 'wakeup_events',
    })
    expect(makeAttr({ sample_freq: 4000, freq: true }).sample_period).toBe(4000)
    expect(makeAttr({ bp_addr: 5n }).config1).toBe(5n)
  })

  it('refuses non-zero fields past a smaller declared size', () => {
    expect(encodeAttr({ size: 64, config: 1n }).length).toBe(128)
    expect(errnoOf(() => encodeAttr({ size: 64, config2: 1n }))).toEqual({
      errno: 'EINVAL',
      field: 'config2',
    })
    expect(errnoOf(() => encodeAttr({ size: 96, sample_regs_intr: 1n }))).toEqual({
      errno: 'EINVAL',
      field: 'sample_regs_intr',
    })
  })

  it('PerfError carries the errno name and the negative number', () => {
    try {
      makeAttr({ precise_ip: 9 })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(PerfError)
      const p = e as PerfError
      expect(p.errno).toBe('EINVAL')
      expect(p.errnoNumber).toBe(-22)
      expect(p.message).toMatch(/^EINVAL: precise_ip: /)
    }
  })
})

describe('validateAttr: the kernel rules', () => {
  const base = { type: C.PERF_TYPE_SOFTWARE, sample_period: 1000 }
  const cases: [
    string,
    Parameters<typeof validateAttr>[0],
    PerfErrno,
    string,
    Parameters<typeof validateAttr>[1]?,
  ][] = [
    [
      'unknown sample_type bit',
      { ...base, sample_type: C.PERF_SAMPLE_MAX },
      'EINVAL',
      'sample_type',
    ],
    ['high sample_type bit', { ...base, sample_type: 2 ** 40 }, 'EINVAL', 'sample_type'],
    [
      'WEIGHT with WEIGHT_STRUCT',
      { ...base, sample_type: C.PERF_SAMPLE_WEIGHT | C.PERF_SAMPLE_WEIGHT_STRUCT },
      'EINVAL',
      'sample_type',
    ],
    [
      'unknown read_format bit',
      { ...base, read_format: C.PERF_FORMAT_MAX },
      'EINVAL',
      'read_format',
    ],
    ['size 100', { ...base, size: 100 }, 'E2BIG', 'size'],
    ['size 32', { ...base, size: 32 }, 'E2BIG', 'size'],
    ['size 8192', { ...base, size: 8192 }, 'E2BIG', 'size'],
    ['precise_ip 4', { ...base, precise_ip: 4 }, 'EINVAL', 'precise_ip'],
    ['reserved flag bits', { ...base, __reserved_1: 1 }, 'EINVAL', '__reserved_1'],
    ['__reserved_2', { ...base, __reserved_2: 1 }, 'EINVAL', '__reserved_2'],
    ['__reserved_3', { ...base, __reserved_3: 1 }, 'EINVAL', '__reserved_3'],
    [
      'unaligned sample_stack_user',
      { ...base, sample_type: C.PERF_SAMPLE_STACK_USER, sample_stack_user: 4100 },
      'EINVAL',
      'sample_stack_user',
    ],
    [
      'sample_stack_user 65535',
      { ...base, sample_type: C.PERF_SAMPLE_STACK_USER, sample_stack_user: 65535 },
      'EINVAL',
      'sample_stack_user',
    ],
    [
      'branch bits unknown',
      {
        ...base,
        sample_type: C.PERF_SAMPLE_BRANCH_STACK,
        branch_sample_type: C.PERF_SAMPLE_BRANCH_MAX | C.PERF_SAMPLE_BRANCH_ANY,
      },
      'EINVAL',
      'branch_sample_type',
    ],
    [
      'branch with only privilege levels',
      {
        ...base,
        sample_type: C.PERF_SAMPLE_BRANCH_STACK,
        branch_sample_type: C.PERF_SAMPLE_BRANCH_USER,
      },
      'EINVAL',
      'branch_sample_type',
    ],
    [
      'inherit_thread without inherit',
      { ...base, inherit_thread: true },
      'EINVAL',
      'inherit_thread',
    ],
    [
      'remove_on_exec with enable_on_exec',
      { ...base, remove_on_exec: true, enable_on_exec: true },
      'EINVAL',
      'remove_on_exec',
    ],
    ['sigtrap without remove_on_exec', { ...base, sigtrap: true }, 'EINVAL', 'sigtrap'],
    ['bad clockid', { ...base, use_clockid: true, clockid: 2 }, 'EINVAL', 'clockid'],
    [
      'freq above the sysctl',
      { freq: true, sample_freq: 200000 },
      'EINVAL',
      'sample_freq',
      { max_sample_rate: 100000 },
    ],
    [
      'group read above 16 KiB',
      { read_format: C.PERF_FORMAT_GROUP | C.PERF_FORMAT_ID | C.PERF_FORMAT_LOST },
      'E2BIG',
      'read_format',
      { group_size: 700 },
    ],
  ]

  it.each(cases)('%s', (_name, attr, errno, field, options) => {
    expect(errnoOf(() => validateAttr(attr, options))).toEqual({ errno, field })
  })

  it('accepts what the kernel accepts', () => {
    const ok: [Parameters<typeof validateAttr>[0], Parameters<typeof validateAttr>[1]?][] = [
      [{}],
      [{ size: 0 }],
      [{ size: 64 }],
      [{ size: 136, config3: 1n }],
      [{ size: 256 }], // unknown larger size, zero tail
      [{ freq: true, sample_freq: 0 }], // the reference has no rule against sample_freq 0
      [{ freq: true, sample_freq: 100000 }, { max_sample_rate: 100000 }],
      [
        {
          sample_type: C.PERF_SAMPLE_MAX - 1 - C.PERF_SAMPLE_WEIGHT,
          branch_sample_type: C.PERF_SAMPLE_BRANCH_ANY,
        },
      ],
      [{ read_format: C.PERF_FORMAT_MAX - 1 }],
      [{ sample_type: C.PERF_SAMPLE_STACK_USER, sample_stack_user: 65528 }],
      [{ sample_stack_user: 3 }], // only checked with STACK_USER
      [
        {
          sample_type: C.PERF_SAMPLE_BRANCH_STACK,
          branch_sample_type: C.PERF_SAMPLE_BRANCH_ANY | C.PERF_SAMPLE_BRANCH_HW_INDEX,
        },
      ],
      [{ inherit: true, inherit_thread: true }],
      [{ remove_on_exec: true, sigtrap: true }],
      [{ use_clockid: true, clockid: 1 }],
      [{ clockid: 2 }], // only checked with use_clockid
      [
        { read_format: C.PERF_FORMAT_GROUP | C.PERF_FORMAT_ID | C.PERF_FORMAT_LOST },
        { group_size: 600 },
      ],
    ]
    for (const [attr, options] of ok) {
      const label = JSON.stringify(attr, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
      expect(() => validateAttr(attr, options), label).not.toThrow()
    }
  })
})
