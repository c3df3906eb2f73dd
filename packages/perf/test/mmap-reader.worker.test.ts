/**
 * The SAME consumer code that reads the kernel fixtures, reading a mapping that a producer in
 * another worker_threads worker writes concurrently into a SharedArrayBuffer with the kernel
 * protocol (test/workers/perf-producer.mjs): ≥ 100k records through an 8 KiB data area, with
 * wrapping records and free-running positions that cross 2^64, every record verified.
 */
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { initControlPage } from '../src/control-page.js'
import {
  PerfMmap,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
} from '../src/mmap-reader.js'
import type { PerfMmapEvent } from '../src/mmap-reader.js'

const PAGE = 4096
const DATA = 8192
const COUNT = 120_000
const BIG = 4000

/** The producer's recordShape(k), recomputed here. */
function recordShape(k: number): { size: number; type: number; misc: number } {
  const h = Math.imul(k ^ (k >>> 7), 0x9e3779b1) >>> 0
  let size = 16 + 8 * (h % 64)
  if (k % 997 === 996) size = BIG
  const type = k % 5 === 0 ? 14 : 9
  const misc = k % 5 === 0 ? 0x2000 : 2
  return { size, type, misc }
}

/** Empty string when record `k` is exactly what the producer wrote, else what differs. */
function verify(ev: PerfMmapEvent, k: number): string {
  const want = recordShape(k)
  const { type, misc, size } = ev.header
  if (type !== want.type || misc !== want.misc || size !== want.size)
    return `record ${k}: header ${type}/${misc}/${size}, want ${want.type}/${want.misc}/${want.size}`
  const b = ev.bytes
  if (b.length !== size) return `record ${k}: ${b.length} bytes`
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  if (dv.getUint32(8, true) !== k || dv.getUint32(12, true) !== size)
    return `record ${k}: body says ${dv.getUint32(8, true)}/${dv.getUint32(12, true)}`
  for (let i = 16; i < size; i++)
    if (b[i] !== ((k * 7 + i) & 255)) return `record ${k}: byte ${i} is ${b[i]}`
  return ''
}

describe('a producer worker writing the kernel protocol into a SharedArrayBuffer', () => {
  it(`${COUNT} records through an 8 KiB data area, read with read_init/read_event/consume/read_done`, async () => {
    const sab = new SharedArrayBuffer(PAGE + DATA)
    const bytes = new Uint8Array(sab)
    const pc = initControlPage(bytes, DATA, PAGE)
    // start near the top of u64 so the free-running positions wrap during the run
    pc.data_head = pc.data_tail = 2n ** 64n - 50_000n
    const signalBuf = new SharedArrayBuffer(8)
    const signal = new Int32Array(signalBuf)

    const map = new PerfMmap(bytes)
    expect(map.prev).toBe(2n ** 64n - 50_000n)

    const worker = new Worker(new URL('./workers/perf-producer.mjs', import.meta.url), {
      workerData: { sab, signal: signalBuf, count: COUNT, shapes: { big: BIG } },
    })
    const done = new Promise<{ head: string; waits: number; wraps: number }>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`producer exited with ${code}`))
      })
    })

    let next = 0
    let copied = 0
    let inPlace = 0
    let passes = 0
    let maxUsed = 0n
    let maxCopied = 0
    const errors: string[] = []
    const deadline = Date.now() + 90_000
    try {
      while (next < COUNT && errors.length === 0) {
        if (Date.now() > deadline) throw new Error(`timed out at record ${next}`)
        const seen = Atomics.load(signal, 0)
        const rc = perf_mmap__read_init(map)
        if (rc !== 0) {
          errors.push(`read_init returned ${rc} at record ${next}`)
          break
        }
        passes++
        const used = BigInt.asUintN(64, map.end - map.start)
        if (used > maxUsed) maxUsed = used
        let got = 0
        for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
          const bad = verify(ev, next)
          if (bad !== '') {
            errors.push(bad)
            break
          }
          if (ev.copied) {
            copied++
            if (ev.header.size > maxCopied) maxCopied = ev.header.size
          } else {
            inPlace++
            if (ev.bytes.buffer !== sab)
              errors.push(`record ${next} is neither in place nor copied`)
          }
          next++
          got++
          // the bytes were read: now let the producer reuse them
          perf_mmap__consume(map)
          Atomics.add(signal, 1, 1)
          Atomics.notify(signal, 1)
        }
        perf_mmap__read_done(map)
        if (got === 0) {
          const w = Atomics.waitAsync(signal, 0, seen, 50)
          if (w.async) await w.value
        }
      }
      const result = await done
      expect(errors).toEqual([])
      expect(next).toBe(COUNT)
      // nothing left, nothing extra
      expect(perf_mmap__read_init(map)).toBe(0)
      expect(perf_mmap__read_event(map)).toBeNull()
      expect(BigInt(result.head)).toBe(map.prev)
      expect(pc.data_tail).toBe(map.prev)
      expect(pc.data_head).toBeLessThan(1n << 32n) // wrapped past 2^64
      // records wrapped around the data area and were reassembled, the rest read in place
      expect(copied).toBe(result.wraps)
      expect(copied).toBeGreaterThan(100)
      expect(inPlace).toBe(COUNT - copied)
      expect(maxUsed).toBeLessThan(BigInt(DATA)) // one byte always free
      expect(map.event_copy_sz).toBe(maxCopied) // grown to the largest wrapping record
      expect(passes).toBeGreaterThan(1)
    } finally {
      await worker.terminate()
    }
  })
})
