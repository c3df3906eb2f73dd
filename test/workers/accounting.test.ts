/**
 * Real worker_threads: two writers and one reader move more than 10^6 records through one
 * buffer in every mode, and the accounting holds exactly, per ring and in total:
 *
 * - attempts the writers made = written + dropped + commitOverrun (refusals = dropped + commitOverrun)
 * - written = read + overrun + entries, both while records are still buffered and after the
 *   drain (entries = 0), and the drain reads exactly the `entries` the stats reported
 * - per writer, records received = accepted − the writer's share of the overrun, which is
 *   exactly the gaps in its sequence numbers; no gap at all in produce-consume mode
 * - no record is torn (checksums), misplaced, reordered or timestamped wrongly.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient, rawPagedClient } from '@onering/core'
import type { RingBufferOptions, RingMode, RingSync } from '@onering/core'
import { C_GO, TestWorker, controlBlock, guard, statsOf, sum, terminateAll } from './harness.js'
import type { WorkerMessage } from './harness.js'

afterEach(terminateAll)

interface Case {
  name: string
  layout: 'paged' | 'contiguous'
  mode: RingMode
  sync: RingSync
  /** How the reader consumes in the live phase. */
  method: 'next' | 'consume' | 'drain' | 'drain-all'
  /** How the writers write. */
  api: 'reserve' | 'write'
  publishBatch?: number
}

const cases: Case[] = [
  {
    name: 'paged, overwrite',
    layout: 'paged',
    mode: 'overwrite',
    sync: 'per-cpu',
    method: 'next',
    api: 'reserve',
  },
  {
    name: 'paged, produce-consume',
    layout: 'paged',
    mode: 'produce-consume',
    sync: 'per-cpu',
    method: 'consume',
    api: 'write',
    publishBatch: 1,
  },
  {
    name: 'contiguous, produce-consume',
    layout: 'contiguous',
    mode: 'produce-consume',
    sync: 'per-cpu',
    method: 'drain',
    api: 'write',
  },
  {
    name: 'contiguous, overwrite',
    layout: 'contiguous',
    mode: 'overwrite',
    sync: 'per-cpu',
    method: 'drain-all',
    api: 'write',
    publishBatch: 64,
  },
  {
    name: 'shared sync (all writers in 1 ring), overwrite',
    layout: 'paged',
    mode: 'overwrite',
    sync: 'shared',
    method: 'drain',
    api: 'reserve',
  },
  {
    name: 'shared sync (all writers in 1 ring), produce-consume',
    layout: 'paged',
    mode: 'produce-consume',
    sync: 'shared',
    method: 'consume',
    api: 'write',
  },
]

interface WriterDone extends WorkerMessage {
  id: number
  cpu: number
  attempts: number
  accepted: number
  refused: number
  pacingSleeps: number
}

interface ReaderPaused extends WorkerMessage {
  read: number[]
}

interface ReaderFinal extends WorkerMessage {
  writers: { id: number; received: number; gaps: number; last: number }[]
  rings: { read: number; readBeforePause: number; drained: number; lost: number; gaps: number }[]
  lostEarly: number
  idle: number
  errorCount: number
  errors: string[]
}

/**
 * Geometry and writer count of one run. Every mode runs in both: the first with large
 * sub-buffers, the second with three writers, small sub-buffers and a small ring (many more
 * sub-buffer switches, wraps and losses).
 */
interface Variant {
  label: string
  writers: number
  perWriter: number
  ringBytes: number
  subbufSize: number
}

const variants: Variant[] = [
  {
    label: '2 writers, 256 KiB rings',
    writers: 2,
    perWriter: 600_000,
    ringBytes: 1 << 18,
    subbufSize: 4096,
  },
  {
    label: '3 writers, 32 KiB rings, 512 B sub-buffers',
    writers: 3,
    perWriter: 400_000,
    ringBytes: 1 << 15,
    subbufSize: 512,
  },
]

function create(c: Case, v: Variant): RingBuffer {
  const opts: RingBufferOptions = {
    cpus: c.sync === 'shared' ? 1 : v.writers,
    mode: c.mode,
    sync: c.sync,
    size: v.ringBytes,
    client: c.layout === 'paged' ? rawPagedClient : rawContiguousClient,
  }
  if (c.layout === 'paged') opts.subbufSize = v.subbufSize
  if (c.publishBatch !== undefined) opts.publishBatch = c.publishBatch
  return RingBuffer.create(opts)
}

