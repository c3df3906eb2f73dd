/**
 * Time conversion (§6 of the reference; perf's tsc.c, libperf's perf_mmap__read_self):
 * capability checks first, then u64 arithmetic against independently computed values.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PerfError } from '../src/errors.js'
import { cyclesToPerfTime, cyclesToTimeDelta, perfTimeToCycles } from '../src/time.js'
import type { PerfTimeConversion } from '../src/time.js'

const U64 = 2n ** 64n
const CAP_USER_TIME = 0x8n
const CAP_USER_TIME_ZERO = 0x10n
const CAP_USER_TIME_SHORT = 0x20n

/** A 3 GHz TSC as x86 publishes it: mult/2^shift ns per cycle. */
const tsc3GHz: PerfTimeConversion = {
  capabilities: 0x2n | CAP_USER_TIME | CAP_USER_TIME_ZERO,
  time_shift: 31,
  time_mult: 715_827_882, // floor(2^31 / 3)
  time_zero: 1_000_000n,
  time_offset: 50n,
}

function errnoOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(PerfError)
    return (e as PerfError).errno
  }
  throw new Error('did not throw')
}

describe('capability checks', () => {
  it('refuses without cap_user_time_zero / cap_user_time (EOPNOTSUPP)', () => {
    const noCaps = { ...tsc3GHz, capabilities: 0x2n }
    expect(errnoOf(() => cyclesToPerfTime(noCaps, 1n))).toBe('EOPNOTSUPP')
    expect(errnoOf(() => perfTimeToCycles(noCaps, 1n))).toBe('EOPNOTSUPP')
    expect(errnoOf(() => cyclesToTimeDelta(noCaps, 1n))).toBe('EOPNOTSUPP')
    // cap_user_time alone is not enough for time_zero conversions, and vice versa
    const timeOnly = { ...tsc3GHz, capabilities: CAP_USER_TIME }
    expect(errnoOf(() => cyclesToPerfTime(timeOnly, 1n))).toBe('EOPNOTSUPP')
    expect(cyclesToTimeDelta(timeOnly, 3n)).toBe(50n + ((3n * 715_827_882n) >> 31n))
    const zeroOnly = { ...tsc3GHz, capabilities: CAP_USER_TIME_ZERO }
    expect(errnoOf(() => cyclesToTimeDelta(zeroOnly, 1n))).toBe('EOPNOTSUPP')
    expect(cyclesToPerfTime(zeroOnly, 0n)).toBe(1_000_000n)
  })

  it('checks the capability before the values (the no-PMU page has zeros)', () => {
    const vm = { capabilities: 0x2n, time_shift: 0, time_mult: 0, time_zero: 0n }
    expect(errnoOf(() => perfTimeToCycles(vm, 5n))).toBe('EOPNOTSUPP')
  })

  it('refuses bad fields and arguments (EINVAL)', () => {
    expect(errnoOf(() => perfTimeToCycles({ ...tsc3GHz, time_mult: 0 }, 5n))).toBe('EINVAL')
    expect(errnoOf(() => cyclesToPerfTime({ ...tsc3GHz, time_shift: 64 }, 5n))).toBe('EINVAL')
    expect(errnoOf(() => cyclesToPerfTime({ ...tsc3GHz, time_mult: 2 ** 32 }, 5n))).toBe('EINVAL')
    expect(errnoOf(() => cyclesToPerfTime({ ...tsc3GHz, time_zero: -1n }, 5n))).toBe('EINVAL')
    expect(errnoOf(() => cyclesToPerfTime(tsc3GHz, -1n))).toBe('EINVAL')
    expect(errnoOf(() => cyclesToPerfTime(tsc3GHz, U64))).toBe('EINVAL')
    expect(errnoOf(() => cyclesToPerfTime(tsc3GHz, 5 as unknown as bigint))).toBe('EINVAL')
    expect(errnoOf(() => cyclesToPerfTime(null as unknown as PerfTimeConversion, 5n))).toBe(
      'EINVAL',
    )
    expect(errnoOf(() => cyclesToPerfTime({ ...tsc3GHz, capabilities: -1n }, 5n))).toBe('EINVAL')
  })
})

