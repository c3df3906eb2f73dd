import { describe, expect, it } from 'vitest'
import { BusyError, RingBuffer } from '../src/index.js'
import type { RecordIterator, RingMode } from '../src/index.js'
import { drainCpu, expectArgError, payloadOf } from './helpers.js'

function ring(mode: RingMode = 'overwrite'): RingBuffer {
  return RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1, mode })
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, k) => a + k)

function rest(it: RecordIterator): number[] {
  const out: number[] = []
  for (let rec = it.next(); rec !== null; rec = it.next()) {
    out.push(rec.timestamp)
    if (out.length > 1000) throw new Error('the iterator does not end')
  }
  return out
}

describe('iterator', () => {
  it('walks the unread records without consuming them', () => {
    const rb = ring()
    const w = rb.writer(0)
    const lens = [40, 8, 100, 16, 24, 56, 8, 72, 32, 8, 8, 64]
    lens.forEach((len, k) => w.write(payloadOf(k, len)))
    const r = rb.reader()
    const it = r.iterator(0)
    expect(it.cpu).toBe(0)
    expect(it.empty()).toBe(false)
    expect(it.peek()!.timestamp).toBe(1)
    expect(it.peek()!.timestamp).toBe(1)
    it.advance()
    const rec = it.next()!
    expect(rec.timestamp).toBe(2)
    expect(Array.from(rec.payload())).toEqual(Array.from(payloadOf(1, 8)))
    expect(rec.bytes).not.toBe(w.bytes) // a private copy
    const seen = [1, 2]
    const payloads: number[][] = []
    for (let x = it.next(); x !== null; x = it.next()) {
      seen.push(x.timestamp)
      payloads.push(Array.from(x.payload()))
      expect(x.lost).toBe(0)
      expect(x.cpu).toBe(0)
    }
    expect(seen).toEqual(range(1, 12))
    expect(payloads).toEqual(lens.slice(2).map((len, k) => Array.from(payloadOf(k + 2, len))))
    expect(it.empty()).toBe(true)
    expect(it.dropped()).toBe(false)
    expect(rb.stats(0).read).toBe(0)
    // the iterator is live: records published later show up
    w.write(payloadOf(12, 8))
    expect(rest(it)).toEqual([13])
    it.reset()
    expect(rest(it)).toEqual(range(1, 13))
    it.close()
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual(range(1, 13))
  })

  it('starts at the reader position and sees only published records', () => {
    const rb = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 100,
    })
    const w = rb.writer(0)
    for (let k = 0; k < 8; k++) w.write(payloadOf(k, 40))
    const r = rb.reader()
    // publishing happened at the switch after record 5 only
    expect(rest(r.iterator(0))).toEqual(range(1, 5))
    r.consume(0)
    r.consume(0)
    w.flush()
    expect(rest(r.iterator(0))).toEqual(range(3, 8))
  })

  it('detects that the writer overwrote its position and restarts at the oldest record', () => {
    const rb = ring('overwrite')
    const w = rb.writer(0)
    for (let k = 1; k <= 12; k++) w.write(payloadOf(k, 40))
    const it = rb.reader().iterator(0)
    expect(it.next()!.timestamp).toBe(1)
    expect(it.next()!.timestamp).toBe(2)
    expect(it.dropped()).toBe(false)
    // 4 sub-buffers of 5 records: record 21 reclaims sub-buffer 0 (1..5), 26 reclaims 6..10
    for (let k = 13; k <= 26; k++) w.write(payloadOf(k, 40))
    expect(it.next()!.timestamp).toBe(11)
    expect(it.dropped()).toBe(true)
    expect(it.dropped()).toBe(false)
    expect(rest(it)).toEqual(range(12, 26))
    expect(it.dropped()).toBe(false)
    it.close()
  })

  it('flags a drop when the writer reclaimed the sub-buffers after the reader sub-buffer', () => {
    const rb = ring('overwrite')
    const w = rb.writer(0)
    for (let k = 1; k <= 10; k++) w.write(payloadOf(k, 40))
    const r = rb.reader()
    expect(r.consume(0)!.timestamp).toBe(1) // the reader sub-buffer holds 1..5
    const it = r.iterator(0)
    expect(it.next()!.timestamp).toBe(2)
    for (let k = 11; k <= 30; k++) w.write(payloadOf(k, 40)) // 26..30 reclaim 6..10
    expect([it.next()!.timestamp, it.next()!.timestamp, it.next()!.timestamp]).toEqual([3, 4, 5])
    expect(it.dropped()).toBe(false)
    expect(it.next()!.timestamp).toBe(11)
    expect(it.dropped()).toBe(true)
    expect(rest(it)).toEqual(range(12, 30))
    it.close()
    const got = drainCpu(r, 0)
    expect(got.map((x) => x.ts)).toEqual([2, 3, 4, 5, ...range(11, 30)])
    expect(got[4]!.lost).toBe(5)
  })

  it('waits at the published frontier when nested writers reclaimed the sub-buffers before it', () => {
    const rb = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 100,
      mode: 'overwrite',
    })
    const w = rb.writer(0)
    const r = rb.reader()
    let id = 1
    const put = (): void => {
      w.bytes.set(payloadOf(id, 40), w.reserve(40, id))
      id++
      w.commit()
    }
    for (let k = 0; k < 6; k++) put() // 1..5 fill sub-buffer 0; the switch publishes them
    expect(r.consume(0)!.timestamp).toBe(1)
    // sub-buffer 1: 6, an open record and 3 nested; the 4th nested one moves on (no publish)
    w.bytes.set(payloadOf(id, 40), w.reserve(40, id))
    id++
    for (let k = 0; k < 4; k++) put()
    w.commit() // batch not reached: nothing published, the frontier stays at sub-buffer 1
    // an open record in sub-buffer 2 and nested ones that reclaim sub-buffer 1 (seq 5 in slot 1)
    w.bytes.set(payloadOf(id, 40), w.reserve(40, id))
    id++
    for (let k = 0; k < 18; k++) put()
    const it = r.iterator(0)
    expect(rest(it)).toEqual([2, 3, 4, 5]) // the reader sub-buffer; nothing published follows it
    w.commit()
    w.flush()
    const fresh = rest(r.iterator(0))
    expect(fresh.slice(0, 4)).toEqual([2, 3, 4, 5])
    expect(fresh.length).toBeGreaterThan(10)
    expect(rest(it)).toEqual(fresh.slice(4)) // resumes where it waited, with the right timestamps
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual(fresh)
  })

  it('restarts at the oldest unread record when a reader consumes meanwhile, skipping nothing', () => {
    const rb = ring('produce-consume')
    const w = rb.writer(0)
    const lens = [40, 8, 100, 16, 24, 56, 8, 72, 32, 8, 8, 64]
    lens.forEach((len, k) => w.write(payloadOf(k, len)))
    const r = rb.reader()
    expect(r.consume(0)!.timestamp).toBe(1)
    const it = r.iterator(0) // on the reader sub-buffer
    expect(it.next()!.timestamp).toBe(2)
    expect(it.next()!.timestamp).toBe(3)
    for (let k = 0; k < 5; k++) r.consume(0) // 2..6: the reader swaps in the next sub-buffer
    const got: { ts: number; payload: number[] }[] = []
    for (let x = it.next(); x !== null; x = it.next())
      got.push({ ts: x.timestamp, payload: Array.from(x.payload()) })
    expect(got.map((g) => g.ts)).toEqual(range(7, 12))
    expect(got.map((g) => g.payload)).toEqual(
      lens.slice(6).map((len, k) => Array.from(payloadOf(k + 6, len))),
    )
    expect(it.dropped()).toBe(false) // nothing was overwritten
    it.close()
  })

  it('restarts after takeSubbuf and after a reset', () => {
    const rb = ring('produce-consume')
    const w = rb.writer(0)
    for (let k = 1; k <= 12; k++) w.write(payloadOf(k, 40))
    const r = rb.reader()
    const it = r.iterator(0)
    expect(it.next()!.timestamp).toBe(1)
    const lease = r.takeSubbuf(0)!
    expect(it.next()!.timestamp).toBe(6)
    rb.releaseSubbuf(lease)
    rb.reset(0)
    expect(it.next()).toBeNull() // the reset is pending until the writer applies it
    w.write(payloadOf(100, 8))
    expect(rest(it)).toEqual([1])
    it.close()
  })

  it('refuses a closed iterator; blocks resize while open', () => {
    const rb = ring()
    const r = rb.reader()
    const it = r.iterator(0)
    expect(() => {
      rb.resize(480)
    }).toThrow(BusyError)
    it.close()
    it.close()
    expectArgError(() => it.next(), TypeError, 'iterator')
    expectArgError(() => r.iterator(1), RangeError, 'cpu')
    rb.resize(480)
    expect(rb.subbufs).toBe(2)
  })
})
