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
import {
  accountingVariants,
  expectExactAccounting,
  runAccounting,
  terminateAll,
} from './harness.js'
import type { ReaderFinal } from './harness.js'

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

interface BatchFinal extends ReaderFinal {
  thrown: number
  batches: number
}

describe.each(cases)('worker_threads, consumeBatch/drain, $name', (c) => {
  it.each(accountingVariants)(
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
      const overwrite = c.mode === 'overwrite'
      const run = await runAccounting<BatchFinal>(
        rb,
        v,
        { ...c, overwrite },
        './batch-consumer.mjs',
        {
          overwrite,
          throwEvery: c.throwEvery,
          budget: c.budget,
        },
      )
      const { fin, before } = run
      expectExactAccounting(run, { sync: c.sync, overwrite, lostOnDrop: false })
      if (c.throwEvery > 0) expect(fin.thrown).toBeGreaterThan(0)
      else expect(fin.thrown).toBe(0)

      const t = run.after.total
      console.log(
        `batch ${c.name}, ${v.label}: written ${t.written}, read ${t.read} in ${fin.batches} batches ` +
          `(${before.total.entries} still buffered when the writers closed), overrun ${t.overrun}, ` +
          `dropped ${t.dropped}, lost reported ${t.lost}, callback throws ${fin.thrown}, early loss reports ${fin.lostEarly}`,
      )
    },
  )
})
