/**
 * Waiting: ring_buffer_poll_wait, ring_buffer_wait / ring_buffer_wait_async with the `full`
 * percentage (buffer_percent), `cond`, and ring_buffer_wake_waiters.
 */
import { describe, expect, it } from 'vitest'
import {
  EPOLLIN_RDNORM,
  RING_BUFFER_ALL_CPUS,
  ring_buffer_alloc,
  ring_buffer_consume,
  ring_buffer_nr_dirty_pages,
  ring_buffer_poll_wait,
  ring_buffer_wait,
  ring_buffer_wait_async,
  ring_buffer_wake_waiters,
  ring_buffer_write,
} from '../src/index.js'
import type { TraceBuffer } from '../src/index.js'
import { manualClock, payload } from './helpers.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function fill(tb: TraceBuffer, n: number): void {
  for (let k = 0; k < n; k++) ring_buffer_write(tb, 26, payload(26, k))
}

/** A promise with a flag telling whether it settled yet. */
function track<T>(p: Promise<T>): { p: Promise<T>; done: () => boolean } {
  let settled = false
  void p.then(() => (settled = true))
  return { p, done: () => settled }
}

describe('ring_buffer_poll_wait', () => {
  it('0 while empty; EPOLLIN | EPOLLRDNORM with any data for full = 0 and for RING_BUFFER_ALL_CPUS', () => {
    const tb = ring_buffer_alloc(16384, 0, { cpus: 2 })
    manualClock(tb)
    expect(ring_buffer_poll_wait(tb, 0, 0)).toBe(0)
    expect(ring_buffer_poll_wait(tb, RING_BUFFER_ALL_CPUS, 0)).toBe(0)
    tb.setCpu(1)
    fill(tb, 1)
    expect(EPOLLIN_RDNORM).toBe(0x41)
    expect(ring_buffer_poll_wait(tb, 0, 0)).toBe(0)
    expect(ring_buffer_poll_wait(tb, 1, 0)).toBe(EPOLLIN_RDNORM)
    // ALL_CPUS means "any data", whatever `full`
    expect(ring_buffer_poll_wait(tb, RING_BUFFER_ALL_CPUS, 100)).toBe(EPOLLIN_RDNORM)
    ring_buffer_consume(tb, 1)
    expect(ring_buffer_poll_wait(tb, 1, 0)).toBe(0)
  })

  it('full: (nr_dirty_pages + 1) × 100 ≥ full × nr_pages (5 ring sub-buffers here)', () => {
    const tb = ring_buffer_alloc(16384, 0)
    manualClock(tb)
    fill(tb, 127 + 10) // one sub-buffer left, the writer on the second
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(1)
    expect(ring_buffer_poll_wait(tb, 0, 40)).toBe(EPOLLIN_RDNORM) // 200 ≥ 200
    expect(ring_buffer_poll_wait(tb, 0, 50)).toBe(0) // 200 < 250
    fill(tb, 127)
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(2)
    expect(ring_buffer_poll_wait(tb, 0, 50)).toBe(EPOLLIN_RDNORM)
    expect(ring_buffer_poll_wait(tb, 0, 100)).toBe(0)
    fill(tb, 2 * 127)
    expect(ring_buffer_nr_dirty_pages(tb, 0)).toBe(4)
    expect(ring_buffer_poll_wait(tb, 0, 100)).toBe(EPOLLIN_RDNORM)
    // reading lowers it again
    for (let k = 0; k < 127; k++) ring_buffer_consume(tb, 0)
    expect(ring_buffer_poll_wait(tb, 0, 100)).toBe(0)
  })
})

