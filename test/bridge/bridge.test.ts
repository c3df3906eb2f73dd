/**
 * The tracepoint bridge's acceptance test (issue 10, point 7): one event stream, both tool
 * chains. Two writer workers emit N trace events of three definitions through the ftrace face
 * into one trace buffer while PERF_TYPE_TRACEPOINT perf events are open on them in each worker
 * (bridge-program.ts). The oracle is the program's own log of what it wrote:
 *
 * - the ftrace side, written as trace.dat and read back by `@onering/trace-dat`: the same N
 *   events, field values, tids, CPUs and timestamps;
 * - `trace-cmd report -t` on that file prints exactly the log's lines;
 * - the perf side, read from the perf rings with libperf's consumer loop and decoded with the
 *   perf attrs and the definitions' formats: the same N events, RAW field values, TIDs, CPUs and
 *   TIMEs (use_clockid CLOCK_MONOTONIC: the very timestamps of the ftrace records).
 *
 * - the perf side written as a perf.data by `@onering/perf-data` (the records as the consumer
 *   read them, COMM records from the program's thread names, the definitions' formats as
 *   HEADER_TRACING_DATA): `perf script` prints exactly the log's lines — the same events,
 *   threads, CPUs, nanosecond timestamps and field values as `trace-cmd report` above.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEvent } from '@onering/trace-events'
import type { FieldValue } from '@onering/trace-events'
import { PERF_RECORD_SAMPLE, decodeRecord, recordContext } from '@onering/perf'
import type { PerfSampleRecord } from '@onering/perf'
import { eventFields, readTraceDat, traceDatEvents, writeTraceDat } from '@onering/trace-dat'
import { PerfDataWriter } from '@onering/perf-data'
import { entryHeaderText, pageHeaderText } from '@onering/trace-events'
import { DEFINITIONS } from './definitions.mjs'
import { perfSideRecords, runBridgeProgram } from './bridge-program.js'
import type { BridgeRun, Logged, PerfSide } from './bridge-program.js'

const N_PER_WRITER = 600
const WRITERS = 2
const inCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())
const hasTraceCmd = spawnSync('trace-cmd', ['--version'], { stdio: 'ignore' }).error === undefined
if (!hasTraceCmd && !inCi)
  console.warn('\n[bridge] trace-cmd SKIPPED: not installed (Debian: apt-get install trace-cmd)\n')
const hasPerf = spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0
if (!hasPerf && !inCi)
  console.warn(
    '\n[bridge] perf script SKIPPED: perf not installed (Debian: apt-get install linux-perf)\n',
  )

const tmp = mkdtempSync(join(tmpdir(), 'onering-bridge-'))
let run: BridgeRun
let log: Logged[]
let datPath: string
let perf: PerfSide
let perfDataPath: string
beforeAll(async () => {
  run = await runBridgeProgram(WRITERS, N_PER_WRITER)
  log = run.writers.flatMap((w) => w.log)
  datPath = join(tmp, 'bridge.dat')
  writeTraceDat(run.buffer, datPath, { definitions: DEFINITIONS, comms: run.comms, version: 6 })
  perf = perfSideRecords(run)
  perfDataPath = join(tmp, 'perf.data')
  writePerfSide(perf, run, perfDataPath)
})

/** The perf side as a perf.data: attrs + ids, COMM records, the records as read, the formats. */
function writePerfSide(side: PerfSide, r: BridgeRun, path: string): void {
  const systems = new Map<string, string[]>()
  for (const d of DEFINITIONS)
    systems.set(d.system, [...(systems.get(d.system) ?? []), d.formatText])
  const writer = new PerfDataWriter({
    path,
    events: side.events.map((e) => {
      const d = DEFINITIONS.find((x) => x.name === e.name)!
      return { attr: e.attr, name: `${d.system}:${d.name}`, ids: [e.id] }
    }),
    features: {
      hostname: 'onering-bridge-test',
      tracingData: {
        version: '0.6',
        bigEndian: false,
        longSize: 8,
        pageSize: 4096,
        headerPage: pageHeaderText(),
        headerEvent: entryHeaderText(),
        ftraceFormats: [],
        systems: [...systems].map(([name, formats]) => ({ name, formats })),
        kallsyms: '',
        printkFormats: '',
        cmdlines: '',
      },
    },
  })
  for (const [tid, comm] of r.comms) writer.comm(process.pid, tid, comm)
  for (const rec of side.records) writer.addRecord(rec.bytes)
  writer.finishedRound()
  writer.finish()
}
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

/** Order by time, then CPU, keeping each CPU's order (trace-cmd's merge). */
function byTime(events: Logged[]): Logged[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.ts - b.e.ts || a.e.cpu - b.e.cpu || a.i - b.i)
    .map((x) => x.e)
}

/** A logged event reduced to what both sides carry: name, cpu, tid, time, field values as text. */
function key(
  name: string,
  cpu: number,
  tid: number,
  ts: number | bigint,
  values: Record<string, unknown>,
): string {
  const v = Object.entries(values)
    .map(([k, x]) => `${k}=${String(x)}`)
    .join(' ')
  return `${name} cpu=${cpu} tid=${tid} ts=${String(ts)} ${v}`
}
const logged = (e: Logged): string => key(e.name, e.cpu, e.tid, e.ts, e.values)

