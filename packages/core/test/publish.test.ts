/**
 * The per-CPU writers' publish: with `publishBatch: 1` every commit is visible at once (to a
 * reader on another handle of the same memory, to stats() and to waiters), whether the publish
 * takes the lean path (frontier unchanged, only entries/bytes/last timestamp changed) or the
 * full one (a switch, a refusal, a discard or a drop in between).
 */
import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '../src/index.js'
import { expectArgError, payloadOf } from './helpers.js'

function expectIdentities(rb: RingBuffer): void {
  const s = rb.stats(0)
  expect(s.written).toBe(s.read + s.overrun + s.entries)
  expect(s.bytesWritten).toBe(s.bytesRead + s.bytesOverrun + s.bytes)
}

describe('publish with publishBatch 1', () => {
  it('makes every commit visible at once, across sub-buffer switches and overwrites', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const other = RingBuffer.attach(rb.sab)
    const w = rb.writer(0)
    const r = other.reader()
    let consumed = 0
    let lastLost = 0
    for (let k = 0; k < 400; k++) {
      expect(w.write(payloadOf(k, 8 + (k % 5) * 12))).toBe(true)
      const s = other.stats(0)
      expect(s.written).toBe(k + 1)
      expectIdentities(other)
      // now and then consume as soon as it is committed (the writer laps the ring in between)
      if (k % 40 === 39) {
        const rec = r.consume(0)
        expect(rec).not.toBeNull()
        lastLost += rec!.lost
        consumed++
        // drain the rest
        for (let more = r.consume(0); more !== null; more = r.consume(0)) {
          lastLost += more.lost
          consumed++
        }
        expect(other.stats(0).entries).toBe(0)
      }
    }
    const s = other.stats(0)
    expect(s.read).toBe(consumed)
    expect(s.overrun).toBeGreaterThan(0)
    expect(s.overrun).toBe(lastLost)
  })

  it('publishes the rare counters (drops, discards) and keeps later lean publishes exact', () => {
    const rb = RingBuffer.create({
      size: 480,
      subbufSize: 256,
      mode: 'produce-consume',
      clock: 'counter',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    let written = 0
    while (w.write(payloadOf(written, 40))) written++
    expect(rb.stats(0).dropped).toBe(1)
    expect(rb.stats(0).written).toBe(written)
    // drain: the writer can go on; a discard then a few commits in one sub-buffer
    const r = rb.reader()
    while (r.consume(0) !== null);
    const a = w.reserve(16)
    expect(a).toBeGreaterThan(0)
    w.reserve(8)
    w.commit() // nested: not published until the outermost commit
    expect(rb.stats(0).written).toBe(written)
    w.discard()
    expect(rb.stats(0).discarded).toBe(1)
    expect(rb.stats(0).written).toBe(written + 1)
    for (let k = 0; k < 3; k++) {
      expect(w.write(payloadOf(k, 8))).toBe(true)
      const s = rb.stats(0)
      expect(s.written).toBe(written + 2 + k)
      expect(s.dropped).toBe(1)
      expect(s.discarded).toBe(1)
    }
    w.drop(2)
    expect(rb.stats(0).dropped).toBe(3)
    expect(w.write(payloadOf(9, 8))).toBe(true)
    expect(rb.stats(0).dropped).toBe(3)
    expectIdentities(rb)
  })

  it('wakes a waiter armed before a lean publish', async () => {
    const rb = RingBuffer.create({ size: 4096, subbufSize: 1024, publishBatch: 1 })
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    const r = rb.reader()
    const p = r.waitAsync(0, { records: 2, timeout: 5000 })
    w.write(payloadOf(1, 8))
    w.write(payloadOf(2, 8))
    expect(await p).toBe(true)
    expect(rb.stats(0).written).toBe(3)
  })

  it('refuses to write once another handle freed the buffer', () => {
    const paged = RingBuffer.create({ publishBatch: 1 })
    const pw = paged.writer(0)
    expect(pw.write(payloadOf(0, 8))).toBe(true)
    RingBuffer.attach(paged.sab).free()
    expectArgError(() => pw.reserve(8), TypeError, 'buffer')
    const contiguous = RingBuffer.create({ publishBatch: 1, client: rawContiguousClient })
    const cw = contiguous.writer(0)
    expect(cw.write(payloadOf(0, 8))).toBe(true)
    RingBuffer.attach(contiguous.sab, { client: rawContiguousClient }).free()
    expectArgError(() => cw.write(payloadOf(1, 8)), TypeError, 'buffer')
  })
})
