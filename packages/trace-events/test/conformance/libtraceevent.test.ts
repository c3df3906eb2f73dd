/**
 * Conformance with libtraceevent, the parser trace-cmd, perf and KernelShark use for event
 * formats: `format-check.c` (ours, built here against Debian's libtraceevent-dev 1.7.1) parses
 * each format with `tep_parse_format`, reads every field of random payloads with
 * `tep_read_number_field` / `tep_get_field_raw`, and prints them with `tep_print_event`. For
 * every format of the committed Linux 6.18 snapshot, of the live tracefs (when readable), and
 * of formats this package generates, our parser must give libtraceevent's fields (offset,
 * size, flags, array length, element size, type), our decoder its values, and our printer its
 * text wherever our printer supports the print fmt.
 *
 * Needs `pkg-config` + libtraceevent-dev and a C compiler (`$CC`, default `cc`). Without them
 * the suite is skipped with a warning, unless `CI` is set: then it fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventFormat, FieldValue } from '../../src/index.js'
import {
  EventEncoder,
  FIELD_IS_RELATIVE,
  EventPrinter,
  Kallsyms,
  parseEventFormat,
  PrintFmtError,
  readField,
} from '../../src/index.js'
import { EVERYTHING, USER_DEFINITIONS } from '../definitions.js'
import type { FormatSource } from './formats.js'
import { liveFormats, loadSnapshot, snapshotFormats } from './formats.js'
import type { TepEvent } from './oracle.js'
import { buildChecker, inCi, missing, removeChecker, runChecker } from './oracle.js'
import { prng, randomPayload, TEST_KALLSYMS } from './payloads.js'

if (missing !== null) {
  if (inCi) {
    describe('libtraceevent format conformance (CI)', () => {
      it('has libtraceevent and a C compiler', () => {
        throw new Error(
          `libtraceevent conformance cannot run: missing ${missing}. CI must run it: .ci/run installs libtraceevent-dev.`,
        )
      })
    })
  } else {
    console.warn(
      `\n[libtraceevent format conformance] SKIPPED: missing ${missing}.\n` +
        '  Install them (Debian: apt-get install libtraceevent-dev pkg-config) to check the parser against libtraceevent; with CI set this is a failure.\n',
    )
  }
}

const PAYLOADS_PER_FORMAT = 3
const utf8 = new TextEncoder()
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Our value in the checker's notation (see format-check.c). */
function canonical(v: FieldValue): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  if (typeof v === 'string') return `str:${hex(utf8.encode(v))}`
  if (v instanceof Uint8Array) return `raw:${hex(v)}`
  return `arr:${v.join(',')}`
}

interface Checked {
  source: FormatSource
  format: EventFormat
  payloads: Uint8Array[]
  tep: TepEvent
}

/** Parse with ours, make payloads, ask libtraceevent: the formats both parse. */
function check(
  name: string,
  sources: readonly FormatSource[],
): { checked: Checked[]; oursFailed: Map<string, string>; tepFailed: Map<string, number> } {
  const oursFailed = new Map<string, string>()
  const parsed: { source: FormatSource; format: EventFormat; payloads: Uint8Array[] }[] = []
  sources.forEach((source, n) => {
    try {
      const format = parseEventFormat(source.text, source.system)
      const rand = prng(n + 1)
      const payloads: Uint8Array[] = []
      for (let k = 0; k < PAYLOADS_PER_FORMAT; k++) payloads.push(randomPayload(format, rand))
      parsed.push({ source, format, payloads })
    } catch (e) {
      oursFailed.set(source.key, (e as Error).message)
    }
  })
  const teps = runChecker(
    name,
    parsed.map((p) => ({ system: p.source.system, text: p.source.text, payloads: p.payloads })),
    TEST_KALLSYMS,
  )
  const checked: Checked[] = []
  const tepFailed = new Map<string, number>()
  parsed.forEach((p, k) => {
    const tep = teps[k]!
    if (tep.fields.length === 0) tepFailed.set(p.source.key, tep.status)
    else checked.push({ ...p, tep })
  })
  return { checked, oursFailed, tepFailed }
}

/**
 * TEP_FIELD_IS_FLAG / TEP_FIELD_IS_SYMBOLIC: libtraceevent sets them on fields its print-fmt
 * parser sees in `__print_flags` / `__print_symbolic`; they are not in the format's field lines.
 */
const PRINT_FMT_FLAGS = 64 | 128

