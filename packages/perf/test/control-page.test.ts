/**
 * struct perf_event_mmap_page: accessors at the kernel offsets, decodeControlPage,
 * initControlPage, and the seqlock reader (bounded retries; consistent snapshots while a
 * writer in another worker updates the page).
 */
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { PerfMmapPageOffset } from '../src/constants.js'
import {
  decodeCapabilities,
  decodeControlPage,
  initControlPage,
  PerfEventMmapPage,
} from '../src/control-page.js'
import { readSelf, writeSelf } from '../src/control-page-seqlock.js'
import { PerfError } from '../src/errors.js'

const U64 = 2n ** 64n

function errOf(f: () => unknown): PerfError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(PerfError)
    return e as PerfError
  }
  throw new Error('did not throw')
}

/** [field, kind, a test value] for every field. */
const FIELDS = [
  ['version', 'u32', 0xdeadbeef],
  ['compat_version', 'u32', 7],
  ['lock', 'u32', 0xfffffffe],
  ['index', 'u32', 3],
  ['offset', 's64', -(2n ** 63n)],
  ['time_enabled', 'u64', U64 - 1n],
  ['time_running', 'u64', 123n],
  ['capabilities', 'u64', 0x3en],
  ['pmc_width', 'u16', 48],
  ['time_shift', 'u16', 31],
  ['time_mult', 'u32', 0x80000001],
  ['time_offset', 'u64', 2n ** 63n + 5n],
  ['time_zero', 'u64', 99n],
  ['size', 'u32', 96],
  ['time_cycles', 'u64', 1n << 40n],
  ['time_mask', 'u64', (1n << 56n) - 1n],
  ['data_head', 'u64', U64 - 47264n],
  ['data_tail', 'u64', 8176n],
  ['data_offset', 'u64', 4096n],
  ['data_size', 'u64', 8192n],
  ['aux_head', 'u64', 1n << 33n],
  ['aux_tail', 'u64', 17n],
  ['aux_offset', 'u64', 12288n],
  ['aux_size', 'u64', 65536n],
] as const

function rawRead(dv: DataView, kind: string, off: number): number | bigint {
  switch (kind) {
    case 'u16':
      return dv.getUint16(off, true)
    case 'u32':
      return dv.getUint32(off, true)
    case 's64':
      return dv.getBigInt64(off, true)
    default:
      return dv.getBigUint64(off, true)
  }
}

