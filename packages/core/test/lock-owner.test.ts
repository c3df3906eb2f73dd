import { describe, expect, it } from 'vitest'
import { RingBuffer } from '../src/index.js'
import * as L from '../src/layout.js'
import { runInWorker } from './in-worker.js'

/**
 * Locks with an owner and a bounded wait (reliability issue, point B.4): a lock word holding a
 * value no live holder wrote is recovered, one held by another thread ends in a BusyError
 * naming the lock and the thread. Each case runs in a worker thread, so a hang is a timeout.
 */
function buffer(sync: 'per-cpu' | 'shared' = 'per-cpu'): RingBuffer {
  const rb = RingBuffer.create({ size: 4096, subbufSize: 256, sync, clock: 'counter' })
  const w = rb.writer(0)
  w.write(new Uint8Array([1, 2, 3, 4]))
  w.close()
  return rb
}

const readOne = `async (core, sab) => {
  const rb = core.RingBuffer.attach(sab)
  const rec = rb.reader().consume(0)
  return rec === null ? null : rec.length
}`

describe('reader lock (C_READER_LOCK)', () => {
  it('is taken over from garbage (no live holder) and the read goes on', async () => {
    const rb = buffer()
    rb.i32[rb.ctl(0) + L.C_READER_LOCK] = 0x12345678
    expect(await runInWorker(rb.sab, readOne, 8000)).toEqual({ kind: 'result', value: 4 })
    expect(rb.i32[rb.ctl(0) + L.C_READER_LOCK]).toBe(0)
  })

  it("ends in a BusyError naming the lock and the holder's thread when a live token holds it", async () => {
    const rb = buffer()
    rb.i32[rb.ctl(0) + L.C_READER_LOCK] = rb.token
    const out = await runInWorker(rb.sab, readOne, 8000)
    expect(out).toMatchObject({ kind: 'error', name: 'BusyError' })
    const msg = (out as { message: string }).message
    expect(msg).toMatch(/^cpu: ring 0's reader lock \(C_READER_LOCK\) is held by thread \d+/)
    // released by its holder, the ring reads again
    rb.i32[rb.ctl(0) + L.C_READER_LOCK] = 0
    expect(rb.reader().consume(0)?.length).toBe(4)
  })
})

describe("shared writers' stats lock (C_STATS_LOCK)", () => {
  it('is taken over from garbage and the writer publishes its counters', async () => {
    const rb = buffer('shared')
    rb.i32[rb.ctl(0) + L.C_STATS_LOCK] = 1
    const out = await runInWorker(
      rb.sab,
      `async (core, sab) => {
        const rb = core.RingBuffer.attach(sab)
        const w = rb.writer(0)
        w.write(new Uint8Array(8))
        w.close()
        return rb.stats(0).written
      }`,
      8000,
    )
    expect(out).toEqual({ kind: 'result', value: 2 })
  })
})

describe('writer lock (C_WRITER_LOCK)', () => {
  it("names the holder's thread when a per-CPU ring already has a writer", () => {
    const rb = buffer()
    const w = rb.writer(0)
    expect(() => rb.writer(0)).toThrow(
      /^cpu: ring 0 already has a writer \(per-cpu sync\), thread \d+/,
    )
    w.close()
  })

  it('is taken over from garbage without force', () => {
    const rb = buffer()
    rb.i32[rb.ctl(0) + L.C_WRITER_LOCK] = -5
    const w = rb.writer(0)
    w.write(new Uint8Array(4))
    w.close()
    expect(rb.stats(0).written).toBe(2)
  })
})
