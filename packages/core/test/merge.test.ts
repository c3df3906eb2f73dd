import { describe, expect, it } from 'vitest'
import { ALL_CPUS, RingBuffer } from '../src/index.js'
import { drainAll, payloadOf } from './helpers.js'

function three(): RingBuffer {
  return RingBuffer.create({
    cpus: 3,
    size: 4096,
    subbufSize: 256,
    clock: 'counter',
    publishBatch: 1,
    mode: 'produce-consume',
  })
}

describe('merged reading over CPUs', () => {
  it('returns records of 3 CPUs in timestamp order', () => {
    const rb = three()
    const ws = [rb.writer(0), rb.writer(1), rb.writer(2)]
    // a deterministic shuffle of 90 timestamps over the CPUs, increasing per CPU
    const per: number[][] = [[], [], []]
    for (let t = 1; t <= 90; t++) per[(t * 7 + (t >> 2)) % 3]!.push(t * 10)
    for (let c = 0; c < 3; c++) for (const t of per[c]!) ws[c]!.write(payloadOf(t, 8 + (t % 24)), t)
    const got = drainAll(rb.reader())
    expect(got.map((x) => x.ts)).toEqual(Array.from({ length: 90 }, (_, k) => (k + 1) * 10))
    for (const g of got) {
      expect(per[g.cpu]).toContain(g.ts)
      expect(g.payload).toEqual(Array.from(payloadOf(g.ts, 8 + (g.ts % 24))))
    }
    expect(rb.stats(ALL_CPUS).read).toBe(90)
    expect(rb.stats().entries).toBe(0)
  })

  it('breaks timestamp ties by the lower CPU', () => {
    const rb = three()
    const ws = [rb.writer(0), rb.writer(1), rb.writer(2)]
    ws[2]!.write(payloadOf(0, 8), 5)
    ws[1]!.write(payloadOf(1, 8), 5)
    ws[0]!.write(payloadOf(2, 8), 7)
    ws[2]!.write(payloadOf(3, 8), 7)
    ws[1]!.write(payloadOf(4, 8), 6)
    expect(drainAll(rb.reader()).map((x) => [x.ts, x.cpu])).toEqual([
      [5, 1],
      [5, 2],
      [6, 1],
      [7, 0],
      [7, 2],
    ])
  })

  it('merges what is readable now and continues when more arrives', () => {
    const rb = three()
    const ws = [rb.writer(0), rb.writer(1), rb.writer(2)]
    const r = rb.reader()
    ws[0]!.write(payloadOf(0, 8), 30)
    ws[1]!.write(payloadOf(1, 8), 10)
    expect(r.next()!.timestamp).toBe(10)
    ws[2]!.write(payloadOf(2, 8), 20)
    expect(r.next()!.cpu).toBe(2)
    expect(r.next()!.cpu).toBe(0)
    expect(r.next()).toBeNull()
    expect(r.empty()).toBe(true)
    ws[1]!.write(payloadOf(3, 8), 40)
    expect(r.empty()).toBe(false)
    expect(r.empty(0)).toBe(true)
    expect(r.empty(1)).toBe(false)
    const seen: number[] = []
    expect(r.drain(ALL_CPUS, (rec) => seen.push(rec.timestamp))).toBe(1)
    expect(seen).toEqual([40])
  })

  it('drains all CPUs with a limit', () => {
    const rb = three()
    for (let c = 0; c < 3; c++) {
      const w = rb.writer(c)
      for (let k = 0; k < 5; k++) w.write(payloadOf(k, 8), k * 3 + c + 1)
    }
    const r = rb.reader()
    const seen: number[] = []
    expect(r.drain(ALL_CPUS, (rec) => seen.push(rec.timestamp), 7)).toBe(7)
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(r.drain(ALL_CPUS, (rec) => seen.push(rec.timestamp))).toBe(8)
    expect(seen).toEqual(Array.from({ length: 15 }, (_, k) => k + 1))
  })

  it('yields records from the async iterator until aborted', async () => {
    const rb = three()
    const ws = [rb.writer(0), rb.writer(1), rb.writer(2)]
    ws[0]!.write(payloadOf(0, 8), 3)
    ws[2]!.write(payloadOf(1, 8), 1)
    ws[1]!.write(payloadOf(2, 8), 2)
    const ac = new AbortController()
    const seen: [number, number][] = []
    for await (const rec of rb.reader().records({ signal: ac.signal })) {
      seen.push([rec.timestamp, rec.cpu])
      if (seen.length === 3) {
        // more records arrive while the consumer waits
        setTimeout(() => {
          ws[1]!.write(payloadOf(3, 8), 4)
        }, 5)
      }
      if (seen.length === 4) ac.abort()
    }
    expect(seen).toEqual([
      [1, 2],
      [2, 1],
      [3, 0],
      [4, 1],
    ])
  })

  it('the async iterator of one CPU ends when the buffer is freed', async () => {
    const rb = three()
    rb.writer(1).write(payloadOf(0, 8), 1)
    const seen: number[] = []
    setTimeout(() => {
      rb.free()
    }, 5)
    for await (const rec of rb.reader().records({ cpu: 1 })) seen.push(rec.timestamp)
    expect(seen).toEqual([1])
  })
})