describe.each([false, true])('PerfEventMmapPage (shared %s)', (shared) => {
  const make = () => new Uint8Array(shared ? new SharedArrayBuffer(4096) : new ArrayBuffer(4096))

  it.each(FIELDS)('%s: written and read at the kernel offset', (name, kind, value) => {
    const bytes = make()
    const pc = new PerfEventMmapPage(bytes)
    ;(pc as unknown as Record<string, unknown>)[name] = value
    const dv = new DataView(bytes.buffer)
    expect(rawRead(dv, kind, PerfMmapPageOffset[name])).toBe(value)
    expect((pc as unknown as Record<string, unknown>)[name]).toBe(value)
    expect(decodeControlPage(bytes)[name]).toBe(value)
    // nothing else was touched
    const others = bytes.slice()
    const width = kind === 'u16' ? 2 : kind === 'u32' ? 4 : 8
    others.fill(0, PerfMmapPageOffset[name], PerfMmapPageOffset[name] + width)
    expect(others.every((b) => b === 0)).toBe(true)
  })

  it.each(FIELDS)('%s: refuses out-of-range values with PerfError EINVAL', (name, kind) => {
    const pc = new PerfEventMmapPage(make())
    const bad: unknown[] =
      kind === 'u16'
        ? [-1, 65536, 1.5, 1n]
        : kind === 'u32'
          ? [-1, 2 ** 32, 0.5, '1']
          : kind === 's64'
            ? [2n ** 63n, -(2n ** 63n) - 1n, 1]
            : [-1n, U64, 1]
    for (const v of bad) {
      const e = errOf(() => {
        ;(pc as unknown as Record<string, unknown>)[name] = v
      })
      expect(e.errno).toBe('EINVAL')
      expect(e.field).toBe(name)
    }
  })

  it('decodes the capability bits', () => {
    const pc = new PerfEventMmapPage(make())
    for (const [bit, name] of [
      [0x1n, 'cap_bit0'],
      [0x2n, 'cap_bit0_is_deprecated'],
      [0x4n, 'cap_user_rdpmc'],
      [0x8n, 'cap_user_time'],
      [0x10n, 'cap_user_time_zero'],
      [0x20n, 'cap_user_time_short'],
    ] as const) {
      pc.capabilities = bit | (1n << 40n) // a reserved high bit changes nothing
      const caps = decodeCapabilities(pc.capabilities)
      expect(Object.entries(caps).filter(([, on]) => on)).toEqual([[name, true]])
      expect(pc[name]).toBe(true)
      expect(decodeControlPage(pc.bytes)[name]).toBe(true)
    }
  })

  it('initControlPage: what the kernel writes at mmap time', () => {
    const bytes = make()
    bytes.fill(0xff)
    const big = new Uint8Array(
      shared ? new SharedArrayBuffer(4096 + 8192) : new ArrayBuffer(4096 + 8192),
    )
    big.set(bytes)
    initControlPage(big, 8192)
    const f = decodeControlPage(big)
    expect(f).toMatchObject({
      version: 0,
      compat_version: 0,
      lock: 0,
      capabilities: 2n,
      cap_bit0_is_deprecated: true,
      size: 96,
      data_head: 0n,
      data_tail: 0n,
      data_offset: 4096n,
      data_size: 8192n,
    })
    expect(big[1088]).toBe(0xff) // only the struct is cleared
    expect(errOf(() => initControlPage(big, 8192 * 2)).field).toBe('bytes')
    expect(errOf(() => initControlPage(big, 96)).field).toBe('dataSize')
    expect(errOf(() => initControlPage(big, 4, 1088)).field).toBe('dataSize')
    expect(errOf(() => initControlPage(big, 8, 100)).field).toBe('pageSize')
    expect(initControlPage(big, 0).data_size).toBe(0n) // a control page only (rdpmc use)
  })
})

describe('construction', () => {
  it('needs a Uint8Array of at least 1088 bytes, 8-aligned when shared', () => {
    expect(errOf(() => new PerfEventMmapPage(new Uint8Array(1087))).field).toBe('bytes')
    expect(errOf(() => new PerfEventMmapPage({} as Uint8Array)).field).toBe('bytes')
    expect(
      errOf(() => new PerfEventMmapPage(new Uint8Array(new SharedArrayBuffer(2000), 4))).field,
    ).toBe('bytes')
    // an unshared page may sit anywhere
    const pc = new PerfEventMmapPage(new Uint8Array(new ArrayBuffer(2000), 3))
    pc.data_head = 5n
    expect(pc.data_head).toBe(5n)
    expect(pc.shared).toBe(false)
  })
})

