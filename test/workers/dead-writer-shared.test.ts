/**
 * Shared rings (`sync: 'shared'`) whose writers die at random points (issue 12, A.1): five
 * real worker_threads writers write one ring at once (reserve, encode in place, commit) while
 * this thread reads; three of them are killed (`worker.terminate()` at a random moment, or, for
 * one of them every other run, `process.exit()` after a random number of commits), the other
 * two are terminated after their last commit. Each is recovered from its `exit` event with
 * `rb.recoverWriters({ threadId })`. `DEAD_WRITER_ITERATIONS` sets the runs per mode (10).
 *
 * What is delivered is compared with the writers' OWN counts (each stores how many of its
 * `commit()` calls returned, and how many of its writes were refused, in a shared Int32Array
 * outside the engine): every record whose commit returned is delivered, once and intact; a
 * killed writer may have one more (killed after its commit, before it counted it), never a
 * gap; each torn reservation is counted once in `dropped`; the engine's counters equal the
 * counts made outside it; the ring then takes new writers and can be reset (no writer is
 * left counted).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RingBuffer, rawPagedClient } from '@onering/core'
import type { RingMode, WritersRecovery } from '@onering/core'
import { TestWorker, terminateAll } from './harness.js'
import { encode } from './record.mjs'
import { delivered, drain } from './dead-writer-drain.js'
import type { Delivered } from './dead-writer-drain.js'

afterEach(terminateAll)

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms))

/** Writers 1..DYING die at random points; the others write `SURVIVOR` records and then wait. */
const SURVIVOR = 4000
const DYING = 3
const WRITERS = 5
const ITERATIONS = Number(process.env['DEAD_WRITER_ITERATIONS'] ?? 10)

interface Run {
  rb: RingBuffer
  got: Delivered
  ctl: Int32Array
  recoveries: Map<number, WritersRecovery>
}

async function killRun(mode: RingMode, iter: number): Promise<Run> {
  const rb = RingBuffer.create({
    cpus: 1,
    mode,
    sync: 'shared',
    size: 1 << 14,
    // tiny sub-buffers half the time: a switch every record or two, so kills land in switches
    subbufSize: iter % 2 === 0 ? 256 : 1024,
    client: rawPagedClient,
    publishBatch: 16,
  })
  const control = new SharedArrayBuffer(64 * 4)
  const ctl = new Int32Array(control)
  const recoveries = new Map<number, WritersRecovery>()
  const pending: number[] = []
  const exits: Promise<unknown>[] = []
  const survivors: TestWorker[] = []
  const killers: Promise<void>[] = []
  // kill only once every writer attached (an attach waits at most 1 s for a switch to end)
  const attached: Promise<unknown>[] = []
  let startKills = (): void => undefined
  const allAttached = new Promise<void>((res) => (startKills = res))
  for (let id = 1; id <= WRITERS; id++) {
    const dies = id <= DYING
    const exit = id === DYING && iter % 2 === 1
    const count = exit ? 1 + Math.floor(Math.random() * 6000) : dies ? Infinity : SURVIVOR
    const how = exit ? 'exit' : dies ? 'run' : 'wait'
    const w = new TestWorker('./dying-writer.mjs', {
      sab: rb.sab,
      control,
      cpu: 0,
      id,
      count,
      how,
      api: 'reserve',
    })
    // read while it runs: worker.threadId is -1 once the worker exited
    const threadId = w.worker.threadId
    exits.push(
      new Promise((res, rej) =>
        w.worker.once('exit', () => {
          try {
            // a BusyError: its switch waits for a pin of another dead thread; once that one
            // is recovered, this one is retried
            pending.push(id, threadId)
            for (let k = pending.length - 2; k >= 0; k -= 2) {
              try {
                recoveries.set(pending[k]!, rb.recoverWriters({ threadId: pending[k + 1]! }))
                pending.splice(k, 2)
              } catch (e) {
                if ((e as Error).name !== 'BusyError') throw e
              }
            }
            res(undefined)
          } catch (e) {
            rej(e instanceof Error ? e : new Error(String(e)))
          }
        }),
      ),
    )
    attached.push(w.message('attached'))
    if (!dies) survivors.push(w)
    else if (!exit)
      killers.push(
        allAttached
          .then(() => sleep(Math.random() * 40))
          .then(() => w.worker.terminate())
          .then(() => undefined),
      )
  }
  await Promise.all(attached)
  startKills()
  const got = delivered()
  let done = false
  // a recovery (or a worker) that fails ends the run
  const failure = new Promise<never>((_, rej) => {
    for (const e of exits) e.catch(rej)
  })
  const finished = Promise.race([
    Promise.all([...killers, ...survivors.map((w) => w.message('committed'))]),
    failure,
  ]).finally(() => (done = true))
  while (!done) {
    drain(rb, 0, got)
    await sleep(1)
  }
  await finished
  // the survivors block after their last commit (their counters not all added): end them too
  await Promise.all(survivors.map((w) => w.worker.terminate()))
  await Promise.all(exits)
  for (let k = 0; k < pending.length; k += 2)
    recoveries.set(pending[k]!, rb.recoverWriters({ threadId: pending[k + 1]! }))
  drain(rb, 0, got)
  return { rb, got, ctl, recoveries }
}

