/**
 * Watermark waits. A waiter publishes its target in the ring's counters area and sleeps on
 * the ring's futex word; writers check for waiters once per publish (one `Atomics.load`), so
 * nobody pays a notify per record while nobody waits.
 *
 * @packageDocumentation
 */
import { ALL_CPUS } from './all-cpus.js'
import { checkInt, checkOptions } from './errors.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'

/**
 * When a waiting consumer wakes up. Give at most one of `records`, `bytes` and `percent` (two
 * are refused); with none, any committed record wakes it.
 */
export interface Watermark {
  /** Wake once this many records were committed after the call. */
  records?: number
  /** Wake once this many bytes were committed after the call. */
  bytes?: number
  /**
   * Wake once this percentage (0..100) of the ring's sub-buffers hold unread data, as the
   * kernel's `buffer_percent` (paged layout). 0 means any data.
   */
  percent?: number
  /** Give up after this many milliseconds (the wait then returns false). */
  timeout?: number
}

/** @internal The keys of a {@link Watermark}. */
export const WATERMARK_KEYS: readonly (keyof Watermark)[] = [
  'records',
  'bytes',
  'percent',
  'timeout',
]

/**
 * @internal Check a watermark (or an options object holding one, named `name`): an object
 * whose thresholds are integers in range, at most one of `records`, `bytes`, `percent`.
 */
export function checkWatermark(name: string, wm: Watermark): void {
  if (name === 'watermark') checkOptions<Watermark>(name, wm, WATERMARK_KEYS)
  let given = 0
  if (wm.records !== undefined) {
    checkInt(`${name}.records`, wm.records, 1, 2 ** 40)
    given++
  }
  if (wm.bytes !== undefined) {
    checkInt(`${name}.bytes`, wm.bytes, 1, 2 ** 40)
    given++
  }
  if (wm.percent !== undefined) {
    checkInt(`${name}.percent`, wm.percent, 0, 100)
    given++
  }
  if (given > 1)
    throw new TypeError(`${name}: give one of records, bytes and percent, not ${given}`)
  if (wm.timeout !== undefined) checkInt(`${name}.timeout`, wm.timeout, 0, 2 ** 31 - 1)
}

/** @internal The options of `RingReader.records`. */
export type RecordsOptions = { cpu?: number; signal?: AbortSignal } & Watermark
const RECORDS_OPTIONS: readonly (keyof RecordsOptions)[] = ['cpu', 'signal', ...WATERMARK_KEYS]

/**
 * @internal Check the options of `RingReader.records`: the ring (ALL_CPUS when absent), the
 * abort signal, and the watermark of each wait (a wait slice when no timeout is given).
 */
export function recordsArgs(
  rb: RingBuffer,
  options: unknown,
): { cpu: number; signal: AbortSignal | undefined; wm: Watermark } {
  const o = checkOptions<RecordsOptions>('options', options, RECORDS_OPTIONS)
  const cpu = o.cpu === undefined ? ALL_CPUS : rb.checkCpu(o.cpu, true)
  const signal = o.signal
  if (signal !== undefined && typeof (signal as Partial<AbortSignal>).aborted !== 'boolean')
    throw new TypeError('options.signal: expected an AbortSignal')
  checkWatermark('options', o)
  const wm: Watermark = { timeout: o.timeout ?? WAIT_SLICE_MS }
  for (const k of ['records', 'bytes', 'percent'] as const) if (o[k] !== undefined) wm[k] = o[k]
  return { cpu, signal, wm }
}

/** @internal The per-CPU targets, as absolute counter values. */
export interface WaitTarget {
  entries: number
  bytes: number
  pages: number
  /** No watermark (or 0 percent): any unread record ends the wait; `entries` only arms the writers' wake-up. */
  any: boolean
}

/** @internal Compute the absolute targets of a watermark on one ring. */
export function targetFor(rb: RingBuffer, cpu: number, wm: Watermark): WaitTarget {
  const f = rb.f64
  const x = rb.fx(cpu)
  const t: WaitTarget = { entries: Infinity, bytes: Infinity, pages: Infinity, any: false }
  if (wm.records !== undefined) t.entries = f[x + L.F_ENTRIES]! + wm.records
  else if (wm.bytes !== undefined) t.bytes = f[x + L.F_BYTES]! + wm.bytes
  else if (wm.percent !== undefined && wm.percent > 0) {
    t.pages = Math.ceil((wm.percent * rb.g.subbufs) / 100)
  } else {
    t.entries = f[x + L.F_ENTRIES]! + 1
    t.any = true
  }
  return t
}

