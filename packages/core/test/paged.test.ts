import { describe, expect, it } from 'vitest'
import { BusyError, RingBuffer, rawPagedClient } from '../src/index.js'
import { decodeRawSubbuf, drainCpu, payloadOf, subbufIdAt } from './helpers.js'

describe('paged geometry', () => {
  it('sizes the ring as the kernel does: max(2, ceil(size / (subbufSize - 16))) sub-buffers', () => {
    expect(RingBuffer.subbufsFor(1, 256)).toBe(2)
    expect(RingBuffer.subbufsFor(480, 256)).toBe(2)
    expect(RingBuffer.subbufsFor(481, 256)).toBe(3)
    expect(RingBuffer.subbufsFor(960, 256)).toBe(4)
    expect(RingBuffer.subbufsFor(4080 * 3, 4096, rawPagedClient)).toBe(3)
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, spareSubbufs: 3, cpus: 2 })
    expect(rb.layout).toBe('paged')
    expect(rb.cpus).toBe(2)
    expect(rb.subbufs).toBe(4)
    expect(rb.physicalSubbufs).toBe(4 + 1 + 3)
    expect(rb.subbufSize).toBe(256)
    expect(rb.dataCapacity).toBe(240)
    expect(rb.size).toBe(960)
    expect(rb.maxPayload).toBe(216)
    expect(rb.sync).toBe('per-cpu')
    expect(rb.mode).toBe('overwrite')
    expect(rb.publishBatch).toBe(32)
    // sub-buffers of one CPU are contiguous and do not overlap the next CPU's block
    expect(rb.subbufOffset(0, 1) - rb.subbufOffset(0, 0)).toBe(256)
    expect(rb.subbufOffset(1, 0)).toBeGreaterThanOrEqual(
      rb.subbufOffset(0, rb.physicalSubbufs - 1) + 256,
    )
    expect(rb.sab.byteLength).toBeGreaterThanOrEqual(
      rb.subbufOffset(1, rb.physicalSubbufs - 1) + 256,
    )
    expect(rb.subbufBytes(1, 2).byteOffset).toBe(rb.subbufOffset(1, 2))
    expect(rb.subbufBytes(1, 2).length).toBe(256)
  })

  it('uses the defaults: 64 KiB per CPU in 4 KiB sub-buffers, one spare, overwrite', () => {
    const rb = RingBuffer.create()
    expect(rb.cpus).toBe(1)
    expect(rb.subbufSize).toBe(4096)
    expect(rb.subbufs).toBe(Math.ceil(65536 / 4080))
    expect(rb.physicalSubbufs).toBe(rb.subbufs + 2)
    expect(rb.mode).toBe('overwrite')
    expect(rb.client).toBe(rawPagedClient)
  })
})

