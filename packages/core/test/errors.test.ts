import { describe, expect, it } from 'vitest'
import { ALL_CPUS, RingBuffer, rawContiguousClient, rawPagedClient } from '../src/index.js'
import type { RingBufferOptions, RingClient, RingWriter } from '../src/index.js'
import * as L from '../src/layout.js'
import { drainCpu, expectArgError, payloadOf } from './helpers.js'

/** The buffer still works: a record goes through. */
function usable(rb: RingBuffer, cpu = 0): void {
  const w = rb.writer(cpu, { force: true })
  expect(w.write(payloadOf(7, 12))).toBe(true)
  w.close()
  const got = drainCpu(rb.reader(), cpu)
  expect(got.at(-1)!.payload).toEqual(Array.from(payloadOf(7, 12)))
}

/** A value of the wrong type, as JavaScript callers may pass. */
const bad = (v: unknown): never => v as never

describe('create', () => {
  const cases: [RingBufferOptions, typeof RangeError | typeof TypeError, string][] = [
    [bad(5), TypeError, 'options'],
    [{ client: bad({}) }, TypeError, 'client'],
    [{ client: { ...rawPagedClient, layout: bad('ring') } }, TypeError, 'client.layout'],
    [{ cpus: 0 }, RangeError, 'cpus'],
    [{ cpus: 1.5 }, RangeError, 'cpus'],
    [{ cpus: bad('2') }, TypeError, 'cpus'],
    [{ cpus: 1025 }, RangeError, 'cpus'],
    [{ mode: bad('lossy') }, RangeError, 'mode'],
    [{ sync: bad('locked') }, RangeError, 'sync'],
    [{ publishBatch: 0 }, RangeError, 'publishBatch'],
    [{ clock: bad('tsc') }, RangeError, 'clock'],
    [{ subbufSize: 300 }, RangeError, 'subbufSize'],
    [{ subbufSize: 128 }, RangeError, 'subbufSize'],
    [{ subbufSize: 1 << 21 }, RangeError, 'subbufSize'],
    [{ size: 0 }, RangeError, 'size'],
    [{ size: Number.NaN }, RangeError, 'size'],
    [{ size: 2 ** 31, subbufSize: 256 }, RangeError, 'size'],
    [{ spareSubbufs: 0 }, RangeError, 'spareSubbufs'],
    [{ spareSubbufs: 33 }, RangeError, 'spareSubbufs'],
    [{ size: 4096, maxByteLength: 100 }, RangeError, 'maxByteLength'],
    [{ client: rawContiguousClient, size: 3000 }, RangeError, 'size'],
    [{ client: rawContiguousClient, size: 2 ** 31 }, RangeError, 'size'],
    [{ client: rawContiguousClient, subbufSize: 4096 }, RangeError, 'subbufSize'],
    [{ client: rawContiguousClient, sync: 'shared' }, RangeError, 'sync'],
  ]
  it.each(cases)('rejects %o', (options, cls, name) => {
    expectArgError(() => RingBuffer.create(options), cls, name)
  })

  it('rejects a size that needs too many sub-buffers', () => {
    expectArgError(() => RingBuffer.subbufsFor(2 ** 30, 256), RangeError, 'size')
    expectArgError(() => RingBuffer.subbufsFor(-1, 256), RangeError, 'size')
  })
})

