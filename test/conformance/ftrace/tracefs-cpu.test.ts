/**
 * The tracefs_cpu reader of `@onering/ftrace` hands out the CPU's sub-buffers as
 * `trace_pipe_raw` does: every event written arrives exactly once, in order, in pages that
 * libtraceevent's kbuffer (`kbuffer-check.c`) parses — through `tracefs_cpu_read` (any
 * sub-buffer), `tracefs_cpu_buffered_read` (complete ones only) and `tracefs_cpu_flush`, through
 * a blocking reader in another worker stopped by `tracefs_cpu_stop`, and through the mapped
 * reader (`tracefs_cpu_map`, the kernel's ring-buffer mapping with
 * `TRACE_MMAP_IOCTL_GET_READER`) with writes between the reads. Expected values are the
 * test's own inputs.
 */
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ring_buffer_alloc,
  ring_buffer_free,
  ring_buffer_set_clock,
  ring_buffer_write,
  tracefs_cpu_buffered_read,
  tracefs_cpu_close,
  tracefs_cpu_flush,
  tracefs_cpu_is_mapped,
  tracefs_cpu_map,
  tracefs_cpu_open,
  tracefs_cpu_read,
  tracefs_cpu_read_size,
  tracefs_cpu_stop,
  tracefs_cpu_unmap,
} from '@onering/ftrace'
import type { TraceBuffer } from '@onering/ftrace'
import {
  buildKbufferChecker,
  kbufferMissing,
  reportMissingOracle,
  removeKbufferChecker,
  runKbufferChecker,
} from './kbuffer-oracle.js'

reportMissingOracle('tracefs_cpu reader')

const SUBBUF = 4096
const LEN = 60

interface Written {
  seq: number
  ts: number
}

/** Write events `from`..`to-1`: a u32 sequence number and a pattern, timestamps from `clock`. */
function write(
  tb: TraceBuffer,
  clock: { now: number },
  from: number,
  to: number,
  log: Written[],
): void {
  const data = new Uint8Array(LEN)
  const dv = new DataView(data.buffer)
  for (let seq = from; seq < to; seq++) {
    clock.now += 100 + (seq % 17) * 1000
    dv.setUint32(0, seq, true)
    for (let j = 4; j < LEN; j++) data[j] = (seq + j) & 0xff
    expect(ring_buffer_write(tb, LEN, data)).toBe(0)
    log.push({ seq, ts: clock.now })
  }
}

/** kbuffer's reading of pages: the (seq, ts) of every event, and the pages' commit sizes. */
function kbufferEvents(pages: Uint8Array[], name: string): { events: Written[]; sizes: number[] } {
  const all = new Uint8Array(pages.length * SUBBUF)
  pages.forEach((p, k) => {
    expect(p.length).toBe(SUBBUF)
    all.set(p, k * SUBBUF)
  })
  const out = runKbufferChecker(name, all, SUBBUF)
  const events: Written[] = []
  const sizes: number[] = []
  for (const line of out.split('\n')) {
    const f = line.split(' ')
    if (f[0] === 'P') sizes.push(Number(f[3]))
    if (f[0] !== 'E') continue
    const payload = Buffer.from(f[7]!, 'hex')
    events.push({ seq: payload.readUInt32LE(0), ts: Number(f[2]) })
    for (let j = 4; j < LEN; j++) expect(payload[j]).toBe((payload.readUInt32LE(0) + j) & 0xff)
  }
  return { events, sizes }
}

function setup(size = 1 << 16): { tb: TraceBuffer; clock: { now: number } } {
  const tb = ring_buffer_alloc(size, 0, { cpus: 2 })
  const clock = { now: 1_000_000 }
  ring_buffer_set_clock(tb, () => clock.now)
  return { tb, clock }
}