function expectSameFields(c: Checked): void {
  const ours = [...c.format.commonFields, ...c.format.fields].map((f) => ({
    name: f.name,
    offset: f.offset,
    size: f.size,
    flags: f.flags,
    arrayLength: f.arrayLength,
    elementSize: f.elementSize,
    type: f.type,
  }))
  const theirs = c.tep.fields.map((f) => ({ ...f, flags: f.flags & ~PRINT_FMT_FLAGS }))
  expect(ours, c.source.key).toEqual(theirs)
}

function expectSameValues(c: Checked): void {
  c.payloads.forEach((p, k) => {
    const ours = new Map<string, string>()
    for (const f of [...c.format.commonFields, ...c.format.fields])
      ours.set(f.name, canonical(readField(f, p, 0, p.length)))
    expect(ours, `${c.source.key} payload ${k} (${hex(p)})`).toEqual(c.tep.values[k])
  })
}

const symbols = Kallsyms.parse(TEST_KALLSYMS)

interface PrintResult {
  /** formats whose every payload printed as tep_print_event did */
  same: number
  /** key → why our printer does not print it */
  unsupported: Map<string, string>
  /** key → payload index → [ours, theirs] where they differ */
  differ: Map<string, [string, string][]>
}

/** Print every payload with ours where our printer supports the print fmt; compare. */
function comparePrints(checked: readonly Checked[]): PrintResult {
  const r: PrintResult = { same: 0, unsupported: new Map(), differ: new Map() }
  for (const c of checked) {
    if (c.tep.printFailed) {
      r.unsupported.set(c.source.key, 'libtraceevent fails to parse the print fmt')
      continue
    }
    let printer: EventPrinter
    try {
      printer = new EventPrinter(c.format, { symbols, encoding: 'latin1' })
    } catch (e) {
      if (!(e instanceof PrintFmtError)) throw e
      r.unsupported.set(c.source.key, e.message.replace(/^print fmt at \d+: /, ''))
      continue
    }
    const bad: [string, string][] = []
    c.payloads.forEach((p, k) => {
      if (c.tep.crashed.has(k) || c.tep.pastRecord.has(k)) return
      const ours = printer.print(p, 0, p.length)
      if (ours !== c.tep.printed[k]) bad.push([ours, c.tep.printed[k]!])
    })
    if (bad.length > 0) r.differ.set(c.source.key, bad)
    else r.same++
  }
  return r
}

/**
 * Formats of the Linux 6.18 snapshot that libtraceevent itself cannot parse into an event, with
 * the reason; the suite checks the list is exact.
 */
const TEP_REJECTS = new Map<string, string>([])

/**
 * The formats of the Linux 6.18 snapshot whose print fmt our printer does not print, with the
 * reason; every other format prints exactly as tep_print_event. For most of them libtraceevent
 * itself fails (it prints "[FAILED TO PARSE]" and the raw fields): helper functions it does not
 * know (`jiffies_to_msecs`, `mc_event_error_type`), `sizeof`, statement expressions.
 */
const PRINT_UNSUPPORTED: Record<string, string> = {
  'dma/dma_alloc_sgt': 'libtraceevent fails to parse the print fmt',
  'dma/dma_free_sgt': 'libtraceevent fails to parse the print fmt',
  'dma/dma_map_sg': 'libtraceevent fails to parse the print fmt',
  'dma/dma_map_sg_err': 'libtraceevent fails to parse the print fmt',
  'dma/dma_sync_sg_for_cpu': 'libtraceevent fails to parse the print fmt',
  'dma/dma_sync_sg_for_device': 'libtraceevent fails to parse the print fmt',
  'dma/dma_unmap_sg': 'libtraceevent fails to parse the print fmt',
  'ftrace/bprint': 'ftrace/bprint prints its binary trace_printk arguments',
  'ipi/ipi_send_cpumask': '"__get_cpumask" is not supported',
  'jbd2/jbd2_checkpoint_stats': 'libtraceevent fails to parse the print fmt',
  'jbd2/jbd2_run_stats': 'libtraceevent fails to parse the print fmt',
  'kvm/kvm_inj_exception': 'libtraceevent fails to parse the print fmt',
  'kvmmmu/kvm_mmu_get_page': 'libtraceevent fails to parse the print fmt',
  'kvmmmu/kvm_mmu_prepare_zap_page': 'libtraceevent fails to parse the print fmt',
  'kvmmmu/kvm_mmu_sync_page': 'libtraceevent fails to parse the print fmt',
  'kvmmmu/kvm_mmu_unsync_page': 'libtraceevent fails to parse the print fmt',
  'maple_tree/ma_op': 'libtraceevent fails to parse the print fmt',
  'maple_tree/ma_read': 'libtraceevent fails to parse the print fmt',
  'maple_tree/ma_write': 'libtraceevent fails to parse the print fmt',
  'mmap/vm_unmapped_area': '"__builtin_expect" is not supported',
  'ras/mc_event': 'libtraceevent fails to parse the print fmt',
}

