import { describe, expect, it } from 'vitest'
import { ALL_CPUS, RingBuffer, rawContiguousClient } from '../src/index.js'
import { expectArgError, payloadOf, tick } from './helpers.js'

function paged(cpus = 1): RingBuffer {
  return RingBuffer.create({
    cpus,
    size: 960,
    subbufSize: 256,
    clock: 'counter',
    publishBatch: 1000,
  })
}

/** Track whether a promise settled, without awaiting it. */
function track(p: Promise<boolean>): { done: () => boolean; result: Promise<boolean> } {
  let settled = false
  const result = p.then((v) => {
    settled = true
    return v
  })
  return { done: () => settled, result }
}

describe('waitAsync', () => {
  it('resolves once another writer published the requested number of records', async () => {
    const rb = paged()
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    w.flush() // one record before the wait does not count
    const r = rb.reader()
    const t = track(r.waitAsync(0, { records: 3 }))
    w.write(payloadOf(1, 8))
    w.write(payloadOf(2, 8))
    await tick(20)
    expect(t.done()).toBe(false) // not published yet
    w.flush()
    await tick(20)
    expect(t.done()).toBe(false) // 2 of 3
    w.write(payloadOf(3, 8))
    w.flush()
    expect(await t.result).toBe(true)
  })

  it('resolves on a byte watermark', async () => {
    const rb = paged()
    const w = rb.writer(0)
    const t = track(rb.reader().waitAsync(0, { bytes: 100 }))
    w.write(payloadOf(0, 40))
    w.write(payloadOf(1, 40))
    w.flush()
    await tick(20)
    expect(t.done()).toBe(false) // 96 bytes
    w.write(payloadOf(2, 40))
    w.flush()
    expect(await t.result).toBe(true)
  })

  it('resolves when the given share of sub-buffers holds unread data', async () => {
    const rb = paged() // 4 sub-buffers: 50% is 2
    const w = rb.writer(0)
    const t = track(rb.reader().waitAsync(0, { percent: 50 }))
    for (let k = 0; k < 5; k++) w.write(payloadOf(k, 40))
    w.flush()
    await tick(20)
    expect(t.done()).toBe(false) // one sub-buffer
    w.write(payloadOf(5, 40)) // enters the second one and publishes
    expect(await t.result).toBe(true)
  })

  it('resolves for any record without a watermark, and at once when data is there', async () => {
    const rb = paged()
    const w = rb.writer(0)
    const r = rb.reader()
    const t = track(r.waitAsync(0))
    await tick(10)
    expect(t.done()).toBe(false)
    w.write(payloadOf(0, 8))
    w.flush()
    expect(await t.result).toBe(true)
    expect(await r.waitAsync(0, { timeout: 0 })).toBe(true) // the record is still unread
    expect(await r.waitAsync(0, { percent: 0, timeout: 0 })).toBe(true)
  })

  it('times out with false', async () => {
    const rb = paged()
    const r = rb.reader()
    expect(await r.waitAsync(0, { timeout: 30 })).toBe(false)
    expect(await r.waitAsync(0, { records: 1, timeout: 0 })).toBe(false)
    expect(await r.waitAsync(ALL_CPUS, { timeout: 10 })).toBe(false)
  })

  it('waits on every CPU with ALL_CPUS', async () => {
    const rb = paged(3)
    const w = rb.writer(2)
    const t = track(rb.reader().waitAsync(ALL_CPUS))
    await tick(10)
    expect(t.done()).toBe(false)
    w.write(payloadOf(0, 8))
    w.flush()
    expect(await t.result).toBe(true)
  })

  it('works for contiguous and shared rings', async () => {
    const c = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      clock: 'counter',
      publishBatch: 1000,
    })
    const wc = c.writer(0)
    const tc = track(c.reader().waitAsync(0, { records: 2 }))
    wc.write(payloadOf(0, 8))
    wc.flush()
    await tick(20)
    expect(tc.done()).toBe(false)
    wc.write(payloadOf(1, 8))
    wc.flush()
    expect(await tc.result).toBe(true)

    const s = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1000,
      sync: 'shared',
    })
    const ws = s.writer(0)
    const ts = track(s.reader().waitAsync(0, { records: 2 }))
    ws.write(payloadOf(0, 8))
    ws.flush()
    await tick(20)
    expect(ts.done()).toBe(false)
    ws.write(payloadOf(1, 8))
    ws.flush()
    expect(await ts.result).toBe(true)
  })

  it('wakes waiters when the buffer is freed', async () => {
    const rb = paged()
    const t = track(rb.reader().waitAsync(0, { records: 5 }))
    await tick(10)
    expect(t.done()).toBe(false)
    rb.free()
    expect(await t.result).toBe(true)
    expect(rb.freed).toBe(true)
  })

  it('rejects bad watermarks', async () => {
    const rb = paged()
    const r = rb.reader()
    await expect(r.waitAsync(0, { timeout: -1 })).rejects.toThrow(/^watermark\.timeout:/)
    await expect(r.waitAsync(0, { records: 0 })).rejects.toThrow(/^watermark\.records:/)
    await expect(r.waitAsync(0, { bytes: 1.5 })).rejects.toThrow(/^watermark\.bytes:/)
    await expect(r.waitAsync(0, { percent: 101 })).rejects.toThrow(/^watermark\.percent:/)
    await expect(r.waitAsync(7)).rejects.toThrow(/^cpu:/)
    expectArgError(() => r.wait(0, { records: -2 }), RangeError, 'watermark.records')
    // nothing was left armed
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    w.flush()
    expect(await r.waitAsync(0, { timeout: 1000 })).toBe(true)
  })
})

describe('wait (blocking)', () => {
  it('returns at once when the watermark is reached and false on timeout', () => {
    const rb = paged()
    const r = rb.reader()
    expect(r.wait(0, { timeout: 5 })).toBe(false)
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    w.flush()
    expect(r.wait(0, { timeout: 5 })).toBe(true)
    expect(r.wait(ALL_CPUS, { timeout: 5 })).toBe(true)
    expect(r.wait(0, { records: 1, timeout: 5 })).toBe(false)
  })
})
