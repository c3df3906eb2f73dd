/**
 * The 6.10 mapping: ring_buffer_map / ring_buffer_unmap / ring_buffer_map_get_reader
 * (TRACE_MMAP_IOCTL_GET_READER), the meta page, and a consumer in another worker that reads
 * the mapping as Documentation/trace/ring-buffer-map.rst does.
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import {
  EBUSY,
  RB_FL_OVERWRITE,
  RB_MISSED_EVENTS,
  RB_MISSED_STORED,
  SubbufReader,
  TRACE_BUFFER_META_LEN,
  decodeTraceBufferMeta,
  ring_buffer_alloc,
  ring_buffer_bytes_cpu,
  ring_buffer_empty_cpu,
  ring_buffer_entries_cpu,
  ring_buffer_map,
  ring_buffer_map_get_reader,
  ring_buffer_poll_wait,
  ring_buffer_read_events_cpu,
  ring_buffer_record_off,
  ring_buffer_reset,
  ring_buffer_reset_cpu,
  ring_buffer_resize,
  ring_buffer_subbuf_order_set,
  ring_buffer_unmap,
  ring_buffer_write,
} from '../src/index.js'
import type { TraceBuffer, TraceBufferMapping } from '../src/index.js'
import { manualClock, payload, u32, u64, walkPage } from './helpers.js'

function fill(tb: TraceBuffer, n: number, t0 = 1000): void {
  const clock = manualClock(tb, t0)
  for (let k = 0; k < n; k++) {
    clock.t = t0 + 10 * k
    ring_buffer_write(tb, 26, payload(26, k))
  }
}

/** First payload byte of every event of the reader sub-buffer from data offset `from` on. */
function firstBytes(map: TraceBufferMapping, from = 0): number[] {
  const page = map.readerSubbuf()
  const r = new SubbufReader(page, page.length).load(0)
  const out: number[] = []
  for (let ev = r.next(); ev !== null; ev = r.next())
    if (ev.eventOffset >= from) out.push(page[ev.offset]!)
  return out
}

