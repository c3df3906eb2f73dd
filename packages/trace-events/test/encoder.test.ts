/**
 * The definitions, format texts, id allocator and encoder. Oracles: the kernel's own
 * `ftrace/print` format text and the `print` events the kernel wrote into
 * fixtures/trace-cmd/basic.cpu0.raw (test/fixtures/kernel: 74 trace_marker writes); the
 * reference's `onering/span` format text (checked there against trace-cmd report).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  COMMON_FIELDS_SIZE,
  decodeEvent,
  defineEvent,
  entryHeaderText,
  pageHeaderText,
  EventEncoder,
  EventIdAllocator,
  FIRST_USER_EVENT_ID,
  FTRACE_EVENT_IDS,
  FTRACE_PRINT,
  printEventSize,
  stringFieldSize,
  utf8Length,
  writeUtf8,
} from '../src/index.js'
import { EVERYTHING, SPAN } from './definitions.js'
import { rawEvents } from './kernel-pages.js'

const fixture = (path: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${path}`, import.meta.url)))
const latin1 = new TextDecoder('latin1')

describe('format text', () => {
  it("ftrace/print is byte for byte the kernel's events/ftrace/print/format", () => {
    expect(FTRACE_PRINT.formatText).toBe(latin1.decode(fixture('print_format')))
    expect(FTRACE_PRINT.id).toBe(5)
    expect(FTRACE_PRINT.fixedSize).toBe(16)
  })

  it("header_page / header_event are the kernel's texts (Linux 6.18 tracefs events/header_*)", () => {
    expect(pageHeaderText(4096)).toBe(latin1.decode(fixture('header_page')))
    expect(entryHeaderText()).toBe(latin1.decode(fixture('header_event')))
    expect(pageHeaderText(8192)).toContain(
      '\tfield: char data;\toffset:16;\tsize:8176;\tsigned:0;\n',
    )
    expect(() => pageHeaderText(16)).toThrow(RangeError)
  })

  it("onering/span is the reference's example, which trace-cmd report printed", () => {
    expect(SPAN.formatText).toBe(
      latin1
        .decode(fixture('trace-cmd/tracefs/events/onering/span/format'))
        .replace('ID: 32768', `ID: ${SPAN.id}`),
    )
  })

  it("lays fields out as the kernel's C struct: natural alignment after the 8 common bytes", () => {
    const at = Object.fromEntries(EVERYTHING.fields.map((f) => [f.name, [f.offset, f.size]]))
    expect(at).toEqual({
      a8: [8, 1],
      b64: [16, 8],
      c16: [24, 2],
      d8: [26, 1],
      e32: [28, 4],
      f16: [32, 2],
      g64: [40, 8],
      h: [48, 1],
      i: [52, 4],
      j: [56, 4],
      k: [64, 8],
      l: [72, 8],
      comm: [80, 16],
      u16s: [96, 6],
      s64s: [104, 16],
      path: [120, 4],
      ids: [124, 4],
      deltas: [128, 4],
      bytes: [132, 4],
      label: [136, 4],
    })
    expect(EVERYTHING.fixedSize).toBe(140)
    expect(EVERYTHING.formatText).toContain(
      '\tfield:__data_loc s64[] deltas;\toffset:128;\tsize:4;\tsigned:1;\n',
    )
    expect(EVERYTHING.formatText).toContain(
      '\tfield:char comm[16];\toffset:80;\tsize:16;\tsigned:0;\n',
    )
    expect(EVERYTHING.formatText).toContain(
      '\tfield:unsigned long l;\toffset:72;\tsize:8;\tsigned:0;\n',
    )
  })

  it('refuses bad definitions with typed errors', () => {
    const ids = new EventIdAllocator()
    const def = (fields: never[] | object[], name = 'x'): unknown =>
      defineEvent({ system: 'onering', name, fields: fields as never }, ids)
    expect(() => def([], 'bad-name')).toThrow(TypeError)
    expect(() => def([{ name: 'common_pid', type: 'u8' }])).toThrow(/common_pid/)
    expect(() =>
      def([
        { name: 'a', type: 'u8' },
        { name: 'a', type: 'u8' },
      ]),
    ).toThrow(/repeats/)
    expect(() => def([{ name: 'a', type: 'float' }])).toThrow(/not a field type/)
    expect(() => def([{ name: 'a', type: 'u8', array: 0 }])).toThrow(RangeError)
    expect(() =>
      def([
        { name: 'a', type: 'char', array: 'trailing' },
        { name: 'b', type: 'u8' },
      ]),
    ).toThrow(/must be the last/)
    expect(() =>
      def([
        { name: 's', type: 'string' },
        { name: 'a', type: 'char', array: 'trailing' },
      ]),
    ).toThrow(/__data_loc/)
  })
})

describe('event ids', () => {
  it('user events never get an ftrace id; fixed ids are checked', () => {
    const ids = new EventIdAllocator()
    expect(ids.next()).toBe(FIRST_USER_EVENT_ID)
    for (const id of Object.values(FTRACE_EVENT_IDS)) {
      expect(ids.isTaken(id)).toBe(true)
      expect(() => ids.reserve(id)).toThrow(/built-in ftrace/)
    }
    expect(ids.reserve(40000)).toBe(40000)
    expect(() => ids.reserve(40000)).toThrow(/taken/)
    expect(() => ids.reserve(65536)).toThrow(/u16/)
    const low = new EventIdAllocator(32)
    const got = new Set<number>()
    for (let k = 0; k < 100; k++) got.add(low.next())
    expect(Math.min(...got)).toBe(32)
    expect(got.size).toBe(100)
    expect(() => new EventIdAllocator(5)).toThrow(RangeError)
    const top = new EventIdAllocator(65535)
    expect(top.next()).toBe(65535)
    expect(() => top.next()).toThrow(/no event id left/)
  })
})

describe("encoder: the kernel's own print events", () => {
  const pages = fixture('trace-cmd/basic.cpu0.raw')
  const events = rawEvents(pages)
  const prints = events.filter((e) => pages[e.offset] === 5 && pages[e.offset + 1] === 0)

  it("re-encodes every trace_marker event of the fixture to the kernel's bytes", () => {
    expect(prints).toHaveLength(74) // test/fixtures/kernel/README.md
    const dv = new DataView(pages.buffer, pages.byteOffset)
    const enc = new EventEncoder(FTRACE_PRINT)
    const slot = new Uint8Array(4096)
    const view = new DataView(slot.buffer)
    for (const e of prints) {
      const k = pages.subarray(e.offset, e.offset + e.length)
      // the kernel's text: from byte 16 to the NUL, without the newline it appended
      let nul = 16
      while (k[nul] !== 0) nul++
      expect(k[nul - 1]).toBe(0x0a)
      const text = latin1.decode(k.subarray(16, nul - 1))
      slot.fill(0xee)
      enc.begin(slot, view, 0, printEventSize(text), dv.getInt32(e.offset + 4, true), k[2], k[3])
      enc.setNumber64(0, dv.getUint32(e.offset + 12, true), dv.getUint32(e.offset + 8, true))
      enc.setMarkerText(1, text)
      const n = enc.end()
      expect(n).toBe(nul + 1)
      expect(n).toBe(printEventSize(text))
      expect(Buffer.from(slot.subarray(0, n))).toEqual(Buffer.from(k.subarray(0, n)))
    }
  })

  it('a text that already ends with a newline gets none added', () => {
    const slot = new Uint8Array(64)
    const enc = new EventEncoder(FTRACE_PRINT)
    enc.begin(slot, new DataView(slot.buffer), 0, 64, 1)
    expect(enc.setMarkerText(1, 'x\n')).toBe(3)
    expect(enc.end()).toBe(printEventSize('x\n'))
    expect([...slot.subarray(16, 19)]).toEqual([0x78, 0x0a, 0])
  })
})

describe('encoder: dynamic strings and arrays', () => {
  it('writes __data_loc words (offset low, length high), strings with their NUL, no allocation', () => {
    const enc = new EventEncoder(SPAN)
    const name = 'réq-0' // 6 UTF-8 bytes
    expect(stringFieldSize(name)).toBe(7)
    const size = enc.size(stringFieldSize(name))
    const slot = new Uint8Array(100)
    const dv = new DataView(slot.buffer)
    enc.begin(slot, dv, 4, size, 4242, 1, 2)
    enc.setNumber(0, 7)
    enc.setNumber(1, -1)
    enc.setNumber(2, 2 ** 40 + 3)
    enc.setString(3, name)
    enc.setString(4, 'tag-too-long')
    expect(enc.end()).toBe(size)
    const base = 4
    expect(dv.getUint16(base, true)).toBe(SPAN.id)
    expect([slot[base + 2], slot[base + 3], dv.getInt32(base + 4, true)]).toEqual([1, 2, 4242])
    expect(dv.getUint32(base + 24, true)).toBe((7 << 16) | SPAN.fixedSize)
    expect(Buffer.from(slot.subarray(base + 36, base + 43)).toString('utf8')).toBe(`${name}\0`)
    expect(Buffer.from(slot.subarray(base + 28, base + 36)).toString('latin1')).toBe('tag-too\0')
    expect(decodeEvent(SPAN.format, slot, base, size)).toEqual({
      common_type: SPAN.id,
      common_flags: 1,
      common_preempt_count: 2,
      common_pid: 4242,
      seq: 7,
      level: -1,
      dur: 2n ** 40n + 3n,
      name,
      tag: 'tag-too',
    })
  })

  it('refuses what does not fit, with RangeError', () => {
    const enc = new EventEncoder(SPAN)
    const slot = new Uint8Array(64)
    const dv = new DataView(slot.buffer)
    expect(() => {
      enc.begin(slot, dv, 0, SPAN.fixedSize - 1, 1)
    }).toThrow(RangeError)
    enc.begin(slot, dv, 0, SPAN.fixedSize + 4, 1)
    expect(() => enc.setString(3, 'long string')).toThrow(/does not fit/)
    expect(() => {
      enc.setNumber(99, 1)
    }).toThrow(/not a field/)
    expect(() => {
      enc.setNumber64(0, 0, 0)
    }).toThrow(/64-bit/)
    expect(() => enc.setString(0, 'x')).toThrow(/char array/)
  })

  it('the fixed part is zeroed at begin (no stale bytes from the slot)', () => {
    const enc = new EventEncoder(EVERYTHING)
    const slot = new Uint8Array(512).fill(0xff)
    enc.begin(slot, new DataView(slot.buffer), 0, 512, 1)
    expect(slot.subarray(COMMON_FIELDS_SIZE, EVERYTHING.fixedSize).every((b) => b === 0)).toBe(true)
  })
})

describe('utf8', () => {
  it('matches TextEncoder, also for surrogate pairs and lone surrogates', () => {
    const te = new TextEncoder()
    for (const s of ['', 'abc', 'é', '€', '😀x', 'a\ud800b', '\udc00', 'ÿ'.repeat(5)]) {
      const want = te.encode(s)
      expect(utf8Length(s)).toBe(want.length)
      const b = new Uint8Array(want.length + 2)
      expect(writeUtf8(b, 1, s, want.length)).toBe(want.length)
      expect([...b.subarray(1, 1 + want.length)]).toEqual([...want])
    }
    // a character that does not fit whole is left out
    const b = new Uint8Array(4)
    expect(writeUtf8(b, 0, 'a😀', 4)).toBe(1)
  })
})
