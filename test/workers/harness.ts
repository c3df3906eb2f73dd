/**
 * Starting worker scripts and talking to them. The worker scripts are `.mjs` files next to
 * this one that import `@onering/core` by name, so they run against the built package.
 */
import { Worker } from 'node:worker_threads'
import type { Transferable } from 'node:worker_threads'
import { expect } from 'vitest'
import { RingBuffer } from '@onering/core'
import type { RingStats, RingSync } from '@onering/core'

/** Any message a test worker posts: an object with a `type`. */
export interface WorkerMessage {
  type: string
}

interface Waiter {
  type: string
  resolve: (m: WorkerMessage) => void
  reject: (e: Error) => void
}

const running = new Set<TestWorker>()

/** One worker thread running a script of this directory. */
export class TestWorker {
  readonly worker: Worker
  readonly name: string
  private readonly inbox: WorkerMessage[] = []
  private readonly waiters: Waiter[] = []
  private failure: Error | undefined
  /** Resolves when the worker exits with code 0, rejects when it throws or exits otherwise. */
  readonly exited: Promise<void>
  /** Rejects as soon as the worker fails; never resolves. */
  readonly failed: Promise<never>
  private rejectFailed!: (e: Error) => void

  constructor(script: string, workerData: unknown, transferList: Transferable[] = []) {
    this.name = script
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject
    })
    this.failed.catch(() => undefined)
    this.worker = new Worker(new URL(script, import.meta.url), { workerData, transferList })
    running.add(this)
    this.worker.on('message', (m: WorkerMessage) => {
      const k = this.waiters.findIndex((w) => w.type === m.type)
      if (k >= 0) this.waiters.splice(k, 1)[0]!.resolve(m)
      else this.inbox.push(m)
    })
    this.exited = new Promise<void>((resolve, reject) => {
      this.worker.on('error', (e) => {
        this.fail(new Error(`${script}: ${e.message}`, { cause: e }))
      })
      this.worker.on('exit', (code) => {
        running.delete(this)
        if (code !== 0) this.fail(new Error(`${script}: exited with code ${code}`))
        if (this.failure !== undefined) reject(this.failure)
        else {
          // a clean exit: only a message still awaited is an error
          this.fail(new Error(`${script}: exited before posting the expected message`), false)
          resolve()
        }
      })
    })
    // awaited by the tests; this only keeps an early failure from being reported as unhandled
    this.exited.catch(() => undefined)
  }

  private fail(e: Error, fatal = true): void {
    this.failure ??= e
    if (fatal) this.rejectFailed(this.failure)
    for (const w of this.waiters.splice(0)) w.reject(this.failure)
  }

  /** The first message of `type` (already received or still to come). */
  message<T extends WorkerMessage>(type: string): Promise<T> {
    const k = this.inbox.findIndex((m) => m.type === type)
    if (k >= 0) return Promise.resolve(this.inbox.splice(k, 1)[0] as T)
    if (this.failure !== undefined) return Promise.reject(this.failure)
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ type, resolve: resolve as (m: WorkerMessage) => void, reject })
    })
  }
}

/** `p`, or the first failure of any of `workers` (so that a dead reader cannot leave the writers waiting). */
export function guard<T>(p: Promise<T>, workers: readonly TestWorker[]): Promise<T> {
  return Promise.race([p, ...workers.map((w) => w.failed)])
}

/** Terminate every worker still running (after a failed test). */
export async function terminateAll(): Promise<void> {
  await Promise.all([...running].map((w) => w.worker.terminate()))
  running.clear()
}

/** The control block shared with the workers (see record.mjs for its words). */
export function controlBlock(): { sab: SharedArrayBuffer; i32: Int32Array } {
  const sab = new SharedArrayBuffer(64 * 4)
  return { sab, i32: new Int32Array(sab) }
}

/** Word indices of the control block; the same numbers as in record.mjs. */
export const C_GO = 2