/** @internal True when the target is reached, by the published counters. */
export function reached(
  rb: RingBuffer,
  cpu: number,
  t: WaitTarget,
  hasData: () => boolean,
): boolean {
  const f = rb.f64
  const x = rb.fx(cpu)
  Atomics.load(rb.i32, rb.ctl(cpu) + L.C_PUB)
  if (t.any) return hasData()
  if (t.pages !== Infinity) {
    const dirty = f[x + L.F_PAGES_TOUCHED]! - f[x + L.F_PAGES_LOST]! - f[x + L.F_PAGES_READ]!
    return dirty >= t.pages && hasData()
  }
  if (t.bytes !== Infinity) return f[x + L.F_BYTES]! >= t.bytes
  return f[x + L.F_ENTRIES]! >= t.entries || (t.entries === Infinity && hasData())
}

/** @internal Arm the targets before sleeping (the lowest target wins). */
export function arm(rb: RingBuffer, cpu: number, t: WaitTarget): void {
  const f = rb.f64
  const x = rb.fx(cpu)
  Atomics.add(rb.i32, rb.ctl(cpu) + L.C_WAITERS, 1)
  if (Atomics.load(rb.i32, rb.ctl(cpu) + L.C_WAITERS) === 1) {
    f[x + L.F_WAKE_ENTRIES] = t.entries
    f[x + L.F_WAKE_BYTES] = t.bytes
    f[x + L.F_WAKE_PAGES] = t.pages
  } else {
    f[x + L.F_WAKE_ENTRIES] = Math.min(f[x + L.F_WAKE_ENTRIES]!, t.entries)
    f[x + L.F_WAKE_BYTES] = Math.min(f[x + L.F_WAKE_BYTES]!, t.bytes)
    f[x + L.F_WAKE_PAGES] = Math.min(f[x + L.F_WAKE_PAGES]!, t.pages)
  }
}

/** @internal */
export function disarm(rb: RingBuffer, cpu: number): void {
  Atomics.sub(rb.i32, rb.ctl(cpu) + L.C_WAITERS, 1)
}

/** Longest single sleep; waiters re-check their target at least this often. */
export const WAIT_SLICE_MS = 50

/**
 * @internal Wake every waiter of ring `cpu` (or of every ring): their waits return true at
 * once, whatever their watermark (the kernel's `ring_buffer_wake_waiters`).
 */
export function wakeWaiters(rb: RingBuffer, cpu: number): void {
  rb.checkLive()
  cpu = rb.checkCpu(cpu, true)
  const i = rb.i32
  if (cpu === ALL_CPUS) {
    Atomics.add(i, L.H_WAKE_ALL, 1)
    Atomics.add(i, L.H_WAKE, 1)
    Atomics.notify(i, L.H_WAKE)
    for (let k = 0; k < rb.g.cpus; k++) {
      Atomics.add(i, rb.ctl(k) + L.C_WAKE, 1)
      Atomics.notify(i, rb.ctl(k) + L.C_WAKE)
    }
    return
  }
  // the wake-all epoch before the futex word: a waiter woken by C_WAKE sees the new epoch
  const ctlIdx = rb.ctl(cpu)
  Atomics.add(i, ctlIdx + L.C_WAKE_ALL, 1)
  Atomics.add(i, ctlIdx + L.C_WAKE, 1)
  Atomics.notify(i, ctlIdx + L.C_WAKE)
  Atomics.add(i, L.H_WAKE, 1)
  Atomics.notify(i, L.H_WAKE)
}

/** @internal Sum of the wake-all epochs that concern a waiter of `cpu` (or of every ring). */
export function wakeEpoch(rb: RingBuffer, cpu: number): number {
  const all = Atomics.load(rb.i32, L.H_WAKE_ALL)
  return cpu === ALL_CPUS ? all : all + Atomics.load(rb.i32, rb.ctl(cpu) + L.C_WAKE_ALL)
}
