/**
 * A writer that dies (issue 12, A.1): real worker_threads writers are killed with
 * `worker.terminate()` or `process.exit()` after committing records, in every layout and sync
 * mode; what the reader delivers is compared with the writers' OWN counts (each writer stores
 * how many of its `commit()` calls returned in a shared Int32Array, outside the engine).
 *
 * Goal: readers never hang; every record whose commit returned is delivered; the torn
 * reservation, and only it, is counted lost (`stats().dropped`, and in-band where the client
 * writes loss records); the ring keeps working for the other writers and for a new writer.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient, rawPagedClient } from '@onering/core'
import type { RingMode, RingWriter } from '@onering/core'
import { TestWorker, terminateAll } from './harness.js'
import { encode } from './record.mjs'
import { delivered, drain } from './dead-writer-drain.js'

afterEach(terminateAll)

type How = 'wait' | 'exit' | 'open' | 'run'

/** Recover ring `cpu` after its writer died: the new API, or what today's code offers. */
function recover(rb: RingBuffer, cpu: number): void {
  const api = rb as unknown as { recoverWriter?: (cpu: number) => unknown }
  if (typeof api.recoverWriter === 'function') api.recoverWriter(cpu)
  else rb.writer(cpu, { force: true }).close()
}

/** `n` records 0..n-1 of writer `id`, each once and in order. */
function expectSequence(seqs: number[] | undefined, n: number): void {
  expect(seqs ?? []).toEqual(Array.from({ length: n }, (_, k) => k))
}

/** Write `n` records of writer `id` from this thread, starting at `seq`. */
function writeSome(w: RingWriter, id: number, seq: number, n: number): void {
  const buf = new Uint8Array(256)
  const dv = new DataView(buf.buffer)
  for (let k = 0; k < n; k++) {
    const len = encode(buf, dv, 0, id, seq + k, 1e9 + k)
    expect(w.write(buf.subarray(0, len), 1e9 + k)).toBe(true)
  }
  w.flush()
}

const layouts = [
  { name: 'paged per-cpu', layout: 'paged' as const },
  { name: 'contiguous per-cpu', layout: 'contiguous' as const },
]
const modes: RingMode[] = ['overwrite', 'produce-consume']

function createPerCpu(layout: 'paged' | 'contiguous', mode: RingMode): RingBuffer {
  return RingBuffer.create({
    cpus: 2,
    mode,
    size: 1 << 22,
    ...(layout === 'paged' ? { subbufSize: 4096 } : {}),
    client: layout === 'paged' ? rawPagedClient : rawContiguousClient,
    publishBatch: 64,
  })
}

/** Start a dying writer on `cpu` of `rb`; returns it and its count word. */
function dyingWriter(
  rb: RingBuffer,
  cpu: number,
  id: number,
  count: number,
  how: How,
): { w: TestWorker; ctl: Int32Array } {
  const control = new SharedArrayBuffer(64 * 4)
  const w = new TestWorker('./dying-writer.mjs', { sab: rb.sab, control, cpu, id, count, how })
  return { w, ctl: new Int32Array(control) }
}

/** Kill the worker: terminate, or wait for its own process.exit(). */
async function kill(t: TestWorker, how: How): Promise<void> {
  if (how === 'exit') await new Promise((res) => t.worker.once('exit', res))
  else await t.worker.terminate()
}

describe.each(layouts)('a dying writer, $name', ({ layout }) => {
  describe.each(modes)('%s', (mode) => {
    it.each(['wait', 'exit', 'open'] as How[])(
      'a writer killed (%s) after committing records unpublished: all of them delivered, the torn one counted',
      async (how) => {
        for (let iter = 0; iter < 6; iter++) {
          const rb = createPerCpu(layout, mode)
          const cpu = iter & 1
          // not a multiple of publishBatch: the last commits were never published
          const count = 100 + iter * 37
          const { w, ctl } = dyingWriter(rb, cpu, 7, count, how)
          let open = false
          if (how !== 'exit')
            open = (await w.message<{ type: string; open: boolean }>('committed')).open
          await kill(w, how)
          const committed = Atomics.load(ctl, 7)
          expect(committed).toBe(count)
          recover(rb, cpu)
          const got = delivered()
          drain(rb, cpu, got)
          expect(got.errors).toEqual([])
          expectSequence(got.seqs.get(7), committed)
          const s = rb.stats(cpu)
          expect(s.written).toBe(committed)
          expect(s.read).toBe(committed)
          expect(s.entries).toBe(0)
          expect(s.overrun).toBe(0)
          // the torn reservation, and only it, is counted lost
          expect(s.dropped).toBe(open ? 1 : 0)
          // the ring keeps working: a new writer on that CPU (no force needed)
          const nw = rb.writer(cpu)
          writeSome(nw, 8, 0, 50)
          nw.close()
          const after = delivered()
          drain(rb, cpu, after)
          expect(after.errors).toEqual([])
          expectSequence(after.seqs.get(8), 50)
          // in-band: the client's loss record reports the torn one with the next record
          if (layout === 'contiguous') expect(after.lost).toBe(open ? 1 : 0)
          const s2 = rb.stats(cpu)
          expect(s2.written).toBe(committed + 50)
          expect(s2.read).toBe(committed + 50)
          expect(s2.lost).toBe(layout === 'contiguous' && open ? 1 : 0)
        }
      },
    )

    it('a writer killed at random points while writing: every counted commit delivered', async () => {
      for (let iter = 0; iter < 12; iter++) {
        const rb = createPerCpu(layout, mode)
        const cpu = iter & 1
        // even iterations: terminated 0..15 ms into the run (or after it finished); odd ones:
        // process.exit() after a random number of commits
        const exit = (iter & 1) === 1
        const count = exit ? 1 + Math.floor(Math.random() * 15_000) : 15_000
        const { w, ctl } = dyingWriter(rb, cpu, 3, count, exit ? 'exit' : 'run')
        if (exit) await kill(w, 'exit')
        else {
          await w.message('attached')
          await new Promise((res) => setTimeout(res, Math.random() * 15))
          await w.worker.terminate()
        }
        const committed = Atomics.load(ctl, 3)
        recover(rb, cpu)
        const got = delivered()
        drain(rb, cpu, got)
        expect(got.errors).toEqual([])
        const n = got.seqs.get(3)?.length ?? 0
        // killed between a commit and its count: one more than counted, never fewer
        expect(n === committed || n === committed + 1).toBe(true)
        expectSequence(got.seqs.get(3), n)
        const s = rb.stats(cpu)
        expect(s.written).toBe(n)
        expect(s.read).toBe(n)
        expect(s.entries).toBe(0)
        expect(s.dropped).toBeLessThanOrEqual(1)
        const nw = rb.writer(cpu)
        writeSome(nw, 4, 0, 20)
        nw.close()
        const after = delivered()
        drain(rb, cpu, after)
        expectSequence(after.seqs.get(4), 20)
      }
    })
  })
})

