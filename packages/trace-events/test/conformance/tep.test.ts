/**
 * The tep API (`tep_parse_event`, `tep_print_event`, `tep_get_field_val`, `tep_get_field_raw`)
 * against libtraceevent 1.7.1: `format-check.c` parses each format of the committed Linux 6.18
 * snapshot and of this package's definitions into a tep handle with comms and kallsyms, and
 * prints random records with `tep_print_event` under three format strings — trace-cmd report's
 * event line (`%16s-%-5d [%03d] %s %6.1000d: %s: %s` with COMM, PID, CPU, LATENCY, TIME, NAME,
 * INFO), one that puts every argument under other conversions, widths, precisions and time
 * divisors, and one with `TEP_PRINT_INFO_RAW` (what `trace-cmd report -R` prints). The same records printed through our tep API must give the same bytes.
 *
 * Needs `pkg-config` + libtraceevent-dev and a C compiler; skipped with a warning without them,
 * a failure when `CI` is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TepEvent, TepHandle, TepRecord } from '../../src/index.js'
import {
  parseEventFormat,
  tep_alloc,
  tep_find_event,
  tep_find_event_by_name,
  tep_find_common_field,
  tep_data_pid,
  tep_data_type,
  tep_event_fields,
  tep_get_field_raw,
  tep_get_field_val,
  tep_parse_event,
  tep_parse_format,
  tep_parse_kallsyms,
  tep_parse_saved_cmdlines,
  tep_print_event,
  TEP_EVENT_FL_FAILED,
  TEP_PRINT_COMM,
  TEP_PRINT_CPU,
  TEP_PRINT_INFO,
  TEP_PRINT_INFO_RAW,
  TEP_PRINT_LATENCY,
  TEP_PRINT_NAME,
  TEP_PRINT_PID,
  TEP_PRINT_TIME,
  TraceSeq,
  trace_seq_destroy,
  trace_seq_init,
} from '../../src/index.js'
import type { TepPrintArg } from '../../src/index.js'
import { USER_DEFINITIONS } from '../definitions.js'
import type { FormatSource } from './formats.js'
import { loadSnapshot, snapshotFormats } from './formats.js'
import { buildChecker, inCi, missing, removeChecker } from './oracle.js'
import { prng, randomPayload, TEST_KALLSYMS } from './payloads.js'
import type { RecordResult } from './tep-oracle.js'
import { runRecordChecker } from './tep-oracle.js'

if (missing !== null) {
  if (inCi)
    describe('tep API conformance (CI)', () => {
      it('has libtraceevent and a C compiler', () => {
        throw new Error(`tep API conformance cannot run: missing ${missing}.`)
      })
    })
  else console.warn(`\n[tep API conformance] SKIPPED: missing ${missing}.\n`)
}

const RECORDS = 2
const PIDS = [0, 1, 4242, 31337, 77, 123456]
const CMDLINES = '1 systemd\n4242 node\n31337 worker-3\n77 a-very-long-command-name\n'

/** The three formats of format-check.c's print_format_k, through our tep_print_event. */
function printK(tep: TepHandle, rec: TepRecord, k: number): string {
  const s = new TraceSeq()
  trace_seq_init(s)
  const p = (fmt: string, ...args: TepPrintArg[]): void => {
    tep_print_event(tep, s, rec, fmt, ...args)
  }
  if (k === 0)
    p(
      '%16s-%-5d [%03d] %s %6.1000d: %s: %s',
      TEP_PRINT_COMM,
      TEP_PRINT_PID,
      TEP_PRINT_CPU,
      TEP_PRINT_LATENCY,
      TEP_PRINT_TIME,
      TEP_PRINT_NAME,
      TEP_PRINT_INFO,
    )
  else if (k === 1)
    p(
      '%-10.4s|%x|%08o|%.1d|%d|%9.1000000d|%3d|%-6s|%.5s|%s %s',
      TEP_PRINT_NAME,
      TEP_PRINT_PID,
      TEP_PRINT_CPU,
      TEP_PRINT_TIME,
      TEP_PRINT_TIME,
      TEP_PRINT_TIME,
      TEP_PRINT_CPU,
      TEP_PRINT_LATENCY,
      TEP_PRINT_COMM,
      'NOPE' as TepPrintArg,
      TEP_PRINT_NAME,
    )
  else
    p(
      '%s %12d [%d]%s%d %s',
      TEP_PRINT_NAME,
      TEP_PRINT_TIME,
      TEP_PRINT_CPU,
      TEP_PRINT_COMM,
      TEP_PRINT_PID,
      TEP_PRINT_INFO_RAW,
    )
  const out = s.buffer
  trace_seq_destroy(s)
  return out
}

