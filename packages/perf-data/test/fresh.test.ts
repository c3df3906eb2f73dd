/**
 * Fresh recordings, where `perf record` works here: prog.c (the fixtures' program) recorded with
 * cpu-clock + callchains, tracepoints with callchains, and a one-page ring that loses records;
 * our listing equals `perf script`, every kernel record re-encodes to the kernel's bytes, and
 * the getppid results agree with the program's own log. Elsewhere the suite is skipped with a
 * message (the committed fixtures still run).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PERF_RECORD_LOST, PERF_RECORD_SAMPLE } from '@onering/perf'
import { afterAll, describe, expect, it } from 'vitest'
import { PerfDataReader, perfDataListing } from '../src/index.js'
import { fixturePath } from './fixtures.js'
import { reencodeKernelRecords } from './kernel-bytes.js'
import { perfRecords, perfScript } from './perf-env.js'

const cc = process.env['CC'] ?? 'cc'
const hasCc = spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0
const runs = perfRecords && hasCc
if (!runs)
  console.warn(
    `\n[perf-data fresh recordings] SKIPPED: ${perfRecords ? `no C compiler (${cc})` : '`perf record` does not work here (not installed, or no permission to record tracepoints)'}; the committed fixtures are still tested.\n`,
  )

describe.runIf(runs)('fresh perf record files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onering-perf-fresh-'))
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  const prog = join(dir, 'prog')
  if (runs) execFileSync(cc, ['-O1', '-pthread', '-o', prog, fixturePath('prog.c')])
  const record = (
    name: string,
    perfArgs: string[],
    progArgs: string[],
  ): { file: string; log: string[] } => {
    const file = join(dir, `${name}.data`)
    const out = execFileSync(
      'perf',
      ['record', '-q', '-o', file, ...perfArgs, '--', prog, ...progArgs],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    )
    return { file, log: out.split('\n').filter((l) => l !== '') }
  }

  it('cpu-clock -g: listing, kernel bytes', () => {
    const { file } = record('cpu', ['--sample-cpu', '-e', 'cpu-clock', '-g'], ['3', '20'])
    const r = PerfDataReader.fromFile(file)
    expect([...perfDataListing(r)]).toEqual(perfScript(file))
    const seen = reencodeKernelRecords(r)
    expect(seen.get('SAMPLE')).toBeGreaterThan(0)
    expect(seen.get('MMAP2')).toBeGreaterThan(0)
  })

  it('sched:* and syscalls:* tracepoints with callchains: listing, kernel bytes, the program log', () => {
    const { file, log } = record(
      'tp',
      [
        '-g',
        '-e',
        'syscalls:sys_enter_getppid',
        '-e',
        'syscalls:sys_exit_getppid',
        '-e',
        'sched:sched_process_fork',
        '-e',
        'sched:sched_process_exit',
      ],
      ['5', '1'],
    )
    const r = PerfDataReader.fromFile(file)
    expect([...perfDataListing(r)]).toEqual(perfScript(file))
    const seen = reencodeKernelRecords(r)
    for (const t of ['SAMPLE', 'COMM', 'FORK', 'EXIT']) expect(seen.get(t)).toBeGreaterThan(0)
    const rets: string[] = []
    for (const e of r.events()) {
      const t = r.traceFields(e)
      if (t?.format.name === 'sys_exit_getppid' && e.record.type === PERF_RECORD_SAMPLE)
        rets.push(`${e.record.tid} ${String(t.fields['ret'])}`)
    }
    const logged = log
      .filter((l) => l.startsWith('getppid '))
      .map((l) => l.slice('getppid '.length))
    expect(rets.sort()).toEqual(logged.sort())
  })

  it('a one-page ring: LOST is read and re-encodes', () => {
    // the program stops perf (SIGSTOP) for a burst; if perf still drained in time (a busy
    // machine delays the stop), record again with a longer burst: the kernel's LOST is the input
    let file = ''
    for (const burst of ['3000', '30000', '300000']) {
      ;({ file } = record(
        'lost',
        ['-m', '1', '-e', 'syscalls:sys_enter_getppid'],
        ['1', '1', burst],
      ))
      if (
        [...PerfDataReader.fromFile(file).records()].some((x) => x.record.type === PERF_RECORD_LOST)
      )
        break
    }
    const r = PerfDataReader.fromFile(file)
    expect([...perfDataListing(r)]).toEqual(perfScript(file))
    expect(reencodeKernelRecords(r).get('LOST')).toBeGreaterThan(0)
    expect([...r.records()].some((x) => x.record.type === PERF_RECORD_LOST)).toBe(true)
  })
})