describe('readSelf (seqlock)', () => {
  it('returns the self-monitoring fields under an even, unchanged lock', () => {
    const pc = new PerfEventMmapPage(new Uint8Array(4096))
    writeSelf(pc, {
      index: 2,
      offset: -5n,
      time_enabled: 100n,
      time_running: 90n,
      capabilities: 0x1en,
      pmc_width: 48,
      time_shift: 10,
      time_mult: 1000,
      time_offset: 7n,
      time_zero: 8n,
      time_cycles: 9n,
      time_mask: 10n,
    })
    expect(pc.lock).toBe(2)
    expect(readSelf(pc)).toEqual({
      lock: 2,
      index: 2,
      offset: -5n,
      time_enabled: 100n,
      time_running: 90n,
      capabilities: 0x1en,
      cap_bit0: false,
      cap_bit0_is_deprecated: true,
      cap_user_rdpmc: true,
      cap_user_time: true,
      cap_user_time_zero: true,
      cap_user_time_short: false,
      pmc_width: 48,
      time_shift: 10,
      time_mult: 1000,
      time_offset: 7n,
      time_zero: 8n,
      time_cycles: 9n,
      time_mask: 10n,
    })
    expect(readSelf(pc.bytes).time_mult).toBe(1000)
  })

  it('gives up with PerfError EINVAL while the lock stays odd: bounded, never endless', () => {
    const pc = new PerfEventMmapPage(new Uint8Array(4096))
    pc.lock = 7
    const e = errOf(() => readSelf(pc, { maxTries: 50 }))
    expect(e.errno).toBe('EINVAL')
    expect(e.field).toBe('lock')
    expect(errOf(() => readSelf(pc)).errno).toBe('EINVAL') // the default 10000 tries end too
    expect(errOf(() => readSelf(pc, { maxTries: 0 })).field).toBe('maxTries')
  })

  it('retries while the lock changes between the two loads', () => {
    // pages whose lock moves under the reader (a stand-in for a concurrent writer)
    const moving = (lockAt: (load: number) => number) => {
      const pc = new PerfEventMmapPage(new Uint8Array(4096))
      let loads = 0
      Object.defineProperty(pc, 'lock', { get: () => lockAt(++loads) })
      return { pc, loads: () => loads }
    }
    // changes for 4 tries, then settles at 100
    const a = moving((n) => (n < 9 ? n * 2 : 100))
    expect(readSelf(a.pc, { maxTries: 10 }).lock).toBe(100)
    expect(a.loads()).toBe(10)
    // never settles: 2 loads per try, 10 tries, then EINVAL
    const b = moving((n) => n * 2)
    expect(errOf(() => readSelf(b.pc, { maxTries: 10 })).errno).toBe('EINVAL')
    expect(b.loads()).toBe(20)
    // odd: 1 load per try
    const c = moving(() => 3)
    expect(errOf(() => readSelf(c.pc, { maxTries: 10 })).errno).toBe('EINVAL')
    expect(c.loads()).toBe(10)
  })

  it('writeSelf validates everything before touching lock', () => {
    const pc = new PerfEventMmapPage(new Uint8Array(4096))
    expect(
      errOf(() => {
        writeSelf(pc, { time_enabled: 1n, time_mult: -1 })
      }).field,
    ).toBe('time_mult')
    expect(pc.lock).toBe(0)
    expect(pc.time_enabled).toBe(0n)
  })

  it('snapshots are consistent while a writer in another worker updates the page', async () => {
    const sab = new SharedArrayBuffer(4096)
    const stop = new SharedArrayBuffer(4)
    const pc = new PerfEventMmapPage(new Uint8Array(sab))
    const worker = new Worker(new URL('./workers/seqlock-writer.mjs', import.meta.url), {
      workerData: { sab, stop },
    })
    const updates = new Promise<number>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    try {
      let reads = 0
      let failures = 0
      const seen = new Set<number>()
      const deadline = Date.now() + 10_000
      while ((seen.size < 500 || reads < 20_000) && Date.now() < deadline) {
        let s
        try {
          s = readSelf(pc)
        } catch {
          failures++
          continue
        }
        reads++
        const k = s.time_mult
        seen.add(k)
        const v = BigInt(k)
        expect(s.lock % 2).toBe(0)
        expect([s.index, s.offset, s.time_enabled, s.time_running, s.time_shift]).toEqual([
          k & 0xffff,
          -v,
          v * 3n,
          v * 2n,
          k % 31,
        ])
        expect([s.time_offset, s.time_zero, s.time_cycles, s.time_mask]).toEqual([
          v * 5n,
          v * 7n,
          v * 11n,
          v * 13n,
        ])
        await Promise.resolve()
      }
      Atomics.store(new Int32Array(stop), 0, 1)
      expect(await updates).toBeGreaterThan(0)
      expect(seen.size).toBeGreaterThan(1)
      expect(failures).toBeLessThan(reads)
    } finally {
      Atomics.store(new Int32Array(stop), 0, 1)
      await worker.terminate()
    }
  })
})
