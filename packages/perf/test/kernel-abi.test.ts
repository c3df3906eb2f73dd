/**
 * The perf_event ABI limits this package hard-codes, asked of the running kernel: the first
 * sample_type bit past every bit the kernel knows (`PERF_SAMPLE_MAX`) and the size of the
 * kernel's `struct perf_event_attr` (the size it writes back on E2BIG, the largest
 * `PERF_ATTR_SIZE_VER*` it knows). The oracle is the kernel itself, through the small C program
 * `kernel-abi/abi-probe.c`, built here with the system C compiler. Without a compiler or perf
 * events the test is skipped with a visible message — unless `CI` is set on Linux as root,
 * where it fails instead.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { PERF_ATTR_SIZE_VER8 } from '../src/attr-constants.js'
import { PERF_SAMPLE_MAX } from '../src/constants.js'

const CC = process.env['CC'] ?? 'cc'
const inCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())
const source = fileURLToPath(new URL('./kernel-abi/abi-probe.c', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'onering-perf-abi-'))
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/** The probe's "key value" lines, or why it could not run. */
function probe(): { values?: Record<string, number>; missing?: string } {
  if (process.platform !== 'linux') return { missing: `Linux (this is ${process.platform})` }
  try {
    readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8')
  } catch {
    return { missing: 'perf events (/proc/sys/kernel/perf_event_paranoid is missing)' }
  }
  const bin = join(work, 'abi-probe')
  const cc = spawnSync(CC, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', bin, source], {
    encoding: 'utf8',
  })
  if (cc.error !== undefined || cc.status !== 0)
    return { missing: `a C compiler (${CC}: ${cc.error?.message ?? cc.stderr.trim()})` }
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 30_000 })
  if (r.status === 2) return { missing: `perf_event_open permission (${r.stderr.trim()})` }
  if (r.status !== 0) throw new Error(`abi-probe failed (${r.status}): ${r.stderr}`)
  const values: Record<string, number> = {}
  for (const line of r.stdout.trim().split('\n')) {
    const [key, value] = line.split(' ')
    values[key!] = Number(value)
  }
  return { values }
}

const result = probe()
const mustRun = inCi && process.platform === 'linux' && process.getuid?.() === 0
if (result.missing !== undefined) {
  if (mustRun)
    throw new Error(`kernel ABI probe: CI is set on Linux as root but needs ${result.missing}`)
  console.warn(`[perf kernel ABI] SKIPPED: needs ${result.missing}`)
}

describe.skipIf(result.values === undefined)('the running kernel’s perf_event ABI', () => {
  it('refuses every sample_type bit from PERF_SAMPLE_MAX on, and accepts the one below', () => {
    expect(result.values?.['sample_max']).toBe(Math.log2(PERF_SAMPLE_MAX))
  })

  it('has a struct perf_event_attr of PERF_ATTR_SIZE_VER8 bytes', () => {
    expect(result.values?.['attr_size']).toBe(PERF_ATTR_SIZE_VER8)
  })
})
