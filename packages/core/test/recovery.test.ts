/**
 * `rb.recoverWriter` in one thread: what it refuses, and that it is a no-op on a ring whose
 * writer closed (the recovery of writers that really died is tested with worker_threads in
 * test/workers/dead-writer.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { BusyError, RingBuffer, rawContiguousClient, rawPagedClient } from '../src/index.js'

const layouts = [
  { name: 'paged', client: rawPagedClient },
  { name: 'contiguous', client: rawContiguousClient },
]

describe.each(layouts)('recoverWriter, $name', ({ client }) => {
  it('refuses a ring whose writer is open in this thread, and recovers nothing after close', () => {
    const rb = RingBuffer.create({ cpus: 2, client, publishBatch: 64 })
    const w = rb.writer(1)
    expect(w.write(new Uint8Array(24))).toBe(true)
    expect(() => rb.recoverWriter(1)).toThrow(BusyError)
    // still the writer's ring: it writes on, the refused recovery changed nothing
    expect(w.write(new Uint8Array(24))).toBe(true)
    w.close()
    expect(rb.recoverWriter(1)).toEqual({ recovered: 0, lost: 0 })
    expect(rb.recoverWriter(0)).toEqual({ recovered: 0, lost: 0 })
    expect(rb.stats(1).written).toBe(2)
    expect(rb.stats(1).dropped).toBe(0)
    // the lock was given back: a writer opens without force
    rb.writer(1).close()
  })

  it('refuses bad CPUs and freed buffers with typed errors', () => {
    const rb = RingBuffer.create({ cpus: 2, client })
    expect(() => rb.recoverWriter(2)).toThrow(RangeError)
    expect(() => rb.recoverWriter(-1)).toThrow(RangeError)
    expect(() => rb.recoverWriter(Number.NaN)).toThrow(RangeError)
    rb.free()
    expect(() => rb.recoverWriter(0)).toThrow(TypeError)
  })
})

it('recoverWriter refuses a shared ring', () => {
  const rb = RingBuffer.create({ sync: 'shared' })
  expect(() => rb.recoverWriter(0)).toThrow(TypeError)
})