/**
 * Kill a shared writer (`how`), recover it by thread id, then run another writer for far more
 * than the ring holds while this thread reads. On the code before shared recovery, a writer
 * killed inside a reservation wedged the frontier (586 of 5000 of the other writer's records
 * delivered on 6be8d5c) and there was no `recoverWriters`.
 */
async function sharedRun(mode: RingMode, how: How): Promise<void> {
  for (let iter = 0; iter < 4; iter++) {
    const rb = RingBuffer.create({
      cpus: 1,
      mode,
      sync: 'shared',
      size: 1 << 16,
      subbufSize: 4096,
      client: rawPagedClient,
      publishBatch: 64,
    })
    const count = 100 + iter * 37
    const a = dyingWriter(rb, 0, 1, count, how)
    const { open } = await a.w.message<{ type: string; open: boolean }>('committed')
    const threadId = a.w.worker.threadId
    await a.w.worker.terminate()
    const r = rb.recoverWriters({ threadId })
    const committed = Atomics.load(a.ctl, 1)
    expect(committed).toBe(count)
    // one writer recovered; its torn reservation (if any) is the only loss; the records it
    // committed after its last counter flush are counted now
    expect(r).toEqual({ writers: 1, recovered: count % 64, lost: open ? 1 : 0 })
    // a second call finds nothing: the entry was freed
    expect(rb.recoverWriters({ threadId })).toEqual({ writers: 0, recovered: 0, lost: 0 })
    const s0 = rb.stats(0)
    expect(s0.written).toBe(committed)
    expect(s0.dropped).toBe(open ? 1 : 0)
    // another writer writes far more than the ring holds, while this thread reads
    const b = dyingWriter(rb, 0, 2, 5000, 'wait')
    const got = delivered()
    let finished = false
    void b.w.message('committed').then(() => (finished = true))
    while (!finished) {
      drain(rb, 0, got)
      await new Promise((res) => setTimeout(res, 1))
    }
    drain(rb, 0, got)
    const bThread = b.w.worker.threadId
    await b.w.worker.terminate()
    rb.recoverWriters({ threadId: bThread })
    expect(got.errors).toEqual([])
    const nb = Atomics.load(b.ctl, 2)
    expect(nb).toBe(5000)
    const seqA = got.seqs.get(1) ?? []
    const seqB = got.seqs.get(2) ?? []
    if (mode === 'produce-consume') {
      expectSequence(seqA, committed)
      expectSequence(seqB, nb)
    } else {
      // overwrite may lose the oldest records to the ring's size; the newest arrive
      expect(seqB[seqB.length - 1]).toBe(nb - 1)
    }
    const s = rb.stats(0)
    expect(s.written).toBe(committed + nb)
    expect(s.read).toBe(seqA.length + seqB.length)
    expect(s.entries).toBe(0)
    expect(s.dropped).toBe((open ? 1 : 0) + Atomics.load(b.ctl, 32 + 2))
    // no writer left counted: the ring resets
    expect(() => {
      rb.reset()
    }).not.toThrow()
  }
}

describe.each(modes)('a dying shared writer, paged shared, %s', (mode) => {
  it('a shared writer killed between commits: the others keep going, every committed record delivered', async () => {
    await sharedRun(mode, 'wait')
  })
  it('a shared writer killed inside a reservation: padded, counted once, the others keep going', async () => {
    await sharedRun(mode, 'open')
  })
})