/** Per-ring stats and the total, read at one moment. */
export function statsOf(rb: RingBuffer): { rings: RingStats[]; total: RingStats } {
  const rings = Array.from({ length: rb.cpus }, (_, c) => rb.stats(c))
  return { rings, total: rb.stats() }
}

/** Sum a numeric field over objects. */
export function sum<T>(items: readonly T[], f: (t: T) => number): number {
  let s = 0
  for (const t of items) s += f(t)
  return s
}

/** What a writer.mjs worker reports when it closed its writer ('done'). */
export interface WriterDone extends WorkerMessage {
  id: number
  cpu: number
  attempts: number
  accepted: number
  refused: number
}

/** What a reader worker reports once every writer closed ('paused'): the records read per ring. */
export interface ReaderPaused extends WorkerMessage {
  read: number[]
}

/** What a reader worker reports after the drain ('final'; reader.mjs, batch-consumer.mjs). */
export interface ReaderFinal extends WorkerMessage {
  writers: { id: number; received: number; gaps: number; last: number }[]
  rings: { read: number; readBeforePause: number; drained: number; lost: number; gaps: number }[]
  lostEarly: number
  errorCount: number
  errors: string[]
}

/**
 * Geometry and writer count of one accounting run. Every case runs in both
 * {@link accountingVariants}: the first with large sub-buffers, the second with three writers,
 * small sub-buffers and a small ring (many more sub-buffer switches, wraps and losses).
 */
export interface Variant {
  label: string
  writers: number
  perWriter: number
  ringBytes: number
  subbufSize: number
}

/** The two geometries of the accounting runs (see {@link Variant}). */
export const accountingVariants: Variant[] = [
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

/** What {@link runAccounting} observed: the workers' reports and the stats around the drain. */
export interface AccountingRun<F extends ReaderFinal> {
  done: WriterDone[]
  paused: ReaderPaused
  fin: F
  /** The stats once every writer closed and the reader paused (records still buffered). */
  before: { rings: RingStats[]; total: RingStats }
  /** The stats after the drain. */
  after: { rings: RingStats[]; total: RingStats }
  /** The ring writer `id` writes to. */
  cpuOf: (id: number) => number
}

/**
 * Run `v.writers` writer.mjs workers against `rb` and the reader worker `script` (given `sab`,
 * `control` and `writers` in its workerData, plus `readerData`): the writers write while the
 * reader reads, the reader pauses once they all closed, the test takes the stats and lets it
 * drain the rest, and takes the stats again.
 */
export async function runAccounting<F extends ReaderFinal>(
  rb: RingBuffer,
  v: Variant,
  c: { sync: RingSync; api: 'reserve' | 'write'; overwrite: boolean },
  script: string,
  readerData: Record<string, unknown>,
): Promise<AccountingRun<F>> {
  const control = controlBlock()
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
        prime: c.overwrite ? 'overrun' : 'refused',
        lagLimit: Math.floor(ringRecords / 2),
        burstEvery: 100_000,
        burstLen: 3 * ringRecords,
        jumpEvery: 150_000,
        tail: Math.floor(ringRecords / 8 / perRing),
      }),
  )
  const reader = new TestWorker(script, {
    sab: rb.sab,
    control: control.sab,
    writers: ids.map((id) => ({ id, cpu: cpuOf(id) })),
    ...readerData,
  })

  const all = [reader, ...writers]
  const done = await guard(Promise.all(writers.map((w) => w.message<WriterDone>('done'))), all)
  const paused = await guard(reader.message<ReaderPaused>('paused'), all)
  // every writer closed, the reader stopped: some records may still be buffered
  const before = statsOf(rb)
  Atomics.store(control.i32, C_GO, 1)
  Atomics.notify(control.i32, C_GO)
  const fin = await guard(reader.message<F>('final'), all)
  await Promise.all(all.map((w) => w.exited))
  const after = statsOf(rb)
  return { done, paused, fin, before, after, cpuOf }
}