describe('paged records', () => {
  it('lays records down back to back: 8-byte header, payload padded to 8 bytes', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    const base = rb.subbufOffset(0, 1) + 16 // the writer starts in physical sub-buffer 1
    const lens = [0, 1, 7, 8, 9, 40]
    let at = base
    for (const len of lens) {
      const off = w.reserve(len)
      expect(off).toBe(at + 8)
      w.bytes.set(payloadOf(len, len), off)
      w.commit()
      at += 8 + Math.ceil(len / 8) * 8
    }
    const raw = decodeRawSubbuf(rb, 0, 1)
    expect(raw.commit).toBe(at - base)
    expect(raw.ts).toBe(1)
    expect(raw.records.map((r) => r.payload)).toEqual(
      lens.map((len) => Array.from(payloadOf(len, len))),
    )
    expect(raw.records.map((r) => r.ts)).toEqual([1, 2, 3, 4, 5, 6])
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((s) => s.len)).toEqual(lens)
    expect(got.map((s) => s.payload)).toEqual(lens.map((len) => Array.from(payloadOf(len, len))))
    expect(got.map((s) => s.ts)).toEqual([1, 2, 3, 4, 5, 6])
    expect(got.every((s) => s.lost === 0 && s.cpu === 0)).toBe(true)
  })

  it('round-trips payloads through write, and through reserve + the writer view', () => {
    const rb = RingBuffer.create({
      size: 4096,
      subbufSize: 512,
      clock: 'counter',
      publishBatch: 1,
      mode: 'produce-consume',
    })
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 300; k++) {
      const len = (k * 13) % 120
      if (k % 2 === 0) expect(w.write(payloadOf(k, len))).toBe(true)
      else {
        const off = w.reserve(len)
        expect(off).toBeGreaterThan(0)
        for (let j = 0; j < len; j++) w.view.setUint8(off + j, payloadOf(k, len)[j]!)
        w.commit()
      }
      const rec = r.consume(0)
      expect(rec).not.toBeNull()
      expect(rec!.length).toBe(len)
      expect(Array.from(rec!.payload())).toEqual(Array.from(payloadOf(k, len)))
      expect(Array.from(rec!.copyPayload())).toEqual(Array.from(payloadOf(k, len)))
      expect(rec!.timestamp).toBe(k + 1)
      expect(rec!.size).toBe(8 + Math.ceil(len / 8) * 8)
    }
    expect(r.consume(0)).toBeNull()
    const s = rb.stats(0)
    expect(s.written).toBe(300)
    expect(s.read).toBe(300)
    expect(s.entries).toBe(0)
    expect(s.bytes).toBe(0)
    expect(s.bytesRead).toBe(s.bytesWritten)
  })

  it('accepts a zero-length payload and the largest payload, and refuses one byte more', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    expect(w.write(new Uint8Array(0))).toBe(true)
    expect(w.write(payloadOf(1, rb.maxPayload))).toBe(true)
    expect(() => w.reserve(rb.maxPayload + 1)).toThrow(RangeError)
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((s) => s.len)).toEqual([0, 216])
    expect(got[1]!.payload).toEqual(Array.from(payloadOf(1, 216)))
  })

  it('peek does not consume; consume returns each record once; empty and drain agree', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    const r = rb.reader()
    expect(r.empty()).toBe(true)
    expect(r.empty(0)).toBe(true)
    expect(r.peek(0)).toBeNull()
    for (let k = 0; k < 12; k++) w.write(payloadOf(k, 40))
    expect(r.empty()).toBe(false)
    expect(r.peek(0)!.timestamp).toBe(1)
    expect(r.peek(0)!.timestamp).toBe(1)
    expect(rb.stats(0).read).toBe(0)
    expect(r.consume(0)!.timestamp).toBe(1)
    expect(r.peek(0)!.timestamp).toBe(2)
    const seen: number[] = []
    expect(r.drain(0, (rec) => seen.push(rec.timestamp), 4)).toBe(4)
    expect(seen).toEqual([2, 3, 4, 5])
    expect(r.drain(0, (rec) => seen.push(rec.timestamp))).toBe(7)
    expect(seen).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(r.empty(0)).toBe(true)
    expect(rb.stats(0).read).toBe(12)
  })

  it('ends a sub-buffer with a padding record that counts in the byte counters', () => {
    // 56-byte payloads are 64-byte records: 3 fit in 240 bytes, 48 bytes of end padding
    const rb = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
      mode: 'produce-consume',
    })
    const w = rb.writer(0)
    const offs: number[] = []
    for (let k = 0; k < 4; k++) {
      offs.push(w.reserve(56))
      w.commit()
    }
    expect(offs.map((o) => subbufIdAt(rb, 0, o))).toEqual([1, 1, 1, 2])
    expect(offs[3]).toBe(rb.subbufOffset(0, 2) + 16 + 8)
    const first = decodeRawSubbuf(rb, 0, 1)
    expect(first.commit).toBe(240) // padding included in the commit word
    expect(first.padding).toBe(48)
    expect(first.records).toHaveLength(3)
    let s = rb.stats(0)
    expect(s.bytesWritten).toBe(4 * 64 + 48)
    expect(s.bytes).toBe(4 * 64 + 48)
    expect(s.subbufsTouched).toBe(2)
    const r = rb.reader()
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual([1, 2, 3, 4])
    s = rb.stats(0)
    expect(s.bytesRead).toBe(4 * 64 + 48)
    expect(s.bytes).toBe(0)
    expect(s.subbufsRead).toBe(2)
  })

  it('publishes every publishBatch outermost commits, at a sub-buffer switch and on flush', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 4 })
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 3; k++) w.write(payloadOf(k, 40))
    expect(r.peek(0)).toBeNull()
    expect(rb.stats(0).written).toBe(0)
    w.write(payloadOf(3, 40))
    expect(rb.stats(0).written).toBe(4)
    expect(drainCpu(r, 0).map((s) => s.ts)).toEqual([1, 2, 3, 4])
    w.write(payloadOf(4, 40))
    expect(r.peek(0)).toBeNull()
    w.flush()
    expect(drainCpu(r, 0).map((s) => s.ts)).toEqual([5])

    // a switch publishes what the old sub-buffer holds: 5 records of 48 bytes fill one
    const rb2 = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1000,
    })
    const w2 = rb2.writer(0)
    const r2 = rb2.reader()
    for (let k = 0; k < 6; k++) w2.write(payloadOf(k, 40))
    expect(rb2.stats(0).written).toBe(5)
    expect(drainCpu(r2, 0).map((s) => s.ts)).toEqual([1, 2, 3, 4, 5])
    w2.close()
    expect(drainCpu(r2, 0).map((s) => s.ts)).toEqual([6])
  })

  it('keeps each CPU ring separate', () => {
    const rb = RingBuffer.create({
      cpus: 3,
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
    })
    const ws = [rb.writer(0), rb.writer(1), rb.writer(2)]
    for (let k = 0; k < 9; k++) ws[k % 3]!.write(payloadOf(k, 8 * (k % 3)))
    const r = rb.reader()
    for (let c = 0; c < 3; c++) {
      const got = drainCpu(r, c)
      expect(got.map((s) => s.cpu)).toEqual([c, c, c])
      expect(got.map((s) => s.payload)).toEqual(
        [c, c + 3, c + 6].map((k) => Array.from(payloadOf(k, 8 * c))),
      )
      expect(rb.stats(c).written).toBe(3)
    }
    expect(rb.stats().written).toBe(9)
    expect(rb.stats().read).toBe(9)
  })
})

