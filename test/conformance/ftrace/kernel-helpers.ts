/**
 * Helpers of the ftrace conformance suite that do not use onering at all: an independent walker
 * of kernel pages (by the rules of the kernel's `header_event` text) and the kernel fixtures.
 * The package's own tests re-export them.
 */
import { readFileSync } from 'node:fs'

const TWO32 = 2 ** 32

export function u32(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true)
}

export function u64(b: Uint8Array, off: number): number {
  return u32(b, off + 4) * TWO32 + u32(b, off)
}

/** One record of a page as the raw walker sees it. */
export interface RawRecord {
  /** offset from the start of the page data */
  off: number
  type: number
  delta: number
  /** total bytes of the record */
  size: number
  /** array[0] (0 when the record has none) */
  array0: number
}

/**
 * Walk the records of a page (header + data, kernel layout) by the rules of the kernel's
 * header comment, independently of the package's decoder. Stops at commit or null padding.
 */
export function walkPage(page: Uint8Array): RawRecord[] {
  const commit = u32(page, 8) & 0xfffff
  const out: RawRecord[] = []
  let off = 0
  while (off < commit) {
    const w = u32(page, 16 + off)
    const type = w & 31
    const delta = w >>> 5
    let size: number
    let array0 = 0
    if (type === 0) {
      array0 = u32(page, 16 + off + 4)
      size = 4 + array0
    } else if (type <= 28) size = 4 + 4 * type
    else if (type === 29) {
      if (delta === 0) break
      array0 = u32(page, 16 + off + 4)
      size = 4 + array0
    } else {
      array0 = u32(page, 16 + off + 4)
      size = 8
    }
    out.push({ off, type, delta, size, array0 })
    off += size
  }
  return out
}

/** A kernel fixture (test/fixtures/kernel/ftrace). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(
    readFileSync(new URL(`../../fixtures/kernel/ftrace/${name}`, import.meta.url)),
  )
}

/** `per_cpu/cpu0/stats` text as numbers. */
export function fixtureStats(name: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of new TextDecoder().decode(fixture(name)).split('\n')) {
    const m = /^([a-z ]+):\s+([\d.]+)$/.exec(line)
    if (m) out[m[1]!] = Number(m[2])
  }
  return out
}