describe.each(cases)('worker_threads, $name', (c) => {
  it.each(variants)(
    '$label: 1 reader, > 10^6 records, exact accounting',
    { timeout: 60_000 },
    async (v) => {
      const rb = create(c, v)
      const control = controlBlock()
      const overwrite = c.mode === 'overwrite'
      const ids = Array.from({ length: v.writers }, (_, k) => k)
      const cpuOf = (id: number): number => (c.sync === 'shared' ? 0 : id)
      // about how many records a ring holds (payloads average 84 bytes)
      const ringRecords = Math.floor(v.ringBytes / 100)
      const perRing = c.sync === 'shared' ? v.writers : 1
      const writers = ids.map(
        (id) =>
          new TestWorker('./writer.mjs', {
            sab: rb.sab,
            control: control.sab,
            cpu: cpuOf(id),
            id,
            count: v.perWriter,
            api: c.api,
            prime: overwrite ? 'overrun' : 'refused',
            lagLimit: Math.floor(ringRecords / 2),
            burstEvery: 100_000,
            burstLen: 3 * ringRecords,
            jumpEvery: 150_000,
            tail: Math.floor(ringRecords / 8 / perRing),
          }),
      )
      const reader = new TestWorker('./reader.mjs', {
        sab: rb.sab,
        control: control.sab,
        writers: ids.map((id) => ({ id, cpu: cpuOf(id) })),
        method: c.method,
        overwrite,
      })

      const all = [reader, ...writers]
      const done = await guard(Promise.all(writers.map((w) => w.message<WriterDone>('done'))), all)
      const paused = await guard(reader.message<ReaderPaused>('paused'), all)
      // every writer closed, the reader stopped: some records may still be buffered
      const before = statsOf(rb)
      Atomics.store(control.i32, C_GO, 1)
      Atomics.notify(control.i32, C_GO)
      const fin = await guard(reader.message<ReaderFinal>('final'), all)
      await Promise.all(all.map((w) => w.exited))
      const after = statsOf(rb)

      expect(fin.errors).toEqual([])
      expect(fin.errorCount).toBe(0)

      for (let cpu = 0; cpu < rb.cpus; cpu++) {
        const mine = done.filter((d) => d.cpu === cpu)
        const b = before.rings[cpu]!
        const a = after.rings[cpu]!
        const r = fin.rings[cpu]!
        // the writers' attempts are exactly the records written plus the refusals
        expect(sum(mine, (d) => d.attempts)).toBe(a.written + a.dropped + a.commitOverrun)
        expect(sum(mine, (d) => d.accepted)).toBe(a.written)
        expect(sum(mine, (d) => d.refused)).toBe(a.dropped + a.commitOverrun)
        // while records were still buffered: written = read + overrun + entries, and the drain
        // then read exactly those entries
        expect(b.written).toBe(a.written)
        expect(b.read).toBe(paused.read[cpu])
        expect(b.written - b.read - b.overrun).toBe(b.entries)
        expect(r.drained).toBe(b.entries)
        // after the drain: nothing buffered
        expect(a.entries).toBe(0)
        expect(a.written).toBe(a.read + a.overrun + a.entries)
        expect(a.read).toBe(r.read)
        expect(a.overrun).toBe(b.overrun)
        expect(a.bytes).toBe(0)
        expect(a.bytesWritten).toBe(a.bytesRead + a.bytesOverrun)
        // per writer: received = accepted - its share of the overrun, which shows as gaps
        const got = fin.writers.filter((w) => cpuOf(w.id) === cpu)
        for (const w of got) {
          const d = mine.find((x) => x.id === w.id)!
          expect(w.received + w.gaps).toBe(d.accepted)
          expect(w.last).toBe(d.accepted - 1)
          if (c.sync === 'per-cpu') expect(w.received).toBe(d.accepted - a.overrun)
        }
        expect(sum(mine, (d) => d.accepted) - sum(got, (w) => w.received)).toBe(a.overrun)
        expect(r.gaps).toBe(a.overrun)
        // what the reader was told it lost
        expect(r.lost).toBe(a.lost)
        // every overwritten record was reported lost with the record after it; drops too where
        // the client writes loss records (contiguous layout)
        if (overwrite) {
          expect(a.overrun).toBeGreaterThan(0)
          expect(a.dropped).toBe(0)
          expect(a.lost).toBe(a.overrun)
        } else {
          expect(a.overrun).toBe(0)
          expect(a.dropped).toBeGreaterThan(0)
          expect(a.lost).toBe(c.layout === 'contiguous' ? a.dropped : 0)
        }
      }

      // the same identities over all rings
      const t = after.total
      expect(sum(done, (d) => d.attempts)).toBe(t.written + t.dropped + t.commitOverrun)
      expect(t.written).toBe(t.read + t.overrun + t.entries)
      expect(t.entries).toBe(0)
      expect(before.total.written).toBe(
        before.total.read + before.total.overrun + before.total.entries,
      )
      expect(t.read).toBe(sum(fin.writers, (w) => w.received))
      // at least 10^6 records crossed from the writers to the reader
      expect(t.read).toBeGreaterThanOrEqual(1_000_000)
      console.log(
        `${c.name}, ${v.label}: attempts ${sum(done, (d) => d.attempts)}, written ${t.written}, read ${t.read} ` +
          `(${before.total.entries} still buffered when the writers closed), overrun ${t.overrun}, dropped ${t.dropped}, ` +
          `commitOverrun ${t.commitOverrun}, lost reported ${t.lost}, early loss reports ${fin.lostEarly}`,
      )
    },
  )
})