describe('ring_buffer_map', () => {
  it('a fresh mapping: meta page fields, reader id 0, counters 0 (map_test.c expectations)', () => {
    const tb = ring_buffer_alloc(65536, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    const m = map.meta
    expect(m).toEqual({
      meta_page_size: 4096,
      meta_struct_len: TRACE_BUFFER_META_LEN,
      subbuf_size: 4096,
      nr_subbufs: tb.rb.physicalSubbufs,
      reader: { lost_events: 0, id: 0, read: 0 },
      flags: 0,
      entries: 0,
      overrun: 0,
      read: 0,
    })
    // meta page then every sub-buffer in id order
    expect(map.bytes.length).toBe(m.meta_page_size + m.nr_subbufs * m.subbuf_size)
    // padding beyond meta_struct_len reads as zeros
    expect(map.bytes.subarray(TRACE_BUFFER_META_LEN, m.meta_page_size).every((b) => b === 0)).toBe(
      true,
    )
    // GET_READER on an empty buffer keeps id 0
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
    expect(map.meta.reader).toEqual({ lost_events: 0, id: 0, read: 0 })
  })

  it('16 writes + GET_READER: entries 16, read 16, overrun 0, a new reader id; a second GET_READER changes nothing', () => {
    const tb = ring_buffer_alloc(65536, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    fill(tb, 16)
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
    const m = map.meta
    expect([m.entries, m.read, m.overrun]).toEqual([16, 16, 0])
    expect(m.reader.id).not.toBe(0)
    expect(m.reader.read).toBe(16 * 32)
    expect(firstBytes(map)).toEqual(Array.from({ length: 16 }, (_, k) => k))
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
    expect(map.meta).toEqual(m)
    expect(ring_buffer_read_events_cpu(tb, 0)).toBe(16)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
  })

  it('GET_READER advances over the whole reader sub-buffer, even while the writer is still on it', () => {
    const tb = ring_buffer_alloc(65536, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    fill(tb, 10)
    ring_buffer_map_get_reader(tb, 0)
    const id = map.meta.reader.id
    expect(map.meta.reader.read).toBe(320)
    // the writer appends to the same sub-buffer
    fill(tb, 5, 5000)
    ring_buffer_map_get_reader(tb, 0)
    expect(map.meta.reader).toEqual({ lost_events: 0, id, read: 480 })
    expect(firstBytes(map, 320)).toEqual([0, 1, 2, 3, 4])
    expect(map.meta.read).toBe(15)
  })

  it('GET_READER swaps in the next sub-buffer once the reader one is consumed; ids are stable per sub-buffer', () => {
    const tb = ring_buffer_alloc(65536, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    fill(tb, 300) // 127 + 127 + 46
    const seen: { id: number; first: number; n: number }[] = []
    for (let k = 0; k < 3; k++) {
      ring_buffer_map_get_reader(tb, 0)
      const bytes = firstBytes(map)
      seen.push({ id: map.meta.reader.id, first: bytes[0]!, n: bytes.length })
    }
    expect(seen.map((s) => [s.first, s.n])).toEqual([
      [0, 127],
      [127, 127],
      [254 & 255, 46],
    ])
    expect(new Set(seen.map((s) => s.id)).size).toBe(3)
    expect(map.meta.read).toBe(300)
    // the sub-buffer of an id is at meta_page_size + id × subbuf_size of the mapping
    const m = map.meta
    expect(map.readerSubbuf().byteOffset).toBe(
      map.bytes.byteOffset + m.meta_page_size + m.reader.id * m.subbuf_size,
    )
  })

  // Linux 6.18 ring_buffer_map_get_reader: after storing the missed count in the new reader page
  // it sets cpu_buffer->lost_events = 0 and only then rb_update_meta_page copies lost_events into
  // the meta page, so reader.lost_events reads 0 and the count is in the page. Live (tools/
  // conformance-live mmap face): `overwrite 1; size 4; write 2021; write 2033; write 2019; map;
  // get_reader` → reader.lost_events 0, the page's commit with RB_MISSED_EVENTS | STORED.
  it('writes the missed-events flags and count into the mapped sub-buffer; meta reader.lost_events stays 0 as in the kernel, overrun counts them', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    fill(tb, 1000)
    ring_buffer_map_get_reader(tb, 0)
    const m = map.meta
    expect(m.reader.lost_events).toBe(0)
    expect([m.entries, m.overrun, m.read]).toEqual([1000, 635, 127])
    const page = map.readerSubbuf()
    expect(u32(page, 8)).toBe((4064 | RB_MISSED_EVENTS | RB_MISSED_STORED) >>> 0)
    expect(u32(page, 12)).toBe(0xffffffff)
    expect(u64(page, 16 + 4064)).toBe(635)
    // the consumer's position ends at the data (real_end), before the stored count
    expect(m.reader.read).toBe(4064)
    const r = new SubbufReader(page, 4096).load(0)
    expect(r.next()!.missed).toBe(635)
    // the next sub-buffer has no loss
    ring_buffer_map_get_reader(tb, 0)
    expect(map.meta.reader.lost_events).toBe(0)
    expect(u32(map.readerSubbuf(), 8)).toBe(4080)
    expect(walkPage(map.readerSubbuf()).at(-1)).toMatchObject({ type: 29, delta: 1, size: 16 })
  })

  it('the consumer sub-buffer stays put between two GET_READERs, whatever the writer and empty/poll checks do', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    fill(tb, 300)
    ring_buffer_map_get_reader(tb, 0)
    const id = map.meta.reader.id
    const snapshot = map.readerSubbuf().slice()
    expect(ring_buffer_empty_cpu(tb, 0)).toBe(false)
    expect(ring_buffer_poll_wait(tb, 0, 0)).not.toBe(0)
    fill(tb, 3000, 100_000)
    expect(ring_buffer_empty_cpu(tb, 0)).toBe(false)
    expect(map.meta.reader.id).toBe(id)
    const now = map.bytes.subarray(
      map.meta.meta_page_size + id * 4096,
      map.meta.meta_page_size + (id + 1) * 4096,
    )
    expect(Buffer.from(now).equals(Buffer.from(snapshot))).toBe(true)
    // and the losses meanwhile are flagged by the next GET_READER, in the page
    ring_buffer_map_get_reader(tb, 0)
    expect(map.meta.reader.lost_events).toBe(0)
    expect(u32(map.readerSubbuf(), 8) & RB_MISSED_EVENTS).not.toBe(0)
  })

  it('mapping counts: unmap twice → -ENODEV; GET_READER unmapped → -ENODEV; resize/order change -EBUSY while mapped', () => {
    const tb = ring_buffer_alloc(8192, 0, { maxByteLength: 1 << 20 })
    ring_buffer_map(tb, 0)
    ring_buffer_map(tb, 0)
    expect(ring_buffer_resize(tb, 16384, -1)).toBe(EBUSY)
    expect(ring_buffer_subbuf_order_set(tb, 1)).toBe(EBUSY)
    expect(ring_buffer_unmap(tb, 0)).toBe(0)
    expect(ring_buffer_resize(tb, 16384, -1)).toBe(EBUSY)
    expect(ring_buffer_unmap(tb, 0)).toBe(0)
    expect(ring_buffer_unmap(tb, 0)).toBe(-19)
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(-19)
    expect(ring_buffer_resize(tb, 16384, -1)).toBe(0)
    expect(ring_buffer_subbuf_order_set(tb, 1)).toBe(0)
  })

  // Linux 6.18, live (tools/conformance-live mmap face): TRACE_MMAP_IOCTL_GET_READER on a
  // trace_pipe_raw that is not (or no longer) mapped fails with ENODEV — ring_buffer_map_get_reader
  // gets the CPU buffer from rb_get_mapped_buffer, which answers -ENODEV when it is not mapped.
  // Program: `map; unmap; get_reader` → -19, and `get_reader` on a fresh instance → -19.
  it('GET_READER on a ring never mapped, or unmapped again, is -ENODEV as in the kernel', () => {
    const tb = ring_buffer_alloc(8192, 0)
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(-19)
    ring_buffer_map(tb, 0)
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
    expect(ring_buffer_unmap(tb, 0)).toBe(0)
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(-19)
  })

  // Linux 6.18 rb_reset_cpu ends with `if (cpu_buffer->mapped) rb_update_meta_page(cpu_buffer)`.
  // Live: `map; write 10; get_reader; reset` → entries, overrun, read and reader.read 0 in the meta
  // page right after the reset, reader.id the reader sub-buffer's.
  it('a reset of a mapped ring updates its meta page, as rb_reset_cpu does', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    fill(tb, 5)
    ring_buffer_map_get_reader(tb, 0)
    fill(tb, 3)
    expect([map.meta.entries, map.meta.read, map.meta.reader.read]).toEqual([5, 5, 5 * 32])
    expect(u32(map.readerSubbuf(), 8)).toBe(8 * 32)
    ring_buffer_reset(tb)
    expect(map.meta).toMatchObject({ entries: 0, overrun: 0, read: 0 })
    expect(map.meta.reader).toMatchObject({ lost_events: 0, read: 0 })
    // the reader sub-buffer the meta page names is empty (rb_clear_buffer_page: commit 0)
    expect(u32(map.readerSubbuf(), 8)).toBe(0)
    fill(tb, 2)
    ring_buffer_map_get_reader(tb, 0)
    ring_buffer_reset_cpu(tb, 0)
    expect(map.meta.reader.read).toBe(0)
    expect([map.meta.entries, map.meta.read]).toEqual([0, 0])
  })

  // Linux 6.18: a reset clears every page's commit, a 64-bit local_t (rb_init_page). Live
  // (tools/conformance-live mmap face): `overwrite 1; size 4; map; write 31; write 4053;
  // get_reader; write 21; write 4047; write 4054; write 1; get_reader; reset` — before the reset
  // the reader sub-buffer's commit is 0xffffffff80001000 (missed events, sign-extended), after it
  // the reader sub-buffer named by the meta page has commit 0, all 8 bytes.
  it('a reset clears the whole 64-bit commit word, the sign-extended missed-events half included', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    fill(tb, 1000)
    ring_buffer_map_get_reader(tb, 0)
    expect(u32(map.readerSubbuf(), 12)).toBe(0xffffffff)
    ring_buffer_reset(tb)
    expect(u64(map.readerSubbuf(), 8)).toBe(0)
    for (let id = 0; id < map.meta.nr_subbufs; id++) {
      const at = map.meta.meta_page_size + id * map.meta.subbuf_size
      expect(u64(map.bytes.subarray(at, at + 16), 8)).toBe(0)
    }
  })

  // Linux 6.18 resets at once (rb_reset_cpu), recording on or off; a map right after it finds
  // the empty ring. Live: `write 2025; on 0; reset; map` → reader.read 0, entries 0, commit 0.
  it('a map after a reset with recording off sees the reset ring', () => {
    const tb = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
    fill(tb, 200)
    ring_buffer_record_off(tb)
    ring_buffer_reset(tb)
    const map = ring_buffer_map(tb, 0)
    expect(map.meta).toMatchObject({ entries: 0, overrun: 0, read: 0 })
    expect(map.meta.reader).toMatchObject({ read: 0, lost_events: 0 })
    expect(u64(map.readerSubbuf(), 8)).toBe(0)
  })

  // Linux 6.18, live (tools/conformance-live mmap face): `overwrite 1; size 4; write 2556;
  // write 99; write 1423; write 2027; write 1445; map; get_reader; stats; get_reader; stats`
  // (trace_marker writes: print events of 18 + len bytes). The stats' `bytes` is 5552 before,
  // 2044 after the first GET_READER (its sub-buffer had missed events: commit set to real_end, so
  // only the 3508 data bytes count as read, not the 572 bytes of end padding) and 572 after the
  // second: the padding stays in `bytes` for good.
  it('GET_READER of a sub-buffer with missed events counts its data, not its end padding, as read bytes', () => {
    const tb = ring_buffer_alloc(4096, RB_FL_OVERWRITE, { clock: 'counter' })
    for (const n of [2556, 99, 1423, 2027, 1445])
      ring_buffer_write(tb, 18 + n, new Uint8Array(18 + n))
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(5552)
    ring_buffer_map(tb, 0)
    ring_buffer_map_get_reader(tb, 0)
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(2044)
    ring_buffer_map_get_reader(tb, 0)
    expect(ring_buffer_bytes_cpu(tb, 0)).toBe(572)
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(0)
  })

  it('maps each CPU separately', () => {
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2 })
    tb.setCpu(1)
    fill(tb, 3)
    const m0 = ring_buffer_map(tb, 0)
    const m1 = ring_buffer_map(tb, 1)
    ring_buffer_map_get_reader(tb, 0)
    ring_buffer_map_get_reader(tb, 1)
    expect(m0.meta.entries).toBe(0)
    expect(m1.meta.entries).toBe(3)
    expect(firstBytes(m1)).toEqual([0, 1, 2])
    expect(ring_buffer_unmap(tb, 1)).toBe(0)
    expect(ring_buffer_map_get_reader(tb, 1)).toBe(-19)
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
  })

  it('decodeTraceBufferMeta reads our meta page like the kernel one', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const map = ring_buffer_map(tb, 0)
    expect(decodeTraceBufferMeta(map.bytes)).toEqual(map.meta)
    expect(decodeTraceBufferMeta(map.bytes.slice(0, 80))).toEqual(map.meta)
  })
})