describe('paged writers', () => {
  it('allows one writer per ring; force takes a ring over; close gives it up', () => {
    const rb = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
      cpus: 2,
    })
    const w = rb.writer(0)
    expect(w.cpu).toBe(0)
    expect(() => rb.writer(0)).toThrow(BusyError)
    try {
      rb.writer(0)
    } catch (e) {
      expect((e as BusyError).code).toBe('EBUSY')
      expect((e as BusyError).name).toBe('BusyError')
      expect((e as BusyError).message.startsWith('cpu:')).toBe(true)
    }
    const other = rb.writer(1) // another ring is free
    other.close()
    w.write(payloadOf(0, 8))
    const w2 = rb.writer(0, { force: true })
    w2.write(payloadOf(1, 8))
    w2.close()
    const w3 = rb.writer(0)
    w3.write(payloadOf(2, 8))
    w3.close()
    w3.close() // idempotent
    expect(drainCpu(rb.reader(), 0).map((s) => s.ts)).toEqual([1, 2, 3])
  })

  it('a new writer continues where the previous one stopped, even inside the reader sub-buffer', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const r = rb.reader()
    const w = rb.writer(0)
    w.write(payloadOf(1, 16))
    w.write(payloadOf(2, 16))
    expect(r.consume(0)!.timestamp).toBe(1) // the reader swapped the writer's sub-buffer out
    w.close()
    const w2 = rb.writer(0)
    expect(w2.timestamp).toBe(2)
    w2.write(payloadOf(3, 16))
    for (let k = 4; k <= 12; k++) w2.write(payloadOf(k, 40))
    const got = drainCpu(r, 0)
    expect(got.map((s) => s.ts)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(got.map((s) => s.payload)).toEqual(
      [2, 3]
        .map((k) => Array.from(payloadOf(k, 16)))
        .concat([4, 5, 6, 7, 8, 9, 10, 11, 12].map((k) => Array.from(payloadOf(k, 40)))),
    )
    const s = rb.stats(0)
    expect(s.written).toBe(12)
    expect(s.read).toBe(12)
  })

  it('reports depth and the innermost timestamp', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const w = rb.writer(0)
    expect(w.depth).toBe(0)
    expect(w.timestamp).toBe(0)
    w.reserve(8, 100)
    expect(w.depth).toBe(1)
    expect(w.timestamp).toBe(100)
    w.reserve(8, 150)
    expect(w.depth).toBe(2)
    expect(w.timestamp).toBe(150)
    w.commit()
    expect(w.timestamp).toBe(100)
    w.commit()
    expect(w.depth).toBe(0)
    expect(w.timestamp).toBe(150)
  })
})
