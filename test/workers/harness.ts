/**
 * Starting worker scripts and talking to them. The worker scripts are `.mjs` files next to
 * this one that import `@onering/core` by name, so they run against the built package.
 */
import { Worker } from 'node:worker_threads'
import type { Transferable } from 'node:worker_threads'
import { RingBuffer } from '@onering/core'
import type { RingStats } from '@onering/core'

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