/**
 * The exact accounting of an {@link runAccounting} run, per ring and in total, from counts
 * made outside the engine: the writers count what they wrote (`accepted`) and what was refused;
 * the consumer counts, by per-writer sequence numbers, what it read before the pause, what the
 * drain read, the gaps (records lost to overwriting) and what the in-band loss reports said.
 * Accepted = read before the pause + drained + gaps; then `stats()` must equal those counts
 * (`written`, `read`, `entries` while records were buffered, `overrun`, `dropped` +
 * `commitOverrun`, `lost`). (`stats()` derives `entries` as written − overrun − read, so an
 * identity among its own fields would hold by construction.) At least 10^6 records read.
 */
export function expectExactAccounting(
  run: AccountingRun<ReaderFinal>,
  c: { sync: RingSync; overwrite: boolean; lostOnDrop: boolean },
): void {
  const { done, paused, fin, before, after, cpuOf } = run
  expect(fin.errors).toEqual([])
  expect(fin.errorCount).toBe(0)

  for (let cpu = 0; cpu < after.rings.length; cpu++) {
    const mine = done.filter((d) => d.cpu === cpu)
    const b = before.rings[cpu]!
    const a = after.rings[cpu]!
    const r = fin.rings[cpu]!
    // the writers' attempts are exactly the records written plus the refusals
    expect(sum(mine, (d) => d.attempts)).toBe(a.written + a.dropped + a.commitOverrun)
    expect(sum(mine, (d) => d.accepted)).toBe(a.written)
    expect(sum(mine, (d) => d.refused)).toBe(a.dropped + a.commitOverrun)
    // the consumer's own counts: every accepted record was read before the pause, drained,
    // or is a gap in its writer's sequence numbers (overwritten)
    expect(sum(mine, (d) => d.accepted)).toBe(r.readBeforePause + r.drained + r.gaps)
    expect(r.read).toBe(r.readBeforePause + r.drained)
    expect(paused.read[cpu]).toBe(r.readBeforePause)
    // while records were still buffered, stats() against those counts: the entries are
    // exactly what the drain then found
    expect(b.written).toBe(a.written)
    expect(b.read).toBe(r.readBeforePause)
    expect(b.entries).toBe(r.drained)
    expect(b.overrun).toBe(r.gaps)
    // after the drain: nothing buffered
    expect(a.entries).toBe(0)
    expect(a.read).toBe(r.readBeforePause + r.drained)
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
    // what the reader was told it lost (in-band), against the writers' and its own counts
    expect(r.lost).toBe(a.lost)
    if (c.overwrite) expect(r.lost).toBe(r.gaps)
    else expect(r.lost).toBe(c.lostOnDrop ? sum(mine, (d) => d.refused) : 0)
    // every overwritten record was reported lost with the record after it; drops too where
    // the client writes loss records
    if (c.overwrite) {
      expect(a.overrun).toBeGreaterThan(0)
      expect(a.dropped).toBe(0)
      expect(a.lost).toBe(a.overrun)
    } else {
      expect(a.overrun).toBe(0)
      expect(a.dropped).toBeGreaterThan(0)
      expect(a.lost).toBe(c.lostOnDrop ? a.dropped : 0)
    }
  }

  // the same counts over all rings
  const t = after.total
  expect(sum(done, (d) => d.attempts)).toBe(t.written + t.dropped + t.commitOverrun)
  expect(t.written).toBe(sum(done, (d) => d.accepted))
  expect(t.entries).toBe(0)
  expect(before.total.entries).toBe(sum(fin.rings, (r) => r.drained))
  expect(before.total.read).toBe(sum(fin.rings, (r) => r.readBeforePause))
  expect(t.overrun).toBe(sum(fin.rings, (r) => r.gaps))
  expect(t.lost).toBe(sum(fin.rings, (r) => r.lost))
  expect(t.read).toBe(sum(fin.writers, (w) => w.received))
  // at least 10^6 records crossed from the writers to the reader
  expect(t.read).toBeGreaterThanOrEqual(1_000_000)
}
