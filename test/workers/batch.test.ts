/**
 * Real worker_threads and the batched read path: writers in their own workers, one reader that
 * consumes with `reader.consumeBatch()` while they write and with `reader.drain()` after they
 * closed (both take the reader lock once per chunk of records). More than 10^6 records cross in
 * every case, and the accounting holds exactly, per ring and in total, as in accounting.test.ts:
 *
 * - attempts = written + dropped + commitOverrun; written = read + overrun + entries, while
 *   records are still buffered and after the drain (entries = 0)
 * - the records the callback saw are exactly `read`; per writer, received + gaps = accepted,
 *   and the gaps are exactly the overrun (none in produce-consume mode)
 * - every overwritten record is reported lost with the record after it
 * - no record is torn (per-record checksums), duplicated, reordered or timestamped wrongly,
 *   including when the callback throws in the middle of a chunk (the rest of the chunk is
 *   given back to the ring and comes again).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RingBuffer, rawPagedClient } from '@onering/core'
import type { RingMode, RingSync } from '@onering/core'
import { C_GO, TestWorker, controlBlock, guard, statsOf, sum, terminateAll } from './harness.js'
import type { WorkerMessage } from './harness.js'

afterEach(terminateAll)

interface Case {
  name: string
  mode: RingMode
  sync: RingSync
  api: 'reserve' | 'write'
  /** The reader's callback throws on every this-many-th record (0: never). */
  throwEvery: number
  /** Records per consumeBatch call. */
  budget: number
}

const cases: Case[] = [
  {
    name: 'per-CPU, produce-consume',
    mode: 'produce-consume',
    sync: 'per-cpu',
    api: 'write',
    throwEvery: 0,
    budget: 100_000,
  },
  {
    name: 'per-CPU, overwrite',
    mode: 'overwrite',
    sync: 'per-cpu',
    api: 'reserve',
    throwEvery: 0,
    budget: 4096,
  },
  {
    name: 'per-CPU, overwrite, the callback throws every 997 records',
    mode: 'overwrite',
    sync: 'per-cpu',
    api: 'write',
    throwEvery: 997,
    budget: 300,
  },
  {
    name: 'shared sync (all writers in 1 ring), produce-consume, the callback throws every 1009 records',
    mode: 'produce-consume',
    sync: 'shared',
    api: 'write',
    throwEvery: 1009,
    budget: 4096,
  },
]

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

interface WriterDone extends WorkerMessage {
  id: number
  cpu: number
  attempts: number
  accepted: number
  refused: number
}

interface ReaderPaused extends WorkerMessage {
  read: number[]
}

interface ReaderFinal extends WorkerMessage {
  writers: { id: number; received: number; gaps: number; last: number }[]
  rings: { read: number; readBeforePause: number; drained: number; lost: number; gaps: number }[]
  lostEarly: number
  errorCount: number
  errors: string[]
  thrown: number
  batches: number
}

describe.each(cases)('worker_threads, consumeBatch/drain, $name', (c) => {
  it.each(variants)(
    '$label: > 10^6 records, exact accounting, per-record checksums',
    { timeout: 60_000 },
    async (v) => {
      const rb = RingBuffer.create({
        cpus: c.sync === 'shared' ? 1 : v.writers,
        mode: c.mode,
        sync: c.sync,
        size: v.ringBytes,
        subbufSize: v.subbufSize,
        client: rawPagedClient,
      })
      const control = controlBlock()
      const overwrite = c.mode === 'overwrite'
      const ids = Array.from({ length: v.writers }, (_, k) => k)
      const cpuOf = (id: number): number => (c.sync === 'shared' ? 0 : id)
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
      const reader = new TestWorker('./batch-consumer.mjs', {
        sab: rb.sab,
        control: control.sab,
        writers: ids.map((id) => ({ id, cpu: cpuOf(id) })),
        overwrite,
        throwEvery: c.throwEvery,
        budget: c.budget,
      })

      const all = [reader, ...writers]
      const done = await guard(Promise.all(writers.map((w) => w.message<WriterDone>('done'))), all)
      const paused = await guard(reader.message<ReaderPaused>('paused'), all)
      const before = statsOf(rb)
      Atomics.store(control.i32, C_GO, 1)
      Atomics.notify(control.i32, C_GO)
      const fin = await guard(reader.message<ReaderFinal>('final'), all)
      await Promise.all(all.map((w) => w.exited))
      const after = statsOf(rb)

      expect(fin.errors).toEqual([])
      expect(fin.errorCount).toBe(0)
      if (c.throwEvery > 0) expect(fin.thrown).toBeGreaterThan(0)
      else expect(fin.thrown).toBe(0)

      for (let cpu = 0; cpu < rb.cpus; cpu++) {
        const mine = done.filter((d) => d.cpu === cpu)
        const b = before.rings[cpu]!
        const a = after.rings[cpu]!
        const r = fin.rings[cpu]!
        expect(sum(mine, (d) => d.attempts)).toBe(a.written + a.dropped + a.commitOverrun)
        expect(sum(mine, (d) => d.accepted)).toBe(a.written)
        expect(sum(mine, (d) => d.refused)).toBe(a.dropped + a.commitOverrun)
        expect(b.written).toBe(a.written)
        expect(b.read).toBe(paused.read[cpu])
        expect(b.written - b.read - b.overrun).toBe(b.entries)
        expect(r.drained).toBe(b.entries)
        expect(a.entries).toBe(0)
        expect(a.written).toBe(a.read + a.overrun + a.entries)
        expect(a.read).toBe(r.read)
        expect(a.overrun).toBe(b.overrun)
        expect(a.bytes).toBe(0)
        expect(a.bytesWritten).toBe(a.bytesRead + a.bytesOverrun)
        const got = fin.writers.filter((w) => cpuOf(w.id) === cpu)
        for (const w of got) {
          const d = mine.find((x) => x.id === w.id)!
          expect(w.received + w.gaps).toBe(d.accepted)
          expect(w.last).toBe(d.accepted - 1)
          if (c.sync === 'per-cpu') expect(w.received).toBe(d.accepted - a.overrun)
        }
        expect(sum(mine, (d) => d.accepted) - sum(got, (w) => w.received)).toBe(a.overrun)
        expect(r.gaps).toBe(a.overrun)
        expect(r.lost).toBe(a.lost)
        if (overwrite) {
          expect(a.overrun).toBeGreaterThan(0)
          expect(a.dropped).toBe(0)
          expect(a.lost).toBe(a.overrun)
        } else {
          expect(a.overrun).toBe(0)
          expect(a.dropped).toBeGreaterThan(0)
          expect(a.lost).toBe(0)
        }
      }

      const t = after.total
      expect(sum(done, (d) => d.attempts)).toBe(t.written + t.dropped + t.commitOverrun)
      expect(t.written).toBe(t.read + t.overrun + t.entries)
      expect(t.entries).toBe(0)
      expect(t.read).toBe(sum(fin.writers, (w) => w.received))
      expect(t.read).toBeGreaterThanOrEqual(1_000_000)
      console.log(
        `batch ${c.name}, ${v.label}: written ${t.written}, read ${t.read} in ${fin.batches} batches ` +
          `(${before.total.entries} still buffered when the writers closed), overrun ${t.overrun}, ` +
          `dropped ${t.dropped}, lost reported ${t.lost}, callback throws ${fin.thrown}, early loss reports ${fin.lostEarly}`,
      )
    },
  )
})