describe('a consumer in another worker reading the mapping (ring-buffer-map.rst)', () => {
  const dist = new URL('../dist/index.js', import.meta.url)

  it('receives every event once, in order, while the main thread writes', async () => {
    expect(
      existsSync(dist),
      'build @onering/ftrace first: npx nx run-many -t build --projects=@onering/ftrace',
    ).toBe(true)
    const N = 3000
    const tb = ring_buffer_alloc(16384, 0) // produce/consume: the writer retries when full
    const clock = manualClock(tb, 1_000_000)
    const worker = new Worker(new URL('./workers/mmap-consumer.mjs', import.meta.url), {
      workerData: { sab: tb.sab, cpu: 0, count: N },
    })
    const done = new Promise<{
      texts: string[]
      ts: number[]
      meta: Record<string, unknown>
      ioctls: number
    }>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    const enc = new TextEncoder()
    for (let k = 0; k < N; k++) {
      const text = enc.encode(`ev ${String(k).padStart(5, '0')}\0`)
      clock.t = 1_000_000 + 1000 * k
      while (ring_buffer_write(tb, text.length, text) !== 0)
        await new Promise((r) => setTimeout(r, 1))
      if (k % 200 === 0) await new Promise((r) => setTimeout(r, 0))
    }
    const res = await done
    await worker.terminate()
    expect(res.texts).toHaveLength(N)
    expect(res.texts).toEqual(
      Array.from({ length: N }, (_, k) => `ev ${String(k).padStart(5, '0')}`),
    )
    expect(res.ts).toEqual(Array.from({ length: N }, (_, k) => 1_000_000 + 1000 * k))
    expect(res.meta).toMatchObject({ entries: N, read: N, overrun: 0 })
    expect(res.ioctls).toBeGreaterThan(1)
  }, 60_000)
})
