/**
 * Shared helpers of the ftrace tests: a controllable clock, payloads, an independent raw
 * page walker (not the package's decoder) and fixture loading.
 */
import {
  ring_buffer_alloc_read_page,
  ring_buffer_free_read_page,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_set_clock,
  ring_buffer_subbuf_size_get,
} from '../src/index.js'
import type { TraceBuffer } from '../src/index.js'

export const TWO27: number = 2 ** 27
export const TWO32: number = 2 ** 32
export const TWO59: number = 2 ** 59

/** A clock the test moves by hand: `clock.t = …` before each write. */
export interface ManualClock {
  t: number
}

/** Install a manual clock on `tb` starting at `t`. */
export function manualClock(tb: TraceBuffer, t = 1_000_000): ManualClock {
  const c: ManualClock = { t }
  ring_buffer_set_clock(tb, () => c.t)
  return c
}

/** A payload of `n` bytes, byte k = (seed + k) & 255. */
export function payload(n: number, seed = 1): Uint8Array {
  const p = new Uint8Array(n)
  for (let k = 0; k < n; k++) p[k] = (seed + k) & 255
  return p
}

import { walkPage } from '../../../test/conformance/ftrace/kernel-helpers.js'
export {
  u32,
  u64,
  walkPage,
  fixture,
  fixtureStats,
} from '../../../test/conformance/ftrace/kernel-helpers.js'
export type { RawRecord } from '../../../test/conformance/ftrace/kernel-helpers.js'

/**
 * A copy of a page with the bodies of padding records zeroed: the kernel leaves whatever the
 * page held before there (only the 8-byte padding header has meaning).
 */
export function maskPadding(page: Uint8Array): Uint8Array {
  const copy = page.slice()
  for (const r of walkPage(page))
    if (r.type === 29 && r.size > 8) copy.fill(0, 16 + r.off + 8, 16 + r.off + r.size)
  return copy
}

/** Take the oldest data of `cpu` with `ring_buffer_read_page` (full length, not `full`); a copy of the page or null. */
export function readOnePage(tb: TraceBuffer, cpu = 0, full = 0): Uint8Array | null {
  const page = ring_buffer_alloc_read_page(tb, cpu)
  try {
    const r = ring_buffer_read_page(tb, page, ring_buffer_subbuf_size_get(tb), cpu, full)
    if (r < 0) return null
    return ring_buffer_read_page_data(page).slice()
  } finally {
    ring_buffer_free_read_page(tb, cpu, page)
  }
}

/** Every page `ring_buffer_read_page` hands out until the buffer is empty. */
export function readAllPages(tb: TraceBuffer, cpu = 0): Uint8Array[] {
  const pages: Uint8Array[] = []
  for (let p = readOnePage(tb, cpu); p !== null; p = readOnePage(tb, cpu)) pages.push(p)
  return pages
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}
