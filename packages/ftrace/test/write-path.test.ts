/**
 * The write path's fast checks: the handle's open writer stands for the per-call liveness and
 * geometry checks, the engine's counter clock (`clock: 'counter'`), every committed event
 * visible (and counted) at once on another handle of the same memory, the small-payload copy
 * of ring_buffer_write.
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import {
  RB_FL_OVERWRITE,
  TraceBuffer,
  ring_buffer_alloc,
  ring_buffer_consume,
  ring_buffer_discard_commit,
  ring_buffer_entries_cpu,
  ring_buffer_event_data,
  ring_buffer_event_time_stamp,
  ring_buffer_free,
  ring_buffer_lock_reserve,
  ring_buffer_overrun_cpu,
  ring_buffer_read_events_cpu,
  ring_buffer_resize,
  ring_buffer_time_stamp,
  ring_buffer_unlock_commit,
  ring_buffer_write,
} from '../src/index.js'
import { payload } from './helpers.js'

describe('the write path', () => {
  it("counts events with clock: 'counter', in every handle", () => {
    const tb = ring_buffer_alloc(8192, 0, { clock: 'counter' })
    for (let k = 1; k <= 5; k++) {
      const ev = ring_buffer_lock_reserve(tb, 8)!
      expect(ring_buffer_event_time_stamp(tb, ev)).toBe(k)
      ring_buffer_unlock_commit(tb)
    }
    expect(ring_buffer_time_stamp(tb)).toBe(5)
    const other = TraceBuffer.attach(tb.sab)
    const got: number[] = []
    for (let e = ring_buffer_consume(other, 0); e !== null; e = ring_buffer_consume(other, 0))
      got.push(e.ts)
    expect(got).toEqual([1, 2, 3, 4, 5])
    expect(() => ring_buffer_alloc(8192, 0, { clock: 'local' as 'mono' })).toThrow(RangeError)
  })

  it('makes each committed event visible and counted at once on another handle', () => {
    const tb = ring_buffer_alloc(4096 * 3, RB_FL_OVERWRITE, { clock: 'counter' })
    const other = TraceBuffer.attach(tb.sab)
    let read = 0
    for (let k = 0; k < 3000; k++) {
      expect(ring_buffer_write(tb, 24 + (k % 7), payload(31, k))).toBe(0)
      expect(
        ring_buffer_entries_cpu(other, 0) +
          ring_buffer_read_events_cpu(other, 0) +
          ring_buffer_overrun_cpu(other, 0),
      ).toBe(k + 1)
      if (k % 1000 === 999) {
        // the event just written is the newest one the reader gets
        let last = null
        for (let e = ring_buffer_consume(other, 0); e !== null; e = ring_buffer_consume(other, 0)) {
          last = e.ts
          read++
        }
        expect(last).toBe(k + 1)
      }
    }
    expect(ring_buffer_read_events_cpu(other, 0)).toBe(read)
    expect(ring_buffer_overrun_cpu(other, 0)).toBeGreaterThan(0)
  })

  it('copies small and large payloads, and only `length` bytes of them', () => {
    const tb = ring_buffer_alloc(8192, 0)
    for (const [len, size] of [
      [5, 16],
      [32, 32],
      [33, 40],
      [300, 300],
      [0, 8],
    ] as const) {
      expect(ring_buffer_write(tb, len, payload(size, len))).toBe(0)
      const e = ring_buffer_consume(tb, 0)!
      const data = ring_buffer_event_data(e.event)
      expect(Array.from(data.subarray(0, len))).toEqual(Array.from(payload(len, len)))
    }
    expect(() => ring_buffer_write(tb, 9, payload(8))).toThrow(RangeError)
    expect(() => ring_buffer_write(tb, 1.5, payload(8))).toThrow(RangeError)
    expect(() => ring_buffer_write(tb, 1, [1] as unknown as Uint8Array)).toThrow(TypeError)
    const notABuffer = null as unknown as TraceBuffer
    expect(() => ring_buffer_write(notABuffer, 1, payload(1))).toThrow(TypeError)
    expect(() => ring_buffer_lock_reserve(notABuffer, 1)).toThrow(TypeError)
    expect(() => ring_buffer_unlock_commit(notABuffer)).toThrow(TypeError)
  })

  it('refuses to write once any handle freed the buffer, with a writer open', () => {
    const tb = ring_buffer_alloc(8192, 0)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
    ring_buffer_free(TraceBuffer.attach(tb.sab))
    expect(() => ring_buffer_write(tb, 4, payload(4))).toThrow(TypeError)
    expect(() => ring_buffer_lock_reserve(tb, 4)).toThrow(TypeError)
  })

  it('sees the new geometry after a resize (the open writer is closed by it)', () => {
    const tb = ring_buffer_alloc(4096 * 8, RB_FL_OVERWRITE)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
    expect(ring_buffer_resize(tb, 4096 * 2, -1)).toBe(0)
    for (let k = 0; k < 200; k++) expect(ring_buffer_write(tb, 100, payload(100, k))).toBe(0)
    const ev = ring_buffer_lock_reserve(tb, 8)!
    ring_buffer_discard_commit(tb, ev)
    // the resize kept the first event (rb_update_pages keeps the data): 201 in all
    expect(ring_buffer_entries_cpu(tb, 0) + ring_buffer_overrun_cpu(tb, 0)).toBe(201)
    expect(ring_buffer_overrun_cpu(tb, 0)).toBeGreaterThan(0)
  })
})

describe('a writer in another worker', () => {
  const dist = new URL('../dist/index.js', import.meta.url)

  it('has every event visible and counted here as soon as its unlock_commit returned', async () => {
    expect(
      existsSync(dist),
      'build @onering/ftrace first: npx nx run-many -t build --projects=@onering/ftrace',
    ).toBe(true)
    const N = 200_000
    const tb = ring_buffer_alloc(4096 * 4, 0, { clock: 'counter' })
    const side = new Int32Array(new SharedArrayBuffer(8))
    const worker = new Worker(new URL('./workers/visibility-writer.mjs', import.meta.url), {
      workerData: { sab: tb.sab, side: side.buffer, count: N },
    })
    let failure: unknown = null
    worker.once('error', (e) => {
      failure = e
    })
    let next = 0
    let checks = 0
    const step = (): void => {
      for (let spin = 0; spin < 2000; spin++) {
        const returned = Atomics.load(side, 0)
        // every event committed before `returned` was published is counted ...
        const s = tb.rb.stats(0)
        expect(s.written).toBeGreaterThanOrEqual(returned)
        // ... and can be consumed now
        for (let e = ring_buffer_consume(tb, 0); e !== null; e = ring_buffer_consume(tb, 0)) {
          const v = new DataView(e.event.bytes.buffer, e.event.bytes.byteOffset)
          expect(v.getUint32(e.event.dataOffset, true)).toBe(next)
          expect(e.ts).toBe(next + 1)
          next++
        }
        expect(next).toBeGreaterThanOrEqual(returned)
        checks++
      }
    }
    while (Atomics.load(side, 1) === 0 && failure === null) {
      step()
      await new Promise((r) => setTimeout(r, 0))
    }
    expect(failure).toBeNull()
    step()
    await worker.terminate()
    expect(next).toBe(N)
    expect(checks).toBeGreaterThan(0)
    const s = tb.rb.stats(0)
    expect(s).toMatchObject({ written: N, read: N, entries: 0, overrun: 0, lost: 0 })
  }, 120_000)
})