/** Formats our parser refuses, with the reason (none in the snapshot). */
const OURS_REJECTS = new Map<string, string>([])

describe.skipIf(missing !== null)('libtraceevent format conformance', () => {
  beforeAll(buildChecker)
  afterAll(removeChecker)

  describe('the committed Linux 6.18 snapshot', () => {
    const snapshot = loadSnapshot()
    const sources = snapshotFormats(snapshot)
    let result: ReturnType<typeof check>

    beforeAll(() => {
      result = check('snapshot', sources)
    })

    it(`has over two thousand formats (${sources.length})`, () => {
      expect(sources.length).toBeGreaterThan(2000)
    })

    it('our parser reads every format libtraceevent reads; the rejects are listed', () => {
      expect(Object.fromEntries(result.oursFailed)).toEqual(Object.fromEntries(OURS_REJECTS))
      expect([...result.tepFailed.keys()].sort()).toEqual([...TEP_REJECTS.keys()].sort())
    })

    it('fields: name, offset, size, flags, array length, element size, type', () => {
      for (const c of result.checked) expectSameFields(c)
    })

    it(`field values of ${PAYLOADS_PER_FORMAT} random payloads per format`, () => {
      for (const c of result.checked) expectSameValues(c)
    })

    it('print fmt: our printer prints what tep_print_event prints, wherever it supports the print fmt', () => {
      const r = comparePrints(result.checked)
      expect(Object.fromEntries(r.differ)).toEqual({})
      expect(r.same).toBe(sources.length - r.unsupported.size)
      expect(Object.fromEntries(r.unsupported)).toEqual(PRINT_UNSUPPORTED)
      expect(Object.fromEntries(r.differ)).toEqual({})
    })
  })

  describe('the live tracefs', () => {
    const sources = liveFormats()
    it.skipIf(sources.length === 0)(
      `every readable events/*/*/format (${sources.length}): fields and values`,
      () => {
        const r = check('live', sources)
        expect(Object.fromEntries(r.oursFailed)).toEqual({})
        for (const c of r.checked) {
          expectSameFields(c)
          expectSameValues(c)
        }
        expect(r.checked.length).toBe(sources.length - r.tepFailed.size)
        const p = comparePrints(r.checked)
        expect(Object.fromEntries(p.differ)).toEqual({})
        expect(p.same).toBeGreaterThan(0)
      },
    )
  })

  describe('formats this package generates', () => {
    it('every field kind: libtraceevent parses the text to our layout and reads our values', () => {
      const sources = USER_DEFINITIONS.map((d) => ({
        key: `${d.system}/${d.name}`,
        system: d.system,
        text: d.formatText,
      }))
      const r = check('generated', sources)
      expect(Object.fromEntries(r.oursFailed)).toEqual({})
      expect([...r.tepFailed.keys()]).toEqual([])
      for (const c of r.checked) {
        expect(c.tep.printFailed, c.source.key).toBe(false)
        expectSameFields(c)
        expectSameValues(c)
      }
      // our generated print fmts and ftrace/print's: all printed, all as tep_print_event
      const p = comparePrints(r.checked)
      expect(Object.fromEntries(p.unsupported)).toEqual({})
      expect(Object.fromEntries(p.differ)).toEqual({})
      expect(p.same).toBe(sources.length)
    })

    it('__rel_loc fields (kernel 5.18+; none in this tracefs): a hand-written format', () => {
      const text =
        'name: rel\nID: 40000\nformat:\n' +
        '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n' +
        '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n' +
        '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n' +
        '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n' +
        '\tfield:u32 a;\toffset:8;\tsize:4;\tsigned:0;\n' +
        '\tfield:__rel_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n' +
        '\tfield:__rel_loc u16[] ids;\toffset:16;\tsize:4;\tsigned:0;\n\n' +
        'print fmt: "a=%u name=%s", REC->a, __get_rel_str(name)\n'
      const r = check('rel-loc', [{ key: 'onering/rel', system: 'onering', text }])
      expect(Object.fromEntries(r.oursFailed)).toEqual({})
      expect(r.checked).toHaveLength(1)
      const c = r.checked[0]!
      expectSameFields(c)
      expectSameValues(c)
      expect(c.tep.fields.find((f) => f.name === 'name')!.flags & FIELD_IS_RELATIVE).toBe(
        FIELD_IS_RELATIVE,
      )
      const p = comparePrints(r.checked)
      expect(Object.fromEntries(p.unsupported)).toEqual({})
      expect(Object.fromEntries(p.differ)).toEqual({})
      expect(p.same).toBe(1)
    })

    it("the encoder's payloads: libtraceevent reads the values that were written", () => {
      const enc = new EventEncoder(EVERYTHING)
      const rand = prng(99)
      const u = (bits: number): number => Math.floor(rand() * 2 ** bits)
      const s = (bits: number): number => u(bits) - 2 ** (bits - 1)
      const word = (n: number): string =>
        String.fromCharCode(...Array.from({ length: n }, () => 97 + u(4)))
      const payloads: Uint8Array[] = []
      const expected: Map<string, string>[] = []
      for (let k = 0; k < 50; k++) {
        const v = {
          a8: u(8),
          b64: u(53),
          c16: u(16),
          d8: s(8),
          e32: s(32),
          f16: s(16),
          g64: s(53),
          h: u(8),
          i: s(32),
          j: u(32),
          k: s(53),
          l: u(53),
          comm: word(u(4)),
          u16s: [u(16), u(16), u(16)],
          s64s: [s(53), s(53)],
          path: word(u(5)),
          ids: Array.from({ length: u(3) }, () => u(32)),
          deltas: Array.from({ length: u(2) }, () => s(53)),
          bytes: Array.from({ length: u(3) }, () => u(8)),
          label: word(u(3)),
        }
        const dyn =
          2 +
          v.path.length +
          v.label.length +
          4 * v.ids.length +
          8 * v.deltas.length +
          v.bytes.length
        const slot = new Uint8Array(enc.size(dyn))
        enc.begin(slot, new DataView(slot.buffer), 0, slot.length, 1000 + k, k & 0xff, k % 3)
        const scalars = [
          'a8',
          'b64',
          'c16',
          'd8',
          'e32',
          'f16',
          'g64',
          'h',
          'i',
          'j',
          'k',
          'l',
        ] as const
        scalars.forEach((name, n) => {
          enc.setNumber(n, v[name])
        })
        enc.setString(12, v.comm)
        enc.setArray(13, v.u16s)
        enc.setArray(14, v.s64s)
        enc.setString(15, v.path)
        enc.setArray(16, v.ids)
        enc.setArray(17, v.deltas)
        enc.setArray(18, v.bytes)
        enc.setString(19, v.label)
        expect(enc.end()).toBe(slot.length)
        payloads.push(slot)
        const str = (t: string): string => `str:${hex(utf8.encode(t))}`
        expected.push(
          new Map<string, string>([
            ['common_type', String(EVERYTHING.id)],
            ['common_flags', String(k & 0xff)],
            ['common_preempt_count', String(k % 3)],
            ['common_pid', String(1000 + k)],
            ...scalars.map((n) => [n, String(v[n])] as [string, string]),
            ['comm', str(v.comm)],
            ['u16s', `arr:${v.u16s.join(',')}`],
            ['s64s', `arr:${v.s64s.join(',')}`],
            ['path', str(v.path)],
            ['ids', `arr:${v.ids.join(',')}`],
            ['deltas', `arr:${v.deltas.join(',')}`],
            // a u8 array is a string to libtraceevent (TEP_FIELD_IS_STRING): up to the first 0
            [
              'bytes',
              `str:${hex(Uint8Array.from(v.bytes.slice(0, (v.bytes.indexOf(0) + 1 || v.bytes.length + 1) - 1)))}`,
            ],
            ['label', str(v.label)],
          ]),
        )
      }
      const [tep] = runChecker('encoder', [
        { system: 'onering', text: EVERYTHING.formatText, payloads },
      ])
      expected.forEach((e, k) => {
        expect(tep!.values[k], `event ${k}`).toEqual(e)
      })
    })
  })
})