/** The definition fields of a decoded payload (common fields left out). */
function fieldsOf(name: string, decoded: Record<string, FieldValue>): Record<string, unknown> {
  const def = DEFINITIONS.find((d) => d.name === name)!
  return Object.fromEntries(def.fields.map((f) => [f.name, decoded[f.name]]))
}

describe('one event stream, read by ftrace and perf consumers alike', () => {
  it('the program wrote N events from two threads, three definitions', () => {
    expect(log).toHaveLength(WRITERS * N_PER_WRITER)
    expect(new Set(log.map((e) => e.tid)).size).toBe(WRITERS)
    expect(new Set(log.map((e) => e.name))).toEqual(new Set(['span', 'sample', 'call']))
  })

  it('ftrace side (trace.dat read back): the events of the log, fields, tids, CPUs, timestamps', () => {
    const file = readTraceDat(new Uint8Array(readFileSync(datPath)))
    const got = [...traceDatEvents(file)].map((ev) =>
      key(
        ev.format!.name,
        ev.cpu,
        ev.pid,
        ev.timestamp,
        fieldsOf(ev.format!.name, eventFields(ev)),
      ),
    )
    expect(got).toEqual(byTime(log).map(logged))
  })

  it.skipIf(!hasTraceCmd)('trace-cmd report prints exactly the logged events', () => {
    const r = spawnSync('trace-cmd', ['report', '-t', datPath], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
    expect(lines[0]).toBe(`cpus=${WRITERS}`)
    const nsTime = (ts: number): string =>
      `${Math.floor(ts / 1e9)}.${String(ts % 1e9).padStart(9, '0')}`
    expect(lines.slice(1)).toEqual(
      byTime(log).map(
        (e) =>
          `${run.comms.get(e.tid)!}-${e.tid} [${String(e.cpu).padStart(3, '0')}] ${nsTime(e.ts)}: ${e.name}: ${e.fields}`,
      ),
    )
  })

  it('perf side (perf rings, libperf consumer loop): the same events, RAW fields, TIDs, CPUs, TIMEs', () => {
    const byId = new Map(perf.events.map((e) => [e.id, e]))
    expect(perf.events.every((e) => e.lost === 0)).toBe(true)
    const got: string[] = []
    for (const r of perf.records) {
      const dv = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)
      expect(dv.getUint32(0, true)).toBe(PERF_RECORD_SAMPLE) // nothing else: no loss
      // IDENTIFIER first: which event (and so which attr) the sample is of
      const ev = byId.get(dv.getBigUint64(8, true))!
      const s = decodeRecord(dv, 0, recordContext(ev.attr)) as PerfSampleRecord
      expect(s.id).toBe(ev.id)
      expect(s.stream_id).toBe(ev.id)
      expect(s.pid).toBe(process.pid)
      expect(s.period).toBe(1n)
      expect((4 + s.raw!.length) % 8).toBe(0)
      const def = DEFINITIONS.find((d) => d.name === ev.name)!
      const decoded = decodeEvent(def.format, s.raw!, 0, s.raw!.length)
      expect(decoded['common_pid']).toBe(s.tid)
      expect(decoded['common_type']).toBe(def.id)
      got.push(key(ev.name, s.cpu!, s.tid!, s.time!, fieldsOf(ev.name, decoded)))
    }
    // each writer's ring holds its own events in emission order
    const want = run.writers.flatMap((w) => w.log.map(logged))
    expect(got).toEqual(want)
    // every hit counted, per event
    for (const name of ['span', 'sample', 'call'])
      expect(
        perf.events.filter((e) => e.name === name).reduce((n, e) => n + Number(e.count), 0),
      ).toBe(log.filter((e) => e.name === name).length)
  })
})

describe('one event stream, perf.data side', () => {
  it.skipIf(!hasPerf)('perf script on the perf side prints exactly the logged events', () => {
    const r = spawnSync(
      'perf',
      ['script', '-f', '-i', perfDataPath, '--ns', '-F', 'trace:comm,tid,cpu,time,event,trace'],
      { encoding: 'utf8', maxBuffer: 1 << 28 },
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
    const nsTime = (ts: number): string =>
      `${Math.floor(ts / 1e9)}.${String(ts % 1e9).padStart(9, '0')}`
    const system = (name: string): string => DEFINITIONS.find((d) => d.name === name)!.system
    expect(lines).toEqual(
      byTime(log).map((e) =>
        `${run.comms.get(e.tid)!} ${e.tid} [${String(e.cpu).padStart(3, '0')}] ${nsTime(e.ts)}: ${system(e.name)}:${e.name}: ${e.fields}`
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    )
  })
})

if (!hasPerf && inCi)
  describe('bridge: perf (CI)', () => {
    it('is installed', () => {
      throw new Error('perf is missing: CI must run this suite (.ci/run installs linux-perf).')
    })
  })

if (!hasTraceCmd && inCi)
  describe('bridge: trace-cmd (CI)', () => {
    it('is installed', () => {
      throw new Error('trace-cmd is missing: CI must run this suite (.ci/run installs it).')
    })
  })
