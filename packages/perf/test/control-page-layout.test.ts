/**
 * The layout table of struct perf_event_mmap_page: the kernel's shape (contiguous, naturally
 * aligned, 1088 bytes, data_head at 1024), PerfMmapPageOffset and the public types checked
 * against it, and the README's control-page table generated from it.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  PERF_MMAP_PAGE_HEADER_SIZE,
  PERF_MMAP_PAGE_STRUCT_SIZE,
  PerfMmapPageOffset,
} from '../src/constants.js'
import { PERF_CAP_BITS, PERF_MMAP_PAGE_FIELDS, kindBytes } from '../src/control-page-layout.js'
import type { PerfEventMmapPageFields, PerfMmapCapabilities } from '../src/control-page-layout.js'
import { PerfEventMmapPage } from '../src/control-page.js'
import { readSelf } from '../src/control-page-seqlock.js'
import type { PerfMmapSelfUpdate } from '../src/control-page-seqlock.js'

type Row = (typeof PERF_MMAP_PAGE_FIELDS)[number]

describe('PERF_MMAP_PAGE_FIELDS', () => {
  it('is the kernel struct: contiguous, naturally aligned, 1088 bytes, data_head at 1024', () => {
    let end = 0
    for (const f of PERF_MMAP_PAGE_FIELDS) {
      const width = kindBytes(f.kind)
      expect(f.offset, f.name).toBe(end)
      expect(f.offset % width, f.name).toBe(0)
      end = f.offset + width * ('count' in f ? f.count : 1)
    }
    expect(end).toBe(PERF_MMAP_PAGE_STRUCT_SIZE)
    const at = (name: string) => PERF_MMAP_PAGE_FIELDS.find((f) => f.name === name)?.offset
    expect(at('data_head')).toBe(1024)
    expect(at('__reserved')).toBe(PERF_MMAP_PAGE_HEADER_SIZE)
  })

  it('PerfMmapPageOffset names the same members at the same offsets', () => {
    const fromTable = Object.fromEntries(PERF_MMAP_PAGE_FIELDS.map((f) => [f.name, f.offset]))
    expect(fromTable).toEqual({ ...PerfMmapPageOffset })
    expect(Object.keys(PerfMmapPageOffset)).toEqual(PERF_MMAP_PAGE_FIELDS.map((f) => f.name))
    expectTypeOf<{ readonly [F in Row as F['name']]: F['offset'] }>().toEqualTypeOf<
      typeof PerfMmapPageOffset
    >()
  })

  it('the accessor fields, the cap bits and the seqlock fields are the public types', () => {
    type Accessed = Exclude<Row, { reserved: true }>['name']
    type Self = Extract<Row, { self: true }>['name']
    expectTypeOf<Accessed>().toEqualTypeOf<
      Exclude<keyof PerfEventMmapPageFields, keyof PerfMmapCapabilities>
    >()
    expectTypeOf<Self>().toEqualTypeOf<keyof PerfMmapSelfUpdate>()
    expect(PERF_CAP_BITS.map((b) => b.mask)).toEqual([1, 2, 4, 8, 16, 32])
    const page = new PerfEventMmapPage(new Uint8Array(4096))
    expect(Object.keys(page.decode()).sort()).toEqual(
      [
        ...PERF_MMAP_PAGE_FIELDS.filter((f) => !('reserved' in f)).map((f) => f.name),
        ...PERF_CAP_BITS.map((b) => b.name),
      ].sort(),
    )
    // readSelf reads the seqlock fields (by hand: it is a protocol), the cap bits and lock
    const self = PERF_MMAP_PAGE_FIELDS.filter((f) => 'self' in f).map((f) => f.name)
    expect(Object.keys(readSelf(page)).sort()).toEqual(
      ['lock', ...self, ...PERF_CAP_BITS.map((b) => b.name)].sort(),
    )
  })
})

describe('README control-page table', () => {
  const script = fileURLToPath(new URL('../scripts/control-page-table.mjs', import.meta.url))
  const check = (...args: string[]) =>
    spawnSync(process.execPath, [script, '--check', ...args], { encoding: 'utf8' })

  it('is the one scripts/control-page-table.mjs builds from the table', () => {
    const r = check()
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('the check fails when a cell differs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const dir = mkdtempSync(join(tmpdir(), 'onering-perf-readme-'))
    try {
      const copy = join(dir, 'README.md')
      const edited = readme.replace(/(\| `data_head` +\| )1024/, '$11032')
      expect(edited).not.toBe(readme)
      writeFileSync(copy, edited)
      const r = check('--readme', copy)
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/differs/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
