/**
 * The format parser, decoder and printer on hand-made and damaged input: typed errors naming
 * the line or position, decoding that never leaves the payload, kallsyms and cmdlines helpers.
 * (Agreement with libtraceevent on real formats is in conformance/libtraceevent.test.ts.)
 */
import { release } from 'node:os'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeEvent,
  EventFormatError,
  EventPrinter,
  fieldLocation,
  FIELD_IS_DYNAMIC,
  FIELD_IS_STRING,
  findAnyField,
  findField,
  formatCmdlines,
  FTRACE_PRINT,
  Kallsyms,
  parseCmdlines,
  parseEventFormat,
  PrintFmtError,
  readNumberField,
} from '../src/index.js'
import { formatIp4, formatIp6, formatIp6Compressed } from '../src/ip-format.js'
import { EVERYTHING, SPAN } from './definitions.js'
import { liveFormats, loadSnapshot, snapshotFormats } from './conformance/formats.js'

const lines = SPAN.formatText.split('\n')
const withLine = (n: number, text: string): string =>
  lines.map((l, k) => (k === n ? text : l)).join('\n')

describe('parseEventFormat errors name the line', () => {
  for (const [what, text, line] of [
    ['no name', withLine(0, 'nom: span'), 1],
    ['ID not a number', withLine(1, 'ID: x12'), 2],
    ['no format:', withLine(2, 'formats:'), 3],
    ['a bad field line', withLine(9, '\tfield:u64 dur;\toffset:16;\tsize:8'), 10],
    [
      'an offset that is not a number',
      withLine(9, '\tfield:u64 dur;\toffset:z;\tsize:8;\tsigned:0;'),
      10,
    ],
    ['no print fmt', lines.slice(0, 13).join('\n'), 14],
    ['an unbalanced [', withLine(12, '\tfield:char tag[8;\toffset:28;\tsize:8;\tsigned:0;'), 13],
  ] as const) {
    it(what, () => {
      let err: unknown
      try {
        parseEventFormat(text, 'onering')
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(EventFormatError)
      expect((err as EventFormatError).line).toBe(line)
    })
  }

  it('fast-check: any damage to a real format gives a format or an EventFormatError', () => {
    const text = SPAN.formatText
    fc.assert(
      fc.property(
        fc.nat(text.length),
        fc.nat(text.length),
        fc.string({ maxLength: 4 }),
        (a, b, ins) => {
          const t = text.slice(0, Math.min(a, b)) + ins + text.slice(Math.max(a, b))
          try {
            parseEventFormat(t, 'x')
          } catch (e) {
            expect(e).toBeInstanceOf(EventFormatError)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('field lookup and decoding', () => {
  it('tep_find_field / tep_find_any_field', () => {
    expect(findField(SPAN.format, 'common_pid')).toBeUndefined()
    expect(findAnyField(SPAN.format, 'common_pid')?.offset).toBe(4)
    expect(findField(SPAN.format, 'name')?.flags).toBe(FIELD_IS_DYNAMIC | FIELD_IS_STRING | 1)
  })

  it('fast-check: any payload length and any bytes decode inside the payload, never throw', () => {
    const fixed = EVERYTHING.fixedSize
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: fixed + 40 }), fc.nat(8), (payload, pre) => {
        const bytes = new Uint8Array(pre + payload.length)
        bytes.set(payload, pre)
        const d = decodeEvent(EVERYTHING.format, bytes, pre, payload.length)
        expect(Object.keys(d)).toHaveLength(24)
        for (const f of EVERYTHING.format.fields) {
          const loc = fieldLocation(f, bytes, pre, payload.length)
          expect(loc.offset + loc.length).toBeLessThanOrEqual(payload.length)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('readNumberField is tep_read_number_field: unsigned, undefined for other sizes', () => {
    const b = new Uint8Array(16).fill(0xff)
    expect(readNumberField(findAnyField(SPAN.format, 'common_pid')!, b, 0, 16)).toBe(0xffffffff)
    const big = new Uint8Array(200)
    expect(readNumberField(findField(EVERYTHING.format, 'comm')!, big, 0, 200)).toBeUndefined()
    expect(readNumberField(findField(SPAN.format, 'tag')!, b, 0, 16)).toBeUndefined() // past length
    expect(() => readNumberField(findField(SPAN.format, 'tag')!, b, 0, 64)).toThrow(RangeError)
    expect(() => decodeEvent(SPAN.format, b, 10, 10)).toThrow(RangeError)
  })
})

describe('printer', () => {
  it('refuses what it does not print, naming the position', () => {
    const fmt = (printFmt: string): EventPrinter => new EventPrinter({ ...SPAN.format, printFmt })
    expect(() => fmt('"%ph", REC->seq')).toThrow(PrintFmtError)
    expect(() => fmt('"%pI4", REC->seq + 1')).toThrow(/of an expression/)
    expect(() => fmt('"%d", foo(REC->seq)')).toThrow(/"foo" is not supported/)
    expect(() => fmt('"%d", REC->nope')).toThrow(/no field "nope"/)
    expect(() => fmt('"%d %d", REC->seq')).toThrow(/no argument/)
    try {
      fmt('"%d", REC->seq + sizeof(int)')
    } catch (e) {
      expect((e as PrintFmtError).position).toBe(17)
    }
  })

  it('prints ftrace/print as trace-cmd report does, with the symbol of ip', () => {
    const syms = Kallsyms.parse(
      'ffffffff8149895a t tracing_mark_write\nffffffff81000000 T _stext\n',
    )
    const p = new EventPrinter(FTRACE_PRINT.format, { symbols: syms })
    const b = new Uint8Array(32)
    const dv = new DataView(b.buffer)
    dv.setUint16(0, 5, true)
    dv.setBigUint64(8, 0xffffffff8149895an, true)
    b.set(new TextEncoder().encode('hé\n'), 16)
    expect(p.print(b, 0, 21)).toBe('tracing_mark_write: hé\n')
    dv.setBigUint64(8, 0xffffffff81000010n, true)
    expect(p.print(b, 0, 21)).toBe('_stext: hé\n')
  })
})

describe("%pI4 / %pI6 / %pI6c (the kernel's address formats)", () => {
  const ip6 = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
  it('compresses the longest zero run, keeps a dotted v4-mapped tail', () => {
    for (const [hex, want] of [
      ['00000000000000000000000000000001', '::1'],
      ['20010db8000000000000000000000001', '2001:db8::1'],
      ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
      ['20010db8000100000001000000000000', '2001:db8:1:0:1::'],
      ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
      ['fe800000000000000000000000000000', 'fe80::'],
      ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
    ] as const)
      expect(formatIp6Compressed(ip6(hex), 0), hex).toBe(want)
    expect(formatIp6(ip6('20010db8000000000000000000000001'), 0, true)).toBe(
      '2001:0db8:0000:0000:0000:0000:0000:0001',
    )
    expect(formatIp4(Uint8Array.of(10, 0, 2, 15), 0, false, false)).toBe('10.0.2.15')
    expect(formatIp4(Uint8Array.of(10, 0, 2, 15), 0, true, true)).toBe('015.002.000.010')
  })
})

describe('kallsyms and cmdlines', () => {
  it('find_func: a range up to the next symbol; the last symbol only exactly', () => {
    const k = Kallsyms.parse(
      'ffffffff81000000 T _stext\nffffffff81000100 t a\tfoo\nffffffff81000200 T b\t[mod]\nffffffff81000050 A abs\n',
    )
    expect(k.size).toBe(3)
    expect(k.lookup(0xffffffff81000000n)?.name).toBe('_stext')
    expect(k.lookup(0xffffffff810000ffn)?.name).toBe('_stext')
    expect(k.lookup(0xffffffff81000100n)?.name).toBe('a')
    expect(k.lookup(0xffffffff81000200n)).toEqual({
      name: 'b',
      address: 0xffffffff81000200n,
      module: 'mod',
    })
    expect(k.lookup(0xffffffff81000201n)).toBeUndefined()
    expect(k.lookup(0x10n)).toBeUndefined()
    expect(() => Kallsyms.parse('zz T x\n')).toThrow(/line 1/)
  })

  it('saved_cmdlines both ways', () => {
    const m = new Map([
      [4242, 'node'],
      [4243, 'worker 3'],
    ])
    const text = formatCmdlines(m)
    expect(text).toBe('4242 node\n4243 worker 3\n')
    expect(parseCmdlines(text)).toEqual(m)
    expect(() => formatCmdlines(new Map([[1, 'a\nb']]))).toThrow(TypeError)
  })
})

describe('the corpora', () => {
  const snapshot = loadSnapshot()
  const live = liveFormats()
  it.skipIf(live.length === 0 || release() !== snapshot.kernel)(
    `on the snapshot's kernel (${snapshot.kernel}), the live tracefs holds the snapshot's formats`,
    () => {
      const snap = new Map(snapshotFormats(snapshot).map((s) => [s.key, s.text]))
      const same = live.filter((l) => snap.get(l.key) === l.text).length
      expect(same).toBe(live.length)
      expect(snap.size).toBe(live.length)
    },
  )
})

describe('printer on corrupt payloads', () => {
  it('fast-check: every printable kernel format, any bytes and length: a string, bounded, no throw', () => {
    const printers: EventPrinter[] = []
    for (const s of snapshotFormats(loadSnapshot())) {
      try {
        printers.push(new EventPrinter(parseEventFormat(s.text, s.system)))
      } catch (e) {
        expect(e).toBeInstanceOf(PrintFmtError)
      }
    }
    expect(printers.length).toBeGreaterThan(2000)
    fc.assert(
      fc.property(
        fc.nat(printers.length - 1),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(64),
        (k, payload, slack) => {
          const bytes = new Uint8Array(payload.length + slack).fill(0x41)
          bytes.set(payload)
          const out = printers[k]!.print(bytes, 0, payload.length)
          expect(typeof out).toBe('string')
          expect(out.length).toBeLessThan(1 << 20)
        },
      ),
      { numRuns: 5000 },
    )
  })
})