interface Item {
  source: FormatSource
  records: { cpu: number; ts: bigint; payload: Uint8Array }[]
}

function makeItems(sources: readonly FormatSource[]): Item[] {
  const out: Item[] = []
  sources.forEach((source, n) => {
    let format
    try {
      format = parseEventFormat(source.text, source.system)
    } catch {
      return
    }
    const rand = prng(7000 + n)
    const typeField = format.commonFields.find((f) => f.name === 'common_type')
    const pidField = format.commonFields.find((f) => f.name === 'common_pid')
    const records = []
    for (let k = 0; k < RECORDS; k++) {
      const payload = randomPayload(format, rand)
      const dv = new DataView(payload.buffer)
      if (typeField?.size === 2) dv.setUint16(typeField.offset, format.id, true)
      if (pidField?.size === 4)
        dv.setInt32(pidField.offset, PIDS[Math.floor(rand() * PIDS.length)]!, true)
      const ts = BigInt(Math.floor(rand() * 2 ** 20)) * 1_000_003n + BigInt(k)
      records.push({ cpu: Math.floor(rand() * 300), ts, payload })
    }
    out.push({ source, records })
  })
  return out
}

interface Compared {
  /** key → [record, k, ours, theirs] */
  differ: Map<string, [number, number, string, string][]>
  /** keys where ours FAILED the print fmt but libtraceevent did not */
  oursFailed: string[]
  /** keys where libtraceevent FAILED the print fmt (prints `[FAILED TO PARSE]`) but ours prints */
  theirsFailed: string[]
  /** records compared */
  compared: number
  /** field gets compared */
  gets: number
}

function compare(items: readonly Item[], results: readonly RecordResult[]): Compared {
  const c: Compared = { differ: new Map(), oursFailed: [], theirsFailed: [], compared: 0, gets: 0 }
  items.forEach((item, n) => {
    const theirs = results[n]!
    if (!theirs.parsed) return
    const tep = tep_alloc()
    tep.encoding = 'latin1'
    tep_parse_kallsyms(tep, TEST_KALLSYMS)
    tep_parse_saved_cmdlines(tep, CMDLINES)
    const ev = { value: null as TepEvent | null }
    expect(tep_parse_format(tep, ev, item.source.text, undefined, item.source.system)).toBe(0)
    const event = ev.value!
    const bad: [number, number, string, string][] = []
    item.records.forEach((r, i) => {
      const rec: TepRecord = {
        ts: Number(r.ts),
        cpu: r.cpu,
        size: r.payload.length,
        data: r.payload,
      }
      expect(tep_data_type(tep, rec)).toBe(event.id)
      for (let k = 0; k < 3; k++) {
        const t = theirs.printed[i]![k]!
        if (t === 'X' || t === 'U') continue
        const ours = printK(tep, rec, k)
        c.compared++
        if (ours !== t) bad.push([i, k, ours, t])
      }
      for (const f of tep_event_fields(event)) {
        const g = theirs.gets[i]!.get(f.name)!
        const val = { value: 0 as number | bigint }
        const len = { value: -1 }
        const rc = tep_get_field_val(null, event, f.name, rec, val, 0)
        const raw = tep_get_field_raw(null, event, f.name, rec, len, 0)
        expect(rc, `${item.source.key} ${f.name}`).toBe(g.status)
        if (rc === 0) expect(String(val.value), `${item.source.key} ${f.name}`).toBe(g.value)
        expect(len.value, `${item.source.key} ${f.name}`).toBe(g.len)
        expect(raw!.byteOffset - r.payload.byteOffset, `${item.source.key} ${f.name}`).toBe(
          g.offset,
        )
        c.gets++
      }
    })
    if (bad.length > 0) {
      if ((event.flags & TEP_EVENT_FL_FAILED) !== 0) c.oursFailed.push(item.source.key)
      else if (
        theirs.printed.every(
          (p) => p[0] === 'X' || p[0] === 'U' || p[0]!.includes('[FAILED TO PARSE]'),
        )
      )
        c.theirsFailed.push(item.source.key)
      else c.differ.set(item.source.key, bad)
    }
  })
  return c
}