describe('writers', () => {
  for (const kind of ['paged', 'contiguous', 'shared'] as const) {
    const make = (): RingBuffer =>
      RingBuffer.create({
        cpus: 2,
        size: kind === 'contiguous' ? 1024 : 960,
        client: kind === 'contiguous' ? rawContiguousClient : rawPagedClient,
        sync: kind === 'shared' ? 'shared' : 'per-cpu',
        clock: 'counter',
        publishBatch: 1,
        ...(kind === 'contiguous' ? {} : { subbufSize: 256 }),
      })

    it(`${kind}: rejects bad cpus, lengths and timestamps and stays usable`, () => {
      const rb = make()
      expectArgError(() => rb.writer(2), RangeError, 'cpu')
      expectArgError(() => rb.writer(-1), RangeError, 'cpu')
      expectArgError(() => rb.writer(0.5), RangeError, 'cpu')
      expectArgError(() => rb.writer(bad('0')), TypeError, 'cpu')
      const w = rb.writer(0)
      expectArgError(() => w.reserve(-1), RangeError, 'length')
      expectArgError(() => w.reserve(rb.maxPayload + 1), RangeError, 'length')
      expectArgError(() => w.reserve(1.5), RangeError, 'length')
      expectArgError(() => w.reserve(Number.NaN), RangeError, 'length')
      expectArgError(() => w.reserve(bad('8')), TypeError, 'length')
      expectArgError(() => w.reserve(8, -5), RangeError, 'timestamp')
      expectArgError(() => w.write(bad(null)), TypeError, 'data')
      expectArgError(() => w.write(bad([1, 2, 3])), TypeError, 'data')
      expectArgError(
        () => {
          w.commit()
        },
        TypeError,
        'commit',
      )
      expectArgError(
        () => {
          w.discard()
        },
        TypeError,
        'discard',
      )
      expect(w.depth).toBe(0)
      w.reserve(4)
      expectArgError(
        () => {
          w.close()
        },
        TypeError,
        'close',
      )
      w.discard()
      w.close()
      usable(rb)
    })

    it(`${kind}: a closed writer refuses to write`, () => {
      const rb = make()
      const w: RingWriter = rb.writer(1)
      w.write(payloadOf(0, 8))
      w.close()
      expectArgError(() => w.reserve(8), TypeError, 'writer')
      expectArgError(() => w.write(payloadOf(1, 8)), TypeError, 'writer')
      expectArgError(
        () => {
          w.flush()
        },
        TypeError,
        'writer',
      )
      expect(drainCpu(rb.reader(), 1)).toHaveLength(1)
      usable(rb, 1)
    })
  }
})

describe('readers and control', () => {
  it('rejects bad cpus everywhere and stays usable', () => {
    const rb = RingBuffer.create({
      cpus: 2,
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
    })
    const r = rb.reader()
    for (const cpu of [2, -2, 0.5]) {
      expectArgError(() => r.peek(cpu), RangeError, 'cpu')
      expectArgError(() => r.consume(cpu), RangeError, 'cpu')
      expectArgError(() => r.empty(cpu), RangeError, 'cpu')
      expectArgError(() => r.drain(cpu, () => undefined), RangeError, 'cpu')
      expectArgError(() => r.takeSubbuf(cpu), RangeError, 'cpu')
      expectArgError(() => r.iterator(cpu), RangeError, 'cpu')
      expectArgError(() => r.wait(cpu, { timeout: 0 }), RangeError, 'cpu')
      expectArgError(() => rb.stats(cpu), RangeError, 'cpu')
      expectArgError(
        () => {
          rb.reset(cpu)
        },
        RangeError,
        'cpu',
      )
      expectArgError(
        () => {
          rb.recordDisable(cpu)
        },
        RangeError,
        'cpu',
      )
      expectArgError(
        () => {
          rb.recordEnable(cpu)
        },
        RangeError,
        'cpu',
      )
      expectArgError(() => rb.isOn(cpu), RangeError, 'cpu')
      expectArgError(() => rb.subbufBytes(cpu), RangeError, 'cpu')
    }
    expectArgError(() => r.consume(bad('1')), TypeError, 'cpu')
    usable(rb, 1)
  })

  it('rejects bad ids, functions and layouts', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const r = rb.reader()
    expectArgError(() => rb.subbufBytes(0, rb.physicalSubbufs), RangeError, 'id')
    expectArgError(() => rb.subbufBytes(0, -1), RangeError, 'id')
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    expectArgError(() => r.drain(0, bad(undefined)), TypeError, 'fn')
    expect(rb.stats(0).read).toBe(0) // nothing was consumed by the refused call
    expectArgError(() => rb.stats(bad(null)), TypeError, 'cpu')
    const c = RingBuffer.create({ client: rawContiguousClient, size: 1024 })
    expectArgError(() => c.reader().takeSubbuf(0), TypeError, 'takeSubbuf')
    expect(rb.stats(ALL_CPUS).written).toBe(1)
    w.close()
    usable(rb)
  })

  it('the async record iterator rejects a bad cpu', async () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256 })
    const gen = rb.reader().records({ cpu: 3 })
    await expect(gen.next()).rejects.toThrow(/^cpu:/)
  })
})