describe('values', () => {
  it('cycles → perf time: time_zero + cyc × mult / 2^shift (split as in tsc.c)', () => {
    // 3e9 cycles at 3 GHz ≈ 1 s (mult is rounded down, so slightly less)
    const t = cyclesToPerfTime(tsc3GHz, 3_000_000_000n)
    expect(t).toBe(1_000_000n + (3_000_000_000n * 715_827_882n) / 2n ** 31n)
    expect(t).toBe(1_000_999_999n)
  })

  it('perf time → cycles: the reverse of tsc.c (floor of t × 2^shift / mult)', () => {
    expect(perfTimeToCycles(tsc3GHz, 1_000_999_999n)).toBe(
      (999_999_999n * 2n ** 31n) / 715_827_882n,
    )
    expect(perfTimeToCycles(tsc3GHz, 1_000_999_999n)).toBe(2_999_999_999n) // 3e9 cycles, minus the ns lost by flooring
    expect(perfTimeToCycles(tsc3GHz, 1_000_000n)).toBe(0n)
    // before time_zero: u64 wrap, as in C
    expect(perfTimeToCycles({ ...tsc3GHz, time_shift: 0, time_mult: 1 }, 999_999n)).toBe(U64 - 1n)
  })

  it('wraps like u64 arithmetic', () => {
    const tc = {
      capabilities: CAP_USER_TIME_ZERO,
      time_shift: 0,
      time_mult: 2,
      time_zero: U64 - 1n,
    }
    expect(cyclesToPerfTime(tc, 1n)).toBe(1n) // (2^64 − 1) + 2 mod 2^64
    expect(cyclesToPerfTime(tc, U64 - 1n)).toBe(U64 - 3n)
    // the rem × mult product wraps before the shift, as in C
    const w = { capabilities: CAP_USER_TIME_ZERO, time_shift: 63, time_mult: 4, time_zero: 0n }
    const cyc = (1n << 63n) - 1n // quot 0, rem 2^63 − 1
    expect(cyclesToPerfTime(w, cyc)).toBe(BigInt.asUintN(64, cyc * 4n) >> 63n)
  })

  it('cap_user_time_short widens the cycles with time_cycles/time_mask first', () => {
    const tc: PerfTimeConversion = {
      capabilities: CAP_USER_TIME_ZERO | CAP_USER_TIME_SHORT | CAP_USER_TIME,
      time_shift: 0,
      time_mult: 1,
      time_zero: 0n,
      time_offset: 0n,
      time_cycles: 0x1_0000_fff0n, // last update: counter had wrapped once (32-bit)
      time_mask: 0xffff_ffffn,
    }
    // the 32-bit counter now reads 0x10 (it wrapped again): 0x20 cycles after time_cycles
    expect(cyclesToPerfTime(tc, 0x10n)).toBe(
      0x1_0000_fff0n + ((0x10n - 0x1_0000_fff0n) & 0xffff_ffffn),
    )
    expect(cyclesToPerfTime(tc, 0x10n)).toBe(0x2_0000_0010n)
    expect(cyclesToTimeDelta(tc, 0x10n)).toBe(0x2_0000_0010n)
    // without the bit the fields are ignored
    expect(cyclesToPerfTime({ ...tc, capabilities: CAP_USER_TIME_ZERO }, 0x10n)).toBe(0x10n)
  })

  it('delta: time_offset + mul_u64_u32_shr (a 128-bit product)', () => {
    const tc = { ...tsc3GHz, time_offset: U64 - 10n }
    expect(cyclesToTimeDelta(tc, 3n)).toBe(
      BigInt.asUintN(64, U64 - 10n + ((3n * 715_827_882n) >> 31n)),
    )
    const big = {
      capabilities: CAP_USER_TIME,
      time_shift: 4,
      time_mult: 2 ** 32 - 1,
      time_zero: 0n,
    }
    expect(cyclesToTimeDelta(big, U64 - 1n)).toBe(
      BigInt.asUintN(64, ((U64 - 1n) * (2n ** 32n - 1n)) >> 4n),
    )
  })

  it('round trip (fast-check): ns → cycles → ns loses less than one cycle', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 1, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: 0n, max: U64 - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
        (shift, mult, zero, t) => {
          const tc = {
            capabilities: CAP_USER_TIME_ZERO,
            time_shift: shift,
            time_mult: mult,
            time_zero: zero,
          }
          const time = BigInt.asUintN(64, zero + t)
          const cyc = perfTimeToCycles(tc, time)
          expect(cyc).toBe((t << BigInt(shift)) / BigInt(mult))
          const back = BigInt.asUintN(64, cyclesToPerfTime(tc, cyc) - zero)
          expect(back).toBeLessThanOrEqual(t)
          // two floors: t − back < mult / 2^shift (one cycle in ns) + 1
          expect((t - back - 1n) * 2n ** BigInt(shift)).toBeLessThan(BigInt(mult))
        },
      ),
      { numRuns: 500 },
    )
  })
})
