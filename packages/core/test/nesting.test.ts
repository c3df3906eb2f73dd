import { describe, expect, it } from 'vitest'
import { MAX_NESTING, RingBuffer } from '../src/index.js'
import { decodeRawSubbuf, drainCpu, payloadOf, subbufIdAt } from './helpers.js'

function paged(mode: 'overwrite' | 'produce-consume' = 'overwrite', size = 960): RingBuffer {
  return RingBuffer.create({ size, subbufSize: 256, clock: 'counter', publishBatch: 1, mode })
}

describe('nested reservations', () => {
  it('places a nested record after the open one and shows both when the outermost commits', () => {
    const rb = paged()
    const w = rb.writer(0)
    const r = rb.reader()
    const outer = w.reserve(16)
    const inner = w.reserve(8)
    expect(inner).toBe(outer + 16 + 8) // after the outer record's 16 payload bytes and its own header
    w.bytes.set(payloadOf(2, 8), inner)
    w.commit()
    expect(r.peek(0)).toBeNull() // the nested commit alone publishes nothing
    expect(rb.stats(0).written).toBe(0)
    w.bytes.set(payloadOf(1, 16), outer)
    w.commit()
    const got = drainCpu(r, 0)
    // reservation order, not commit order
    expect(got.map((s) => s.payload)).toEqual([
      Array.from(payloadOf(1, 16)),
      Array.from(payloadOf(2, 8)),
    ])
    expect(got.map((s) => s.ts)).toEqual([1, 2])
    expect(rb.stats(0).written).toBe(2)
  })

  it('keeps reservation order over several levels and interleaved commits', () => {
    const rb = paged()
    const w = rb.writer(0)
    const order: number[] = []
    let id = 0
    // outer 0 { 1 { 2 } 3 { 4 { 5 } } } 6
    const open = (): void => {
      const me = id++
      order.push(me)
      w.bytes.set(payloadOf(me, 8), w.reserve(8))
    }
    open()
    open()
    open()
    w.commit()
    w.commit()
    open()
    open()
    open()
    w.commit()
    w.commit()
    w.commit()
    expect(rb.reader().peek(0)).toBeNull()
    w.commit()
    open()
    w.commit()
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((s) => s.payload)).toEqual(order.map((k) => Array.from(payloadOf(k, 8))))
    expect(got.map((s) => s.ts)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('counts only outermost commits towards the publish batch', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 2 })
    const w = rb.writer(0)
    w.reserve(8)
    w.write(payloadOf(1, 8))
    w.write(payloadOf(2, 8))
    w.commit()
    expect(rb.stats(0).written).toBe(0)
    w.write(payloadOf(3, 8))
    expect(rb.stats(0).written).toBe(4)
  })

  it('refuses the reservation beyond MAX_NESTING and counts it as dropped', () => {
    const rb = paged()
    const w = rb.writer(0)
    for (let d = 0; d < MAX_NESTING; d++) expect(w.reserve(8)).toBeGreaterThan(0)
    expect(w.depth).toBe(MAX_NESTING)
    expect(w.reserve(8)).toBe(-1)
    expect(w.write(payloadOf(0, 8))).toBe(false)
    expect(w.depth).toBe(MAX_NESTING)
    for (let d = 0; d < MAX_NESTING; d++) w.commit()
    const s = rb.stats(0)
    expect(s.dropped).toBe(2)
    expect(s.written).toBe(MAX_NESTING)
    expect(drainCpu(rb.reader(), 0)).toHaveLength(MAX_NESTING)
  })

  it('places a nested record that does not fit in the next sub-buffer, visible with the outer one', () => {
    const rb = paged()
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 3; k++) w.write(payloadOf(k, 40)) // 144 of 240 bytes
    const outer = w.reserve(72) // 80 bytes: 224
    expect(subbufIdAt(rb, 0, outer)).toBe(1)
    const inner = w.reserve(40) // 48 bytes do not fit: next sub-buffer
    expect(subbufIdAt(rb, 0, inner)).toBe(2)
    expect(inner).toBe(rb.subbufOffset(0, 2) + 16 + 8)
    w.bytes.set(payloadOf(4, 40), inner)
    w.commit()
    expect(drainCpu(r, 0).map((s) => s.ts)).toEqual([1, 2, 3]) // the outer record is not visible yet
    w.bytes.set(payloadOf(3, 72), outer)
    w.commit()
    const got = drainCpu(r, 0)
    expect(got.map((s) => s.ts)).toEqual([4, 5])
    expect(got.map((s) => s.payload)).toEqual([
      Array.from(payloadOf(3, 72)),
      Array.from(payloadOf(4, 40)),
    ])
    const s = rb.stats(0)
    expect(s.written).toBe(5)
    expect(s.bytesWritten).toBe(3 * 48 + 80 + 16 + 48) // 16 bytes of end padding
    expect(s.bytes).toBe(0)
  })

  it('counts commitOverrun when nested writers would wrap the ring: hand computation with 2 sub-buffers', () => {
    for (const mode of ['overwrite', 'produce-consume'] as const) {
      const rb = paged(mode, 480)
      expect(rb.subbufs).toBe(2)
      const w = rb.writer(0)
      let attempts = 0
      let accepted = 0
      const outer = w.reserve(40)
      attempts++
      accepted++
      // 4 more 48-byte records fill sub-buffer 0, 5 fill sub-buffer 1, the 10th would need the
      // sub-buffer the outer reservation is still open in
      for (let k = 0; k < 10; k++) {
        attempts++
        const off = w.reserve(40)
        if (off < 0) continue
        accepted++
        w.bytes.set(payloadOf(k + 1, 40), off)
        w.commit()
      }
      expect(accepted).toBe(10)
      w.bytes.set(payloadOf(0, 40), outer)
      w.commit()
      const s = rb.stats(0)
      expect(s.commitOverrun).toBe(1)
      expect(s.dropped).toBe(0)
      expect(s.written).toBe(10)
      expect(attempts).toBe(s.written + s.dropped + s.commitOverrun + s.discarded)
      const got = drainCpu(rb.reader(), 0)
      expect(got.map((x) => x.payload)).toEqual(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => Array.from(payloadOf(k, 40))),
      )
      expect(rb.stats(0).read).toBe(10)
    }
  })
})

