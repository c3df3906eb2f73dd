/**
 * A writer killed at EVERY point where V8 can stop it inside the engine's runs of stores
 * (issue 12, A.1, and the rare failure of dead-writer.test.ts's random kills).
 *
 * V8 delivers `worker.terminate()` only where it checks for interrupts: at function entries,
 * loop back-edges, and on entering an `Atomics` builtin (`Atomics.store`, `add`, `load`, …), before
 * the operation. So a run of plain stores followed by an `Atomics` call is NOT all or nothing:
 * a writer can die with the plain stores done and the atomic one not. The first test below
 * shows that on V8 itself; the others stop a real writer (`stopped-writer.mjs`) just before its
 * k-th `Atomics` call on the ring, for every k of a run that fills the ring, switches
 * sub-buffers, is refused (produce-consume) or laps (overwrite), terminate it there, recover,
 * and compare what is delivered with the writer's own count; then a new writer must be
 * delivered whole.
 *
 * Before the fix, the paged per-CPU writer killed between the plain stores of a switch's
 * publish (`C_WRITER_PAGE`, `C_TAIL_*`, `C_COMMIT_SLOT`) and its `Atomics.store` of the frontier
 * `C_COMMIT_SEQ` left a ring whose recovery took the commit slot of the next sub-buffer for
 * the frontier's: the next writer's records went to a sub-buffer the reader never swaps in.
 * And a paged overwrite writer killed between its claim of an unread sub-buffer and its next
 * counters lost that sub-buffer's records uncounted (neither read nor overrun).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Worker } from 'node:worker_threads'
import { RingBuffer, rawContiguousClient, rawPagedClient } from '@onering/core'
import type { RingMode, RingWriter } from '@onering/core'
import { TestWorker, terminateAll } from './harness.js'
import { encode } from './record.mjs'
import { delivered, drain } from './dead-writer-drain.js'

afterEach(terminateAll)

const ID = 5

interface Config {
  name: string
  layout: 'paged' | 'contiguous'
  sync: 'per-cpu' | 'shared'
  /** Records the stopped writer tries to write: a few more than the ring holds (~215, ~161, ~182). */
  count: number
  /**
   * Kill points tried: every Atomics call, or every `stride`-th (a shared writer makes ~16 per
   * record; a stride prime to that still stops at every step of the record's cycle).
   */
  stride: number
}
const configs: Config[] = [
  { name: 'paged per-cpu', layout: 'paged', sync: 'per-cpu', count: 225, stride: 1 },
  { name: 'contiguous per-cpu', layout: 'contiguous', sync: 'per-cpu', count: 170, stride: 1 },
  { name: 'paged shared', layout: 'paged', sync: 'shared', count: 195, stride: 11 },
]
const modes: RingMode[] = ['produce-consume', 'overwrite']

function create(c: Config, mode: RingMode): RingBuffer {
  return RingBuffer.create({
    cpus: 1,
    mode,
    size: 1 << 14,
    ...(c.layout === 'paged' ? { subbufSize: 4096 } : {}),
    ...(c.sync === 'shared' ? { sync: 'shared' as const } : {}),
    client: c.layout === 'paged' ? rawPagedClient : rawContiguousClient,
    publishBatch: 16,
  })
}

interface Run {
  /** Commits the writer counted, and refusals. */
  committed: number
  refused: number
  /** Atomics calls made on the ring (all of the run when it did not stop). */
  calls: number
  stopped: boolean
}

/** Run the stopped writer on `rb` until its `stopAt`-th Atomics call, then terminate and recover it. */
async function killAt(rb: RingBuffer, c: Config, stopAt: number): Promise<Run> {
  const control = new SharedArrayBuffer(64 * 4)
  const ctl = new Int32Array(control)
  const t = new TestWorker('./stopped-writer.mjs', {
    sab: rb.sab,
    control,
    cpu: 0,
    id: ID,
    count: c.count,
    stopAt,
  })
  const threadId = t.worker.threadId
  const m = await Promise.race([
    t.message<{ type: string }>('stopped'),
    t.message<{ type: string }>('done'),
  ])
  await t.worker.terminate()
  if (c.sync === 'shared') rb.recoverWriters({ threadId })
  else rb.recoverWriter(0)
  return {
    committed: Atomics.load(ctl, ID),
    refused: Atomics.load(ctl, 32 + ID),
    calls: Atomics.load(ctl, 62),
    stopped: m.type === 'stopped',
  }
}

/** `n` records 0..n-1 of writer `id`, written from this thread, then flushed. */
function writeSome(w: RingWriter, id: number, n: number): void {
  const buf = new Uint8Array(256)
  const dv = new DataView(buf.buffer)
  for (let k = 0; k < n; k++) {
    const len = encode(buf, dv, 0, id, k, 1e9 + k)
    expect(w.write(buf.subarray(0, len), 1e9 + k)).toBe(true)
  }
  w.flush()
}

/** The sequence `from`, `from + 1`, … of `length` numbers. */
const run = (from: number, length: number): number[] => Array.from({ length }, (_, k) => from + k)

/**
 * Check the ring after the recovery of a writer killed at `stopAt`, then that a new writer is
 * delivered (in overwrite, enough of it to lap the ring: every record is then read or overrun).
 */
