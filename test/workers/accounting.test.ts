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
import { afterEach, describe, it } from 'vitest'
import { RingBuffer, rawContiguousClient, rawPagedClient } from '@onering/core'
import type { RingBufferOptions, RingMode, RingSync } from '@onering/core'
import {
  accountingVariants,
  expectExactAccounting,
  runAccounting,
  sum,
  terminateAll,
} from './harness.js'
import type { Variant } from './harness.js'

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
  it.each(accountingVariants)(
    '$label: 1 reader, > 10^6 records, exact accounting',
    { timeout: 60_000 },
    async (v) => {
      const rb = create(c, v)
      const overwrite = c.mode === 'overwrite'
      const run = await runAccounting(rb, v, { ...c, overwrite }, './reader.mjs', {
        method: c.method,
        overwrite,
      })
      expectExactAccounting(run, {
        sync: c.sync,
        overwrite,
        lostOnDrop: c.layout === 'contiguous',
      })

      const { done, fin, before } = run
      const t = run.after.total
      console.log(
        `${c.name}, ${v.label}: attempts ${sum(done, (d) => d.attempts)}, written ${t.written}, read ${t.read} ` +
          `(${before.total.entries} still buffered when the writers closed), overrun ${t.overrun}, dropped ${t.dropped}, ` +
          `commitOverrun ${t.commitOverrun}, lost reported ${t.lost}, early loss reports ${fin.lostEarly}`,
      )
    },
  )
})
