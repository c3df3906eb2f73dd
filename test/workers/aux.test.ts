/**
 * The AUX area across workers: the main thread plays the PMU driver (perf_aux_output_begin /
 * write / end on a 16 KiB AUX area, waiting for space when begin finds none), a consumer
 * worker reads the AUX bytes from shared memory alone with the auxtrace-style consumer and
 * frees the space by storing aux_tail. Every byte is checked in the worker; the main thread
 * checks that the PERF_RECORD_AUX records in the main ring describe the stream exactly
 * (contiguous offsets, the sizes written, no flags) and that nothing was truncated or lost.
 */
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import {
  MAP_SHARED,
  PAGE_SIZE,
  PERF_EVENT_IOC_ENABLE,
  PERF_RECORD_AUX,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PROT_READ,
  PROT_WRITE,
  PerfEventMmapPage,
  PerfMmap,
  decodeRecord,
  ioctl,
  mmap,
  perf_aux_output_begin,
  perf_aux_output_end,
  perf_aux_output_write,
  perf_event_open,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
  recordContext,
} from '@onering/perf'
import type { PerfAuxMapping } from '@onering/perf'

const MAIN = (1 + 16) * PAGE_SIZE
const AUX = 4 * PAGE_SIZE
const TRANSACTIONS = 30_000

function pattern(pos: number, n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = ((pos + i) * 31 + 7) & 255
  return b
}

describe('AUX area: producer in one thread, consumer worker from shared memory alone', () => {
  it(`${TRANSACTIONS} transactions through a 16 KiB AUX area, every byte and record checked`, async () => {
    const attr = { sample_type: PERF_SAMPLE_TID | PERF_SAMPLE_TIME, sample_id_all: true }
    const ev = perf_event_open(attr, -1, 0)
    const main = mmap(ev, MAIN, PROT_READ | PROT_WRITE)
    const pc = new PerfEventMmapPage(main.bytes)
    pc.aux_offset = BigInt(MAIN)
    pc.aux_size = BigInt(AUX)
    const aux = mmap(ev, AUX, PROT_READ | PROT_WRITE, MAP_SHARED, MAIN) as PerfAuxMapping
    const sizes: number[] = []
    let total = 0
    for (let k = 0; k < TRANSACTIONS; k++) {
      const n = 1 + ((Math.imul(k, 0x9e3779b1) >>> 0) % 3000)
      sizes.push(n)
      total += n
    }
    const signal = new Int32Array(new SharedArrayBuffer(8))
    const worker = new Worker(new URL('./aux-consumer.mjs', import.meta.url), {
      workerData: { control: main.bytes, aux: aux.bytes, signal: signal.buffer, total },
    })
    const done = new Promise<{ pos: number; reads: number; waits: number; bad: string }>(
      (resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      },
    )

    // the main ring's PERF_RECORD_AUX records, drained as we go
    const ctx = recordContext(ev.attr)
    const map = new PerfMmap(main.bytes)
    const records: { offset: bigint; size: bigint; flags: number }[] = []
    const drain = (): void => {
      if (perf_mmap__read_init(map) !== 0) return
      for (let e = perf_mmap__read_event(map); e !== null; e = perf_mmap__read_event(map)) {
        const rec = decodeRecord(
          new DataView(e.bytes.buffer, e.bytes.byteOffset, e.bytes.length),
          0,
          ctx,
        )
        if (rec.type === PERF_RECORD_AUX)
          records.push({ offset: rec.aux_offset, size: rec.aux_size, flags: rec.flags })
        else records.push({ offset: -1n, size: -1n, flags: -1 })
        perf_mmap__consume(map)
      }
      perf_mmap__read_done(map)
    }

    let full = 0
    let pos = 0
    for (const n of sizes) {
      for (;;) {
        const freed = Atomics.load(signal, 1)
        const h = perf_aux_output_begin(ev)
        if (h !== null && h.size >= n) {
          perf_aux_output_write(h, pattern(pos, n))
          perf_aux_output_end(h)
          break
        }
        // no space (begin disabled the event) or not enough: end empty, wait for the consumer
        if (h !== null) perf_aux_output_end(h, 0)
        else ioctl(ev, PERF_EVENT_IOC_ENABLE)
        full++
        Atomics.wait(signal, 1, freed, 20)
      }
      pos += n
      Atomics.add(signal, 0, 1)
      Atomics.notify(signal, 0)
      drain()
    }
    const res = await done
    drain()
    expect(res.bad).toBe('')
    expect(res.pos).toBe(total)
    expect(Number(pc.aux_head)).toBe(total)
    expect(Number(pc.aux_tail)).toBe(total)
    // one record per transaction, in order, describing the bytes exactly
    expect(records.length).toBe(TRANSACTIONS)
    let off = 0
    for (let k = 0; k < TRANSACTIONS; k++) {
      const r = records[k]!
      if (r.offset !== BigInt(off) || r.size !== BigInt(sizes[k]!) || r.flags !== 0)
        expect(r).toEqual({ offset: BigInt(off), size: BigInt(sizes[k]!), flags: 0 })
      off += sizes[k]!
    }
    expect(ev.lost_samples).toBe(0)
    // the producer really had to wait for the consumer: the area is far smaller than the stream
    expect(full).toBeGreaterThan(0)
    console.log(
      `AUX: ${total} bytes in ${TRANSACTIONS} transactions; producer waited ${full}×, consumer read ${res.reads}× and waited ${res.waits}×`,
    )
    await worker.terminate()
  })
})