/** Random records of `sources`, printed by libtraceevent and by ours, compared. */
function check(name: string, sources: readonly FormatSource[]): { items: Item[]; c: Compared } {
  const items = makeItems(sources)
  const results = runRecordChecker(
    name,
    items.map((i) => ({ system: i.source.system, text: i.source.text, records: i.records })),
    TEST_KALLSYMS,
    CMDLINES,
  )
  return { items, c: compare(items, results) }
}

/**
 * Formats whose print fmt libtraceevent prints but our printer does not support: ours prints
 * `[FAILED TO PARSE]` and the raw fields for them (the INFO text differs, the rest is equal).
 */
const OURS_FAILED = [
  'ftrace/bprint', // trace_printk's binary arguments (needs the printk formats)
  'ipi/ipi_send_cpumask', // __get_cpumask
  'mmap/vm_unmapped_area', // __builtin_expect
]

/**
 * Formats whose print fmt libtraceevent 1.7.1 fails to parse while ours prints them: C prints
 * `[FAILED TO PARSE]` and the raw fields, ours the line. (Where both fail — statement
 * expressions, helpers such as `jiffies_to_msecs` — both print the same raw fields.)
 */
const THEIRS_FAILED = ['maple_tree/ma_op', 'maple_tree/ma_read', 'maple_tree/ma_write']

describe.skipIf(missing !== null)('tep API conformance (libtraceevent tep_print_event)', () => {
  beforeAll(buildChecker)
  afterAll(removeChecker)

  it('the Linux 6.18 snapshot: tep_print_event, tep_get_field_val and tep_get_field_raw as C', () => {
    const { items, c } = check('tep-snapshot', snapshotFormats(loadSnapshot()))
    expect(items.length).toBeGreaterThan(2000)
    const sample = [...c.differ.entries()].slice(0, 5)
    expect(sample).toEqual([])
    expect(c.differ.size).toBe(0)
    expect(c.oursFailed.sort()).toEqual(OURS_FAILED)
    expect(c.theirsFailed.sort()).toEqual(THEIRS_FAILED)
    expect(c.compared).toBeGreaterThan(3 * RECORDS * 2000 * 0.9)
    expect(c.gets).toBeGreaterThan(10000)
  })

  it("this package's definitions (every field kind, ftrace/print): as C", () => {
    const { items, c } = check(
      'tep-generated',
      USER_DEFINITIONS.map((d) => ({
        key: `${d.system}/${d.name}`,
        system: d.system,
        text: d.formatText,
      })),
    )
    expect(Object.fromEntries(c.differ)).toEqual({})
    expect(c.oursFailed).toEqual([])
    expect(c.compared).toBe(3 * RECORDS * items.length)
  })

  it('one handle with many events: lookups by id and name, common fields, pid', () => {
    const sources = snapshotFormats(loadSnapshot()).slice(0, 200)
    const tep = tep_alloc()
    for (const s of sources) expect(tep_parse_event(tep, s.text, undefined, s.system)).toBe(0)
    for (const s of sources) {
      const f = parseEventFormat(s.text, s.system)
      const byName = tep_find_event_by_name(tep, s.system, f.name)!
      expect(byName.id).toBe(f.id)
      expect(tep_find_event(tep, f.id)).toBe(byName)
      expect(tep_find_common_field(byName, 'common_pid')!.offset).toBe(4)
    }
    expect(tep_find_event_by_name(tep, 'nope', 'nope')).toBeNull()
    const first = sources[0]!
    const f = parseEventFormat(first.text, first.system)
    const payload = randomPayload(f, prng(1))
    new DataView(payload.buffer).setUint16(0, f.id, true)
    new DataView(payload.buffer).setInt32(4, 4242, true)
    expect(tep_data_pid(tep, { ts: 0, cpu: 0, size: payload.length, data: payload })).toBe(4242)
  })
})