describe('ring_buffer_wait_async', () => {
  it('returns at once when the watermark is already reached', async () => {
    const tb = ring_buffer_alloc(16384, 0)
    manualClock(tb)
    fill(tb, 1)
    expect(await ring_buffer_wait_async(tb, 0, 0)).toBe(0)
    expect(await ring_buffer_wait_async(tb, RING_BUFFER_ALL_CPUS, 0)).toBe(0)
  })

  it('full = 0 wakes on the first event', async () => {
    const tb = ring_buffer_alloc(16384, 0)
    manualClock(tb)
    const w = track(ring_buffer_wait_async(tb, 0, 0))
    await sleep(60)
    expect(w.done()).toBe(false)
    fill(tb, 1)
    expect(await w.p).toBe(0)
  })

  it('RING_BUFFER_ALL_CPUS wakes on an event on any CPU', async () => {
    const tb = ring_buffer_alloc(16384, 0, { cpus: 3 })
    manualClock(tb)
    const w = track(ring_buffer_wait_async(tb, RING_BUFFER_ALL_CPUS, 0))
    await sleep(30)
    expect(w.done()).toBe(false)
    tb.setCpu(2)
    fill(tb, 1)
    expect(await w.p).toBe(0)
  })

  it('full = 50 wakes only once enough sub-buffers are dirty', async () => {
    const tb = ring_buffer_alloc(16384, 0)
    manualClock(tb)
    const w = track(ring_buffer_wait_async(tb, 0, 50))
    fill(tb, 127 + 5)
    await sleep(80)
    expect(w.done()).toBe(false)
    fill(tb, 127)
    expect(await w.p).toBe(0)
    expect(ring_buffer_poll_wait(tb, 0, 50)).toBe(EPOLLIN_RDNORM)
  })

  it('ring_buffer_wake_waiters ends a wait without cond, for its CPU or for all', async () => {
    const tb = ring_buffer_alloc(16384, 0, { cpus: 2 })
    const w1 = track(ring_buffer_wait_async(tb, 1, 100))
    const wAll = track(ring_buffer_wait_async(tb, RING_BUFFER_ALL_CPUS, 0))
    await sleep(30)
    ring_buffer_wake_waiters(tb, 0)
    await sleep(80)
    expect(w1.done()).toBe(false)
    ring_buffer_wake_waiters(tb, 1)
    expect(await w1.p).toBe(0)
    ring_buffer_wake_waiters(tb, RING_BUFFER_ALL_CPUS)
    expect(await wAll.p).toBe(0)
    const w0 = track(ring_buffer_wait_async(tb, 0, 100))
    await sleep(30)
    ring_buffer_wake_waiters(tb, RING_BUFFER_ALL_CPUS)
    expect(await w0.p).toBe(0)
  })

  it('with cond, a wake-up ends the wait only once cond(data) is true', async () => {
    const tb = ring_buffer_alloc(16384, 0)
    const state = { stop: false }
    const seen: unknown[] = []
    const cond = (d: unknown): boolean => {
      seen.push(d)
      return (d as { stop: boolean }).stop
    }
    const w = track(ring_buffer_wait_async(tb, 0, 100, cond, state))
    await sleep(30)
    ring_buffer_wake_waiters(tb, 0)
    await sleep(80)
    expect(w.done()).toBe(false)
    state.stop = true
    ring_buffer_wake_waiters(tb, 0)
    expect(await w.p).toBe(0)
    expect(seen.every((d) => d === state)).toBe(true)
  })

  it('gives up after `timeout` ms with -4', async () => {
    const tb = ring_buffer_alloc(16384, 0)
    const t0 = Date.now()
    expect(await ring_buffer_wait_async(tb, 0, 0, undefined, undefined, 100)).toBe(-4)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95)
  })
})

describe('ring_buffer_wait (blocking)', () => {
  it('returns 0 at once on data or a true cond, -4 on timeout', () => {
    const tb = ring_buffer_alloc(16384, 0)
    manualClock(tb)
    const t0 = Date.now()
    expect(ring_buffer_wait(tb, 0, 0, undefined, undefined, 60)).toBe(-4)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55)
    expect(ring_buffer_wait(tb, 0, 100, () => true, null)).toBe(0)
    fill(tb, 1)
    expect(ring_buffer_wait(tb, 0, 0)).toBe(0)
    expect(ring_buffer_wait(tb, RING_BUFFER_ALL_CPUS, 0)).toBe(0)
    expect(ring_buffer_wait(tb, 0, 50, undefined, undefined, 30)).toBe(-4)
  })
})