describe.skipIf(kbufferMissing !== null)('tracefs_cpu reader (libtraceevent kbuffer)', () => {
  beforeAll(buildKbufferChecker)
  afterAll(removeKbufferChecker)

  it('buffered_read hands out complete sub-buffers only; read and flush the partial one', () => {
    const { tb, clock } = setup()
    const log: Written[] = []
    const perPage = Math.floor((SUBBUF - 16) / (LEN + 4))
    write(tb, clock, 0, Math.floor(perPage * 2.5), log)
    const tcpu = tracefs_cpu_open(tb, 0, true)
    expect(tracefs_cpu_read_size(tcpu)).toBe(SUBBUF)
    const buf = new Uint8Array(SUBBUF)
    const pages: Uint8Array[] = []
    for (
      let r = tracefs_cpu_buffered_read(tcpu, buf, true);
      r > 0;
      r = tracefs_cpu_buffered_read(tcpu, buf, true)
    ) {
      expect(r).toBe(SUBBUF)
      pages.push(buf.slice())
    }
    expect(pages).toHaveLength(2)
    // the partial page: read (trace_pipe_raw's read) takes it, flush then finds nothing
    expect(tracefs_cpu_read(tcpu, buf, true)).toBe(SUBBUF)
    pages.push(buf.slice())
    expect(tracefs_cpu_flush(tcpu, buf)).toBe(0)
    expect(tracefs_cpu_read(tcpu, buf, true)).toBe(0)
    const k = kbufferEvents(pages, 'buffered')
    expect(k.events).toEqual(log)
    expect(k.sizes[2]).toBeLessThan(k.sizes[0]!)
    // the other CPU is empty
    const other = tracefs_cpu_open(tb, 1, true)
    expect(tracefs_cpu_read(other, buf, true)).toBe(0)
    tracefs_cpu_close(other)
    tracefs_cpu_close(tcpu)
    ring_buffer_free(tb)
  })

  it('a blocking reader in another worker: woken by data, ended by tracefs_cpu_stop, then flushed', async () => {
    const { tb, clock } = setup(1 << 20)
    const worker = new Worker(new URL('../../workers/tracefs-cpu-reader.mjs', import.meta.url), {
      workerData: { sab: tb.rb.sab, cpu: 0 },
    })
    let ready: () => void = () => undefined
    const opened = new Promise<void>((resolve) => {
      ready = resolve
    })
    const done = new Promise<{ pages: Uint8Array[]; blocking: number }>((resolve, reject) => {
      worker.on('message', (m: { ready?: boolean; pages?: Uint8Array[]; blocking?: number }) => {
        if (m.ready === true) ready()
        if (m.pages !== undefined) resolve(m as { pages: Uint8Array[]; blocking: number })
      })
      worker.once('error', reject)
    })
    // the reader's handle exists before anything is written or stopped
    await opened
    const log: Written[] = []
    for (let round = 0; round < 20; round++) {
      write(tb, clock, round * 100, round * 100 + 100, log)
      await new Promise((r) => setTimeout(r, 2))
    }
    const stopper = tracefs_cpu_open(tb, 0, false)
    expect(tracefs_cpu_stop(stopper)).toBe(0)
    const got = await done
    await worker.terminate()
    expect(got.blocking).toBeGreaterThan(0)
    expect(kbufferEvents(got.pages, 'blocking').events).toEqual(log)
    // the stopped handle never blocks again
    expect(tracefs_cpu_read(stopper, new Uint8Array(SUBBUF), false)).toBe(0)
    tracefs_cpu_close(stopper)
    ring_buffer_free(tb)
  })

  it('mapped: reads through the ring-buffer mapping hand out every event once, with writes between reads', () => {
    const { tb, clock } = setup()
    const log: Written[] = []
    write(tb, clock, 0, 10, log)
    const tcpu = tracefs_cpu_open(tb, 0, true)
    expect(tracefs_cpu_map(tcpu)).toBe(0)
    expect(tracefs_cpu_is_mapped(tcpu)).toBe(true)
    const buf = new Uint8Array(SUBBUF)
    const pages: Uint8Array[] = []
    let seq = 10
    for (let round = 0; round < 60; round++) {
      // a few events, sometimes none, sometimes more than a sub-buffer
      const n = round % 7 === 0 ? 0 : round % 11 === 0 ? 150 : (round * 13) % 40
      write(tb, clock, seq, seq + n, log)
      seq += n
      for (
        let r = tracefs_cpu_read(tcpu, buf, true);
        r > 0;
        r = tracefs_cpu_read(tcpu, buf, true)
      ) {
        expect(r).toBe(SUBBUF)
        pages.push(buf.slice())
      }
    }
    for (let r = tracefs_cpu_flush(tcpu, buf); r > 0; r = tracefs_cpu_flush(tcpu, buf))
      pages.push(buf.slice())
    tracefs_cpu_unmap(tcpu)
    expect(tracefs_cpu_is_mapped(tcpu)).toBe(false)
    const k = kbufferEvents(pages, 'mapped')
    expect(k.events.map((e) => e.seq)).toEqual(log.map((e) => e.seq))
    expect(k.events).toEqual(log)
    // after unmap, reads go through trace_pipe_raw again and find nothing left
    expect(tracefs_cpu_read(tcpu, buf, true)).toBe(0)
    tracefs_cpu_close(tcpu)
    ring_buffer_free(tb)
  })
})