describe('attach', () => {
  it('rejects what is not a live onering buffer', () => {
    expectArgError(() => RingBuffer.attach(bad(new ArrayBuffer(4096))), TypeError, 'sab')
    expectArgError(() => RingBuffer.attach(new SharedArrayBuffer(64)), TypeError, 'sab')
    const foreign = new SharedArrayBuffer(4096)
    new Uint8Array(foreign).forEach((_, k, a) => (a[k] = (k * 7919) & 255))
    expectArgError(() => RingBuffer.attach(foreign), TypeError, 'sab')
    expectArgError(() => RingBuffer.attach(new SharedArrayBuffer(4096)), TypeError, 'sab')
  })

  it('rejects a corrupted header and a wrong version, then works once repaired', () => {
    const rb = RingBuffer.create({
      cpus: 2,
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
    })
    const i32 = new Int32Array(rb.sab, 0, 64)
    // a mutable word (mode flags) is not covered by the checksum
    i32[L.H_FLAGS] = i32[L.H_FLAGS]! ^ L.MODE_OVERWRITE
    expect(RingBuffer.attach(rb.sab).mode).toBe('produce-consume')
    i32[L.H_FLAGS] = i32[L.H_FLAGS] ^ L.MODE_OVERWRITE
    for (const word of [L.H_CPUS, L.H_SUBBUFS, L.H_CPU_STRIDE, L.H_UNIT_SHIFT, L.H_TOTAL_BYTES]) {
      const saved = i32[word]!
      i32[word] = saved + 1
      let err: unknown
      try {
        RingBuffer.attach(rb.sab)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(TypeError)
      expect((err as Error).message).toMatch(/^sab: corrupted header/)
      i32[word] = saved
    }
    const saved = i32[L.H_VERSION]!
    i32[L.H_VERSION] = 99
    expectArgError(() => RingBuffer.attach(rb.sab), TypeError, 'sab')
    i32[L.H_VERSION] = saved
    usable(RingBuffer.attach(rb.sab), 1)
    usable(rb)
  })

  it('rejects the wrong client and asks for an unregistered one', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    expectArgError(
      () => RingBuffer.attach(rb.sab, { client: rawContiguousClient }),
      TypeError,
      'client',
    )
    const custom: RingClient = { ...rawPagedClient, id: 'test.unregistered/1' }
    const i32 = new Int32Array(rb.sab, 0, 64)
    const saved = [i32[L.H_CLIENT]!, i32[L.H_CHECK]!]
    // make the buffer name a client this worker never registered
    i32[L.H_CLIENT] = 0x7a7a7a7a
    i32[L.H_CHECK] = L.headerChecksum(i32)
    expectArgError(() => RingBuffer.attach(rb.sab), TypeError, 'client')
    i32[L.H_CLIENT] = saved[0]!
    i32[L.H_CHECK] = saved[1]!
    expectArgError(() => RingBuffer.attach(rb.sab, { client: custom }), TypeError, 'client')
    // a buffer made with a custom client finds it in the registry
    const other = RingBuffer.create({
      client: custom,
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
    })
    expect(RingBuffer.attach(other.sab).client).toBe(custom)
    usable(rb)
  })

  it('asks for the clock function of a buffer made with one', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: () => 42, publishBatch: 1 })
    expectArgError(() => RingBuffer.attach(rb.sab), TypeError, 'clock')
    expectArgError(() => RingBuffer.attach(rb.sab, { clock: bad(42) }), TypeError, 'clock')
    const other = RingBuffer.attach(rb.sab, { clock: () => 43 })
    other.writer(0).write(payloadOf(0, 8))
    expect(drainCpu(rb.reader(), 0).map((x) => x.ts)).toEqual([43])
  })
})

describe('corrupt records', () => {
  it('paged: readers report a corrupt record as a TypeError naming the ring', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    const off = w.reserve(8)
    w.commit()
    new DataView(rb.sab).setUint32(off - 8, ((7 << 28) | 8) >>> 0, true) // type 7 is no record type
    const r = rb.reader()
    expect(r.consume(0)!.timestamp).toBe(1)
    expectArgError(() => r.consume(0), TypeError, 'cpu')
    expectArgError(() => r.peek(0), TypeError, 'cpu')
    const it = r.iterator(0)
    expectArgError(() => it.next(), TypeError, 'cpu')
    it.close()
    expectArgError(() => r.takeSubbuf(0, { copy: true }), TypeError, 'cpu')
  })

  it('contiguous: readers report a corrupt record as a TypeError naming the ring', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      clock: 'counter',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    const off = w.reserve(8)
    w.commit()
    new DataView(rb.sab).setUint32(off - 16, ((7 << 28) | 8) >>> 0, true)
    const r = rb.reader()
    expect(r.consume(0)!.timestamp).toBe(1)
    expectArgError(() => r.consume(0), TypeError, 'cpu')
  })
})