describe('discard', () => {
  it('rewinds the last record: the space is reused, preceded by an absolute timestamp', () => {
    const rb = paged()
    const w = rb.writer(0)
    w.write(payloadOf(0, 8), 100)
    const b = w.reserve(24, 200)
    w.discard()
    expect(w.timestamp).toBe(100)
    const c = w.reserve(8, 300)
    expect(c).toBe(b + 16) // a 16-byte absolute-timestamp record where the discarded one began
    w.bytes.set(payloadOf(2, 8), c)
    w.commit()
    w.write(payloadOf(3, 8), 301)
    const s = rb.stats(0)
    expect(s.discarded).toBe(1)
    expect(s.written).toBe(3)
    expect(s.bytesWritten).toBe(16 + 16 + 16 + 16)
    const raw = decodeRawSubbuf(rb, 0, 1)
    expect(raw.commit).toBe(64)
    expect(raw.records.map((x) => x.ts)).toEqual([100, 300, 301])
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual([100, 300, 301])
    expect(got.map((x) => x.payload)).toEqual([0, 2, 3].map((k) => Array.from(payloadOf(k, 8))))
    expect(rb.stats(0).bytes).toBe(0)
  })

  it('rewinds the first record of a sub-buffer without an absolute timestamp record', () => {
    const rb = paged()
    const w = rb.writer(0)
    const a = w.reserve(8)
    w.discard()
    const b = w.reserve(8)
    expect(b).toBe(a)
    w.commit()
    expect(rb.stats(0).bytesWritten).toBe(16)
    // with the counter clock the discarded record's tick is reused
    expect(drainCpu(rb.reader(), 0).map((x) => x.ts)).toEqual([1])
  })

  it('turns a record that is not the last one into padding that readers skip, keeping later timestamps', () => {
    const rb = paged()
    const w = rb.writer(0)
    const r = rb.reader()
    w.write(payloadOf(0, 8), 10)
    w.reserve(16, 20) // outer, discarded below
    const inner = w.reserve(8, 30)
    w.bytes.set(payloadOf(2, 8), inner)
    w.commit()
    w.discard()
    w.write(payloadOf(3, 8), 40)
    const s = rb.stats(0)
    expect(s.discarded).toBe(1)
    expect(s.written).toBe(3)
    expect(s.bytesWritten).toBe(16 + 24 + 16 + 16) // the padding stays in the ring
    const raw = decodeRawSubbuf(rb, 0, 1)
    expect(raw.padding).toBe(24)
    expect(raw.records.map((x) => x.ts)).toEqual([10, 30, 40])
    const got = drainCpu(r, 0)
    expect(got.map((x) => x.payload)).toEqual([0, 2, 3].map((k) => Array.from(payloadOf(k, 8))))
    expect(got.map((x) => x.ts)).toEqual([10, 30, 40])
    expect(rb.stats(0).bytesRead).toBe(16 + 24 + 16 + 16)
    expect(rb.stats(0).bytes).toBe(0)
  })

  it('keeps the time of a padded record that carried a time extend', () => {
    const rb = paged()
    const w = rb.writer(0)
    const big = 2 ** 32 + 12345
    w.write(payloadOf(0, 8), 1)
    w.reserve(8, 1 + big) // needs a time extend
    const inner = w.reserve(8, 2 + big)
    w.bytes.set(payloadOf(2, 8), inner)
    w.commit()
    w.discard()
    w.write(payloadOf(3, 8), 3 + big)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => x.ts)).toEqual([1, 2 + big, 3 + big])
  })

  it('keeps timestamps when the padded record is handed out by takeSubbuf or walked by an iterator', () => {
    const rb = paged()
    const w = rb.writer(0)
    w.write(payloadOf(0, 8), 10)
    w.reserve(16, 20)
    w.bytes.set(payloadOf(2, 8), w.reserve(8, 30))
    w.commit()
    w.discard()
    w.write(payloadOf(3, 8), 40)
    const r = rb.reader()
    const it = r.iterator(0)
    const seen: number[] = []
    for (let rec = it.next(); rec !== null; rec = it.next()) seen.push(rec.timestamp)
    it.close()
    expect(seen).toEqual([10, 30, 40])
    expect(r.consume(0)!.timestamp).toBe(10) // the copy path starts after the consumed record
    const lease = r.takeSubbuf(0)!
    expect(lease.id).toBe(rb.subbufs + 1) // copied into the spare (the writer is still on it)
    expect(decodeRawSubbuf(rb, 0, lease.id).records.map((x) => x.ts)).toEqual([30, 40])
    rb.releaseSubbuf(lease)
  })

  it('rewinds nested records in turn when each is the last one', () => {
    const rb = paged()
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    const outer = w.reserve(8)
    w.reserve(8)
    w.discard()
    w.discard()
    expect(w.reserve(8)).toBe(outer + 16) // fully rewound, then an absolute timestamp record
    w.commit()
    const s = rb.stats(0)
    expect(s.discarded).toBe(2)
    expect(s.written).toBe(2)
    expect(s.bytesWritten).toBe(16 + 32)
    expect(drainCpu(rb.reader(), 0).map((x) => x.ts)).toEqual([1, 2])
  })

  it('commit and discard without an open reservation throw', () => {
    const rb = paged()
    const w = rb.writer(0)
    expect(() => {
      w.commit()
    }).toThrow(/^commit:/)
    expect(() => {
      w.discard()
    }).toThrow(/^discard:/)
    expect(w.write(payloadOf(0, 8))).toBe(true)
    expect(drainCpu(rb.reader(), 0)).toHaveLength(1)
  })
})
