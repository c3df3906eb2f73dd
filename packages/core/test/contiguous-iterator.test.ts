import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '../src/index.js'
import type { RecordIterator } from '../src/index.js'
import { payloadOf } from './helpers.js'

/** 512-byte data area; 48-byte payloads make 64-byte records: 7 fit (one byte always free). */
function ring(mode: 'overwrite' | 'produce-consume'): RingBuffer {
  return RingBuffer.create({
    client: rawContiguousClient,
    size: 512,
    clock: 'counter',
    publishBatch: 1,
    mode,
  })
}

function rest(it: RecordIterator): number[] {
  const out: number[] = []
  for (let r = it.next(); r !== null; r = it.next()) out.push(r.timestamp)
  return out
}

describe('contiguous non-consuming iterator', () => {
  it('walks the unread records without consuming them, wrapped records included', () => {
    const rb = ring('produce-consume')
    const w = rb.writer(0)
    const r = rb.reader()
    // move the positions so that records wrap: 5 written and consumed
    for (let k = 0; k < 5; k++) w.write(payloadOf(k, 48), 10 + k)
    for (let k = 0; k < 5; k++) r.consume(0)
    r.release(0)
    for (let k = 5; k < 11; k++) expect(w.write(payloadOf(k, 48), 10 + k)).toBe(true)
    const it = r.iterator(0)
    const seen: number[][] = []
    for (let rec = it.next(); rec !== null; rec = it.next()) seen.push(Array.from(rec.payload()))
    expect(seen).toEqual([5, 6, 7, 8, 9, 10].map((k) => Array.from(payloadOf(k, 48))))
    expect(it.empty()).toBe(true)
    expect(it.dropped()).toBe(false)
    // nothing was consumed
    expect(rb.stats(0)).toMatchObject({ read: 5, entries: 6 })
    // new records appear at the end
    w.write(payloadOf(11, 48), 21)
    expect(rest(it)).toEqual([21])
    it.close()
  })

  it('restarts after a consuming read, and blocks resize while open', () => {
    const rb = ring('produce-consume')
    const w = rb.writer(0)
    for (let k = 0; k < 4; k++) w.write(payloadOf(k, 48), 100 + k)
    const r = rb.reader()
    const it = r.iterator(0)
    expect(it.next()!.timestamp).toBe(100)
    expect(it.next()!.timestamp).toBe(101)
    r.consume(0)
    // restarts at the oldest unread record
    expect(rest(it)).toEqual([101, 102, 103])
    w.close()
    expect(() => {
      rb.resize(256)
    }).toThrow(/iterator/)
    it.close()
    rb.resize(256)
    expect(rb.size).toBe(256)
  })

  it('notices when the writer overwrote its position (overwrite mode)', () => {
    const rb = ring('overwrite')
    const w = rb.writer(0)
    for (let k = 0; k < 7; k++) w.write(payloadOf(k, 48), 200 + k)
    const it = rb.reader().iterator(0)
    expect(it.next()!.timestamp).toBe(200)
    // the writer laps the iterator
    for (let k = 7; k < 20; k++) w.write(payloadOf(k, 48), 200 + k)
    const after = rest(it)
    expect(it.dropped()).toBe(true)
    expect(it.dropped()).toBe(false)
    // what it still returns is intact and in order: the newest records
    expect(after.length).toBeGreaterThan(0)
    expect(after).toEqual([...after].sort((a, b) => a - b))
    expect(after[after.length - 1]).toBe(219)
    it.close()
  })
})