function check(rb: RingBuffer, c: Config, mode: RingMode, run0: Run, stopAt: number): void {
  const at = `stopped at Atomics call ${stopAt} (${run0.committed} committed, ${run0.refused} refused)`
  const got = delivered()
  drain(rb, 0, got)
  expect(got.errors, at).toEqual([])
  const seqs = got.seqs.get(ID) ?? []
  const s = rb.stats(0)
  // killed inside a commit: that record is committed but not counted by the writer
  const n = s.written
  expect(n === run0.committed || n === run0.committed + 1, `${at}: written ${n}`).toBe(true)
  expect(s.read, at).toBe(seqs.length)
  if (mode === 'produce-consume') {
    expect(seqs, at).toEqual(run(0, n))
    expect(s.entries, at).toBe(0)
    expect(s.overrun, at).toBe(0)
    // the refusals the writer saw, and at most one torn or interrupted one
    expect(s.dropped - run0.refused, `${at}: dropped ${s.dropped}`).toBeGreaterThanOrEqual(0)
    expect(s.dropped - run0.refused, `${at}: dropped ${s.dropped}`).toBeLessThanOrEqual(1)
  } else if (n > 0) {
    // overwrite: the newest records, in order, up to the last one committed
    expect(seqs.length, at).toBeGreaterThan(0)
    expect(seqs, at).toEqual(run(n - seqs.length, seqs.length))
  }
  // every record is read or overrun: not for a contiguous overwrite ring, whose recovery misses
  // the overrun of tail pushes since the last publish (docs/design.md §4.3, Limits)
  const exact = mode === 'produce-consume' || c.layout === 'paged'
  if (exact) expect(s.written, at).toBe(s.read + s.overrun)
  // the ring keeps working: a new writer, delivered whole (produce-consume) or its newest
  // records after it lapped the ring (overwrite)
  const more = mode === 'produce-consume' ? 20 : 400
  const nw = rb.writer(0)
  writeSome(nw, 9, more)
  nw.close()
  const after = delivered()
  drain(rb, 0, after)
  expect(after.errors, at).toEqual([])
  const newer = after.seqs.get(9) ?? []
  if (mode === 'produce-consume') expect(newer, at).toEqual(run(0, more))
  else {
    // the newest, in order (and the oldest ones the reader sub-buffer held when the writer
    // lapped the ring: the writer never overwrites the reader's sub-buffer, as in the kernel)
    expect(newer[newer.length - 1], at).toBe(more - 1)
    expect(
      newer.every((v, k) => k === 0 || v > newer[k - 1]!),
      at,
    ).toBe(true)
  }
  const s2 = rb.stats(0)
  expect(s2.written - s.written, at).toBe(more)
  expect(s2.read - s.read, at).toBe(newer.length + (after.seqs.get(ID)?.length ?? 0))
  if (exact) {
    expect(s2.entries, at).toBe(0)
    expect(s2.written, at).toBe(s2.read + s2.overrun)
  }
}

describe('V8 stops a terminated thread before an Atomics call, never between plain stores', () => {
  it('a run of plain stores then an Atomics.store is torn by terminate(); plain stores alone are not', async () => {
    // the worker stores k into words 0 and 1 plainly, then into word 2 (Atomics.store, or plainly)
    const src = `
      const { workerData, parentPort } = require('node:worker_threads')
      const a = new Int32Array(workerData.sab)
      const atomic = workerData.atomic
      function step(k) {
        a[0] = k
        a[1] = k
        if (atomic) Atomics.store(a, 2, k)
        else a[2] = k
      }
      parentPort.postMessage(0)
      for (let k = 1; ; k++) step(k)
    `
    const torn = { true: 0, false: 0 }
    for (let k = 0; k < 120; k++) {
      const atomic = k % 2 === 0
      const sab = new SharedArrayBuffer(16)
      const a = new Int32Array(sab)
      const w = new Worker(src, { eval: true, workerData: { sab, atomic } })
      await new Promise((res) => w.once('message', res))
      await new Promise((res) => setTimeout(res, (k % 7) / 2))
      await w.terminate()
      expect(a[0]).toBe(a[1])
      if (a[1] !== a[2]) torn[`${atomic}`]++
    }
    // only the run that ends in an Atomics call is ever torn (typically 10-25 % of the kills)
    expect(torn.false).toBe(0)
    expect(torn.true).toBeGreaterThan(0)
  })
})

describe.each(configs)('a writer killed before each of its Atomics calls, $name', (c) => {
  it.each(modes)(
    '%s: every counted commit delivered, then a new writer delivered whole',
    async (mode) => {
      // a run that is never stopped: how many Atomics calls it makes
      const full = await killAt(create(c, mode), c, 0)
      expect(full.stopped).toBe(false)
      expect(full.calls).toBeGreaterThan(50)
      for (let stopAt = 1; stopAt <= full.calls; stopAt += c.stride) {
        const rb = create(c, mode)
        const run = await killAt(rb, c, stopAt)
        expect(run.stopped).toBe(true)
        check(rb, c, mode, run, stopAt)
      }
    },
  )
})
