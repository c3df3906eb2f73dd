import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '../src/index.js'

describe('smoke', () => {
  it('paged write/consume', () => {
    const rb = RingBuffer.create({ size: 4096, subbufSize: 256, clock: 'counter', mode: 'produce-consume' })
    const w = rb.writer(0)
    const r = rb.reader()
    let ok = 0
    for (let k = 0; k < 200; k++) if (w.write(new Uint8Array([k, k + 1, k + 2]))) ok++
    w.flush()
    const st = rb.stats(0)
    let n = 0
    for (let rec = r.consume(0); rec !== null; rec = r.consume(0)) {
      expect(rec.payload()[0]).toBe(n & 255)
      n++
    }
    const st2 = rb.stats(0)
    console.log(ok, n, st, st2)
    expect(n).toBe(ok)
  })
  it('contiguous write/consume', () => {
    const rb = RingBuffer.create({ client: rawContiguousClient, size: 1024, clock: 'counter', mode: 'produce-consume', publishBatch: 1 })
    const w = rb.writer(0)
    const r = rb.reader()
    let n = 0
    let ok = 0
    for (let k = 0; k < 1000; k++) {
      if (w.write(new Uint8Array(k % 50).fill(k & 255))) ok++
      const rec = r.consume(0)
      if (rec) {
        expect(rec.length).toBe(n % 50)
        n++
      }
    }
    w.flush()
    while (r.consume(0)) n++
    console.log(ok, n, rb.stats(0))
    expect(n).toBe(ok)
  })
})
