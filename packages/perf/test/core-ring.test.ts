/**
 * One ring, two sides: records written through the core engine with the perf client are read
 * back by the libperf-style consumer from the shared memory alone, exactly as it reads a kernel
 * mapping — a control page followed by the data pages.
 */
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '@onering/core'
import {
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PerfClient,
  PerfMmap,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
  recordContext,
  sizeOfSample,
  writeSample,
} from '../src/index.js'

describe('a core contiguous ring with the perf client, read by PerfMmap', () => {
  it('delivers every sample and the LOST record, wrapping records reassembled', () => {
    const attr = {
      sample_type: PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID,
      sample_id_all: true,
    }
    const ctx = recordContext(attr)
    const client = new PerfClient(4096)
    const id = 7n
    const tag = client.register({
      ctx,
      id,
      sampleId: (time) => ({ pid: 1, tid: 2, time: BigInt(time), id }),
    })
    const rb = RingBuffer.create({ client, size: 8192, mode: 'produce-consume', publishBatch: 1 })
    const w = rb.writer(0)
    // the consumer sees the mapping only: control page + data pages, from the shared memory
    const mapping = new Uint8Array(rb.sab, rb.areaOffset(0), 4096 + 8192)
    const map = new PerfMmap(mapping)
    let time = 1000
    let written = 0
    let dropped = 0
    const emit = (ip: bigint): void => {
      time += 10
      const fields = { ip, pid: 1, tid: 2, time: BigInt(time), id }
      const size = sizeOfSample(fields, ctx)
      const off = w.reserve(size, time, tag)
      if (off < 0) {
        dropped++
        return
      }
      // write through a scratch view, then put (the record may wrap)
      const tmp = new Uint8Array(size)
      writeSample(new DataView(tmp.buffer), 0, fields, ctx)
      w.put(off, tmp)
      w.commit()
      written++
    }
    const got: bigint[] = []
    let lost = 0
    const drain = (): void => {
      if (perf_mmap__read_init(map) < 0) return
      for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
        const dv = new DataView(ev.bytes.buffer, ev.bytes.byteOffset, ev.bytes.byteLength)
        if (ev.header.type === PERF_RECORD_SAMPLE) got.push(dv.getBigUint64(8, true))
        else if (ev.header.type === PERF_RECORD_LOST) {
          expect(dv.getBigUint64(8, true)).toBe(id)
          lost += Number(dv.getBigUint64(16, true))
        }
        perf_mmap__consume(map)
      }
      perf_mmap__read_done(map)
    }
    let ip = 0n
    for (let round = 0; round < 50; round++) {
      // bursts larger than the ring: some samples are dropped, then reported by a LOST record
      for (let k = 0; k < 300; k++) emit(ip++)
      drain()
    }
    drain()
    // the drops of the last burst are reported in front of the next record that fits
    emit(ip)
    drain()
    expect(written + dropped).toBe(50 * 300 + 1)
    expect(dropped).toBeGreaterThan(0)
    expect(lost).toBe(dropped)
    expect(got.length).toBe(written)
    expect(got).toEqual([...got].sort((a, b) => (a < b ? -1 : 1)))
    expect(rb.stats(0)).toMatchObject({ written, dropped })
  })
})