/** Writer `id`'s commits as it counted them, and what was delivered of it. */
function perWriter(run: Run, id: number): { committed: number; seqs: number[] } {
  return { committed: Atomics.load(run.ctl, id), seqs: run.got.seqs.get(id) ?? [] }
}

/**
 * After the run: a new writer in this thread, then a reset (no writer may be left counted).
 * Every record written before is delivered or reported lost in-band (a loss is reported with
 * the next record read, so the new writer's first record reports the last overwrites).
 */
function keepsWorking(run: Run, mode: RingMode, read: number): void {
  const { rb } = run
  const written = rb.stats(0).written
  const w = rb.writer(0)
  const buf = new Uint8Array(256)
  const dv = new DataView(buf.buffer)
  for (let k = 0; k < 50; k++) {
    const len = encode(buf, dv, 0, 9, k, 1e12 + k)
    expect(w.write(buf.subarray(0, len), 1e12 + k)).toBe(true)
  }
  w.close()
  const after = delivered()
  drain(rb, 0, after)
  expect(after.errors).toEqual([])
  expect(after.seqs.get(9)).toEqual(Array.from({ length: 50 }, (_, k) => k))
  if (mode === 'produce-consume') expect(after.lost).toBe(0)
  expect(read + run.got.lost + after.lost).toBe(written)
  expect(() => {
    rb.reset()
  }).not.toThrow()
}

describe.each(['produce-consume', 'overwrite'] as RingMode[])(
  'shared ring, writers killed at random points, %s',
  (mode) => {
    it('every committed record delivered once, each torn reservation counted once, the ring goes on', async () => {
      for (let iter = 0; iter < ITERATIONS; iter++) {
        const run = await killRun(mode, iter)
        const { rb, got, recoveries } = run
        expect(got.errors).toEqual([])
        expect([...recoveries.keys()].sort()).toEqual([1, 2, 3, 4, 5])
        let committed = 0
        let delivered = 0
        let slack = 0
        let lost = 0
        let refused = 0
        for (let id = 1; id <= WRITERS; id++) {
          const { committed: c, seqs } = perWriter(run, id)
          const r = recoveries.get(id)!
          expect(r.writers).toBe(1)
          // one writer, no nesting: at most one torn reservation; none after a last commit
          expect(r.lost).toBeLessThanOrEqual(id <= DYING ? 1 : 0)
          lost += r.lost
          refused += Atomics.load(run.ctl, 32 + id)
          committed += c
          delivered += seqs.length
          const extra = id <= DYING ? 1 : 0
          slack += extra
          if (mode === 'produce-consume') {
            // every commit that returned, in order, no gap; a kill may add the one it had not counted
            expect(seqs.length === c || seqs.length === c + extra).toBe(true)
            expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k))
          } else {
            // overwrite loses the oldest; what arrives is in order, once, and was committed
            for (let k = 1; k < seqs.length; k++) expect(seqs[k]!).toBeGreaterThan(seqs[k - 1]!)
            if (seqs.length > 0) expect(seqs[seqs.length - 1]!).toBeLessThan(c + extra)
          }
        }
        const s = rb.stats(0)
        // the engine's counts equal the ones made outside it
        expect(s.written).toBeGreaterThanOrEqual(committed)
        expect(s.written).toBeLessThanOrEqual(committed + slack)
        expect(s.read).toBe(delivered)
        expect(s.entries).toBe(0)
        if (mode === 'produce-consume') {
          expect(s.written).toBe(delivered)
          expect(s.overrun).toBe(0)
        }
        // refusals (full ring, or the ring would wrap onto an open reservation) and the torn
        // reservations; a killed writer may have been refused without counting it
        const uncounted = s.dropped + s.commitOverrun - lost - refused
        expect(uncounted).toBeGreaterThanOrEqual(0)
        expect(uncounted).toBeLessThanOrEqual(DYING)
        keepsWorking(run, mode, delivered)
      }
    })
  },
)
