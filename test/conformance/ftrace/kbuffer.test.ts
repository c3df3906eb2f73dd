/**
 * Conformance with libtraceevent's kbuffer, the parser trace-cmd and perf use for ftrace
 * sub-buffers: `kbuffer-check.c` (ours, built here against Debian's libtraceevent-dev) prints
 * kbuffer's view of a file of raw sub-buffers, and this suite compares it with
 *
 * (a) `decodeRawStream` on the real kernel pages of test/fixtures/kernel/ftrace: our decoder
 *     reads them exactly as kbuffer does;
 * (b) what the test itself wrote into onering with the ftrace client: kbuffer reads onering's
 *     pages back as the timestamps, sizes, payloads and lost counts that went in. Expected values
 *     here come from the test's inputs, the kernel files and the kernel's documented sizing rules,
 *     never from onering's decoder.
 *
 * Needs `pkg-config` + libtraceevent-dev and a C compiler (`$CC`, default `cc`). Without them the
 * suite is skipped with a warning, unless `CI` is set: then it fails, so CI always runs it
 * (`.ci/run` installs the packages).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RingBuffer } from '@onering/core'
import type { RingWriter } from '@onering/core'
import { decodeRawStream, FTRACE_FLAG_ABSOLUTE, ftraceClient, SubbufReader } from '@onering/ftrace'

const SUBBUF = 4096
const HDR = 16
const T27 = 2 ** 27
const TYPE_PADDING = 29
const TYPE_TIME_EXTEND = 30
const TYPE_TIME_STAMP = 31

// ---- environment -----------------------------------------------------------------------

const CC = process.env['CC'] ?? 'cc'
const inCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return r.error === undefined && r.status === 0
}

const missing = !runs('pkg-config', ['--exists', 'libtraceevent'])
  ? 'libtraceevent (`pkg-config --exists libtraceevent` failed; install pkg-config and libtraceevent-dev)'
  : !runs(CC, ['--version'])
    ? `a C compiler (\`${CC} --version\` failed; set CC or install gcc)`
    : null

if (missing !== null) {
  if (inCi) {
    describe('kbuffer conformance (CI)', () => {
      it('has libtraceevent and a C compiler', () => {
        throw new Error(
          `kbuffer conformance cannot run: missing ${missing}. CI must run it: .ci/run installs libtraceevent-dev.`,
        )
      })
    })
  } else {
    console.warn(
      `\n[kbuffer conformance] SKIPPED: missing ${missing}.\n` +
        '  Install them (Debian: apt-get install libtraceevent-dev pkg-config) to check onering against libtraceevent; with CI set this is a failure.\n',
    )
  }
}

// ---- the checker -----------------------------------------------------------------------

interface KRaw {
  offset: number
  type: number
  length: number
  delta: string
}
interface KPage {
  index: number
  ts: string
  size: number
  start: number
  raw: KRaw[]
}
interface KEvent {
  page: number
  ts: string
  eventSize: number
  currSize: number
  currOffset: number
  missed: number
  payload: string
}
interface KView {
  pages: KPage[]
  events: KEvent[]
}

let dir = ''
let checker = ''

function build(): void {
  dir = mkdtempSync(join(tmpdir(), 'onering-kbuffer-'))
  checker = join(dir, 'kbuffer-check')
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libtraceevent'], {
    encoding: 'utf8',
  })
  if (flags.status !== 0)
    throw new Error(`pkg-config --cflags --libs libtraceevent: ${flags.stderr}`)
  const src = fileURLToPath(new URL('./kbuffer-check.c', import.meta.url))
  const args = [
    '-std=c11',
    '-O2',
    '-Wall',
    '-Wextra',
    '-o',
    checker,
    src,
    ...flags.stdout.trim().split(/\s+/),
  ]
  const cc = spawnSync(CC, args, { encoding: 'utf8' })
  if (cc.status !== 0) throw new Error(`${CC} ${args.join(' ')} failed:\n${cc.stderr}`)
}

function runChecker(
  file: string,
  subbufSize = SUBBUF,
): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(checker, [file, String(subbufSize)], { encoding: 'utf8', maxBuffer: 1 << 28 })
}

/** kbuffer's view of `bytes` (written to a temp file), or a failure with the checker's message. */
function kbuffer(bytes: Uint8Array, name: string, subbufSize = SUBBUF): KView {
  const file = join(dir, `${name}.raw`)
  writeFileSync(file, bytes)
  const r = runChecker(file, subbufSize)
  expect(r.status, `kbuffer-check ${name}: ${r.stderr}`).toBe(0)
  const view: KView = { pages: [], events: [] }
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue
    const f = line.split(' ')
    if (f[0] === 'P')
      view.pages.push({
        index: Number(f[1]),
        ts: f[2]!,
        size: Number(f[3]),
        start: Number(f[4]),
        raw: [],
      })
    else if (f[0] === 'R') {
      const page = view.pages[Number(f[1])]!
      page.raw.push({
        offset: Number(f[2]),
        type: Number(f[3]),
        length: Number(f[4]),
        delta: f[5]!,
      })
    } else if (f[0] === 'E')
      view.events.push({
        page: Number(f[1]),
        ts: f[2]!,
        eventSize: Number(f[3]),
        currSize: Number(f[4]),
        currOffset: Number(f[5]),
        missed: Number(f[6]),
        payload: f[7] === '-' ? '' : f[7]!,
      })
    else throw new Error(`kbuffer-check ${name}: unexpected line ${line}`)
  }
  return view
}

/** The raw record (kbuffer_raw_get) at `offset` of page `page`, if one starts there. */
function rawAt(view: KView, page: number, offset: number): KRaw | undefined {
  return view.pages[page]!.raw.find((r) => r.offset === offset)
}

/** The TIME_EXTEND / TIME_STAMP record kbuffer skipped to reach event `e`, if any. */
function timePrefix(view: KView, e: KEvent): KRaw | undefined {
  const r = rawAt(view, e.page, e.currOffset - 8)
  return r !== undefined && (r.type === TYPE_TIME_EXTEND || r.type === TYPE_TIME_STAMP)
    ? r
    : undefined
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/kernel/ftrace/${name}`, import.meta.url)))

// ---- the kernel's sizing rules (reference §2), written independently of onering ---------

/** Bytes of a data event holding `len` payload bytes (rb_calculate_event_length). */
function eventBytes(len: number): number {
  const data = Math.max(4, Math.ceil(len / 4) * 4)
  const total = data <= 112 ? 4 + data : 8 + data
  return total === 12 ? 16 : total
}
/** The event's type_len: the payload words for a small event, 0 when array[0] holds the length. */
function typeLen(len: number): number {
  return len <= 112 ? (eventBytes(len) - 4) / 4 : 0
}
/** kbuffer_event_size for a payload of `len` bytes: the payload area, rounded up to 4. */
function kbufferEventSize(len: number): number {
  return typeLen(len) === 0 ? eventBytes(len) - 8 : eventBytes(len) - 4
}

// ---- writing onering pages ---------------------------------------------------------------

interface Input {
  ts: number
  payload: Uint8Array
  /** Time since the previous reservation (what the event header or a TIME_EXTEND carries). */
  delta: number
}

function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len)
  for (let j = 0; j < len; j++) b[j] = (seed * 31 + j * 7 + 1) & 0xff
  return b
}

function put(w: RingWriter, len: number, ts: number, payload: Uint8Array): void {
  const off = w.reserve(len, ts)
  expect(off, `reserve(${len}, ${ts})`).toBeGreaterThan(0)
  w.bytes.set(payload, off)
}

/** Hand out every sub-buffer of ring 0 as trace_pipe_raw would, copied back to back. */
function handOut(rb: RingBuffer): Uint8Array {
  const r = rb.reader()
  const pages: Uint8Array[] = []
  for (let lease = r.takeSubbuf(0); lease !== null; lease = r.takeSubbuf(0)) {
    pages.push(rb.subbufBytes(0, lease.id).slice())
    rb.releaseSubbuf(lease)
  }
  const out = new Uint8Array(pages.length * SUBBUF)
  pages.forEach((p, k) => {
    out.set(p, k * SUBBUF)
  })
  return out
}

/** Event-by-event: kbuffer's timestamps, sizes and payloads are what the test wrote. */
function expectWritten(view: KView, inputs: Input[]): void {
  expect(view.events).toHaveLength(inputs.length)
  const got = view.events.map((e, k) => ({
    ts: e.ts,
    eventSize: e.eventSize,
    currSize: e.currSize,
    payload: e.payload.slice(0, 2 * (inputs[k]?.payload.length ?? 0)),
  }))
  const want = inputs.map((x) => ({
    ts: String(x.ts),
    eventSize: kbufferEventSize(x.payload.length),
    currSize: eventBytes(x.payload.length),
    payload: hex(x.payload),
  }))
  expect(got).toEqual(want)
  // each event is a data record of the expected type_len at curr_offset
  view.events.forEach((e, k) => {
    expect(rawAt(view, e.page, e.currOffset)?.type, `event ${k}: type_len`).toBe(
      typeLen(inputs[k]!.payload.length),
    )
  })
}

// ---- the suites ---------------------------------------------------------------------------

describe.skipIf(missing !== null)('libtraceevent kbuffer conformance', () => {
  beforeAll(build)
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  describe('(a) decodeRawStream reads the kernel pages exactly as kbuffer does', () => {
    // event counts from test/fixtures/kernel/README.md
    for (const [name, count] of [
      ['basic.cpu0.raw', 74],
      ['overwrite.cpu0.raw', 301],
      ['discard.cpu0.raw', 381],
      ['mmap.reader', 20],
    ] as const) {
      it(name, () => {
        const raw = fixture(name)
        const k = kbuffer(raw, name)
        expect(k.events).toHaveLength(count)
        expect(k.pages).toHaveLength(raw.length / SUBBUF)

        // pages: time_stamp, commit length and lost count
        const r = new SubbufReader(raw, SUBBUF)
        for (const p of k.pages) {
          r.load(p.index * SUBBUF)
          expect({ ts: String(r.pageTimestamp), size: r.dataBytes }, `page ${p.index}`).toEqual({
            ts: p.ts,
            size: p.size,
          })
        }

        // events, in SubbufEvent terms: kbuffer's curr_size / curr_offset leave out the
        // TIME_EXTEND or TIME_STAMP in front, which SubbufEvent counts in size / eventOffset
        const theirs = k.events.map((e) => {
          const prefix = timePrefix(k, e) !== undefined ? 8 : 0
          return {
            page: e.page,
            timestamp: e.ts,
            length: e.eventSize,
            size: e.currSize + prefix,
            eventOffset: e.currOffset - HDR - prefix,
            missed: e.missed,
            payload: e.payload,
          }
        })
        const ours: typeof theirs = []
        decodeRawStream(raw, SUBBUF, (ev, page) => {
          ours.push({
            page,
            timestamp: String(ev.timestamp),
            length: ev.length,
            size: ev.size,
            eventOffset: ev.eventOffset,
            missed: ev.missed,
            payload: hex(raw.subarray(ev.offset, ev.offset + ev.length)),
          })
        })
        expect(ours).toEqual(theirs)
      })
    }

    it('kbuffer sees the README facts: a TIME_EXTEND after the 200 ms gap, 4699 stored lost events', () => {
      const basic = kbuffer(fixture('basic.cpu0.raw'), 'basic-facts')
      const ext = basic.events.filter((e) => timePrefix(basic, e)?.type === TYPE_TIME_EXTEND)
      expect(ext).toHaveLength(1)
      expect(Buffer.from(unhex(ext[0]!.payload).subarray(16)).toString('latin1')).toMatch(
        /^after-200ms-gap\n/,
      )
      const ow = kbuffer(fixture('overwrite.cpu0.raw'), 'overwrite-facts')
      expect(ow.events[0]!.missed).toBe(4699)
      expect(ow.pages[0]!.size).toBe(4064)
      expect(ow.events.slice(1).every((e) => e.missed === 0)).toBe(true)
    })
  })

  describe('(b) kbuffer reads onering pages as what was written', () => {
    it('the basic fixture replayed through the ftrace client reads as the kernel pages', () => {
      // the inputs: kbuffer's own reading of the kernel pages
      const kernel = kbuffer(fixture('basic.cpu0.raw'), 'basic-kernel')
      const rb = RingBuffer.create({
        client: ftraceClient,
        size: 1 << 16,
        subbufSize: SUBBUF,
        publishBatch: 1,
      })
      const w = rb.writer(0)
      for (const e of kernel.events) {
        const payload = unhex(e.payload)
        put(w, payload.length, Number(e.ts), payload)
        w.commit()
      }
      w.flush()
      const ours = kbuffer(handOut(rb), 'basic-onering')
      // everything kbuffer sees is the same: page headers, every raw record, every event
      expect(ours).toEqual(kernel)
    })

    it('payloads 0..130, TIME_EXTEND gaps, a nested discard, page boundaries', () => {
      const rb = RingBuffer.create({
        client: ftraceClient,
        size: 1 << 16,
        subbufSize: SUBBUF,
        mode: 'produce-consume',
        publishBatch: 1,
      })
      const w = rb.writer(0)
      const inputs: Input[] = []
      const gaps = new Map([
        [40, T27 - 1], // the largest delta an event header holds
        [41, T27], // the smallest that needs a TIME_EXTEND
        [90, 2 ** 40 + 7], // a TIME_EXTEND with high bits in array[0]
      ])
      let ts = 1_000_000
      let last = ts
      const discardedLen = 50
      for (let len = 0; len <= 130; len++) {
        ts += gaps.get(len) ?? (len % 5 === 0 ? 0 : len * 37)
        const payload = pattern(len, len)
        put(w, len, ts, payload)
        w.commit()
        inputs.push({ ts, payload, delta: ts - last })
        last = ts
        if (len === 60) {
          // A is reserved, B is written inside it, then A is discarded: it is not the last
          // thing written, so it stays as padding (keeping its delta 300)
          const tA = ts + 300
          const tB = tA + 200
          put(w, discardedLen, tA, pattern(999, discardedLen))
          const b = pattern(1000, 20)
          put(w, 20, tB, b)
          w.commit()
          w.discard()
          inputs.push({ ts: tB, payload: b, delta: tB - tA })
          ts = last = tB
        }
      }
      w.flush()
      expect(rb.stats(0).discarded).toBe(1)
      const k = kbuffer(handOut(rb), 'synthetic')
      expect(k.pages.length).toBeGreaterThanOrEqual(3)
      expectWritten(k, inputs)
      expect(k.events.every((e) => e.missed === 0)).toBe(true)

      // type_len: payload 0 counts as 1 word, 8 makes a 12-byte event that grows to 16, >112 uses array[0]
      const typeOf = (len: number): number | undefined => {
        const e = k.events[inputs.findIndex((x) => x.payload.length === len)]!
        return rawAt(k, e.page, e.currOffset)?.type
      }
      expect([typeOf(0), typeOf(4), typeOf(8), typeOf(112), typeOf(113), typeOf(130)]).toEqual([
        1, 1, 3, 28, 0, 0,
      ])
      expect(k.events[inputs.findIndex((x) => x.payload.length === 0)]!.currSize).toBe(8)
      expect(k.events[inputs.findIndex((x) => x.payload.length === 8)]!.currSize).toBe(16)

      // time records: a page starts at its first event's timestamp; after that an event with a
      // delta of 2^27 or more has a TIME_EXTEND of exactly that delta in front, others none
      let extends_ = 0
      k.events.forEach((e, n) => {
        const x = inputs[n]!
        const prefix = timePrefix(k, e)
        if (n === 0 || k.events[n - 1]!.page !== e.page) {
          expect(e.currOffset, `event ${n} opens page ${e.page}`).toBe(HDR)
          expect(k.pages[e.page]!.ts, `event ${n} opens page ${e.page}`).toBe(String(x.ts))
        } else if (x.delta >= T27) {
          expect(prefix, `event ${n}: TIME_EXTEND for delta ${x.delta}`).toEqual({
            offset: e.currOffset - 8,
            type: TYPE_TIME_EXTEND,
            length: 0,
            delta: String(x.delta),
          })
          extends_++
        } else {
          expect(prefix, `event ${n}: delta ${x.delta} fits the header`).toBeUndefined()
          expect(rawAt(k, e.page, e.currOffset)!.delta, `event ${n}: header delta`).toBe(
            String(x.delta),
          )
        }
      })
      expect(extends_).toBe(2)

      // the discarded reservation: one padding record right before B, its length, its delta
      const paddings = k.pages.flatMap((p) =>
        p.raw.filter((r) => r.type === TYPE_PADDING).map((r) => ({ page: p.index, ...r })),
      )
      const bIndex = inputs.findIndex(
        (x) => x.payload.length === 20 && x.payload[0] === pattern(1000, 1)[0],
      )
      const b = k.events[bIndex]!
      expect(paddings).toEqual([
        {
          page: b.page,
          offset: b.currOffset - eventBytes(discardedLen),
          type: TYPE_PADDING,
          length: eventBytes(discardedLen) - 4,
          delta: '300',
        },
      ])
    })

    it('absolute timestamps: a TIME_STAMP before every event', () => {
      const rb = RingBuffer.create({
        client: ftraceClient,
        size: 1 << 15,
        subbufSize: SUBBUF,
        mode: 'produce-consume',
        publishBatch: 1,
      })
      rb.clientFlags = FTRACE_FLAG_ABSOLUTE
      const w = rb.writer(0)
      const inputs: Input[] = []
      let ts = 5_000_000_000 // above 2^32: TIME_STAMP's array[0] holds high bits
      for (let i = 0; i < 120; i++) {
        const delta = i % 7 === 0 ? 0 : i === 30 ? T27 + 5 : i === 31 ? 2 ** 45 : 1000 + i
        ts += delta
        const payload = pattern(i, (i * 13) % 131)
        put(w, payload.length, ts, payload)
        w.commit()
        inputs.push({ ts, payload, delta })
      }
      w.flush()
      const k = kbuffer(handOut(rb), 'absolute')
      expect(k.pages.length).toBeGreaterThanOrEqual(2)
      expectWritten(k, inputs)
      k.events.forEach((e, n) => {
        expect(timePrefix(k, e), `event ${n}`).toEqual({
          offset: e.currOffset - 8,
          type: TYPE_TIME_STAMP,
          length: 0,
          delta: String(inputs[n]!.ts),
        })
      })
      expect(k.pages.flatMap((p) => p.raw).filter((r) => r.type === TYPE_TIME_EXTEND)).toEqual([])
      for (const p of k.pages) {
        const first = k.events.findIndex((e) => e.page === p.index)
        expect(p.ts).toBe(String(inputs[first]!.ts))
        expect(p.raw[0]!.type).toBe(TYPE_TIME_STAMP)
      }
    })

    for (const [what, len, stored] of [
      ['RB_MISSED_EVENTS | RB_MISSED_STORED with the count after the data', 24, true],
      ['RB_MISSED_EVENTS without room for the count (-1)', 16, false],
    ] as const) {
      it(`overwrite with lost events: ${what}`, () => {
        const rb = RingBuffer.create({
          client: ftraceClient,
          size: 8192,
          subbufSize: SUBBUF,
          mode: 'overwrite',
          publishBatch: 1,
        })
        const w = rb.writer(0)
        const inputs: Input[] = []
        const n = 1000
        for (let i = 0; i < n; i++) {
          const payload = pattern(i, len)
          new DataView(payload.buffer).setUint32(0, i, true)
          const ts = 10_000_000 + i * 1000
          put(w, len, ts, payload)
          w.commit()
          inputs.push({ ts, payload, delta: i === 0 ? 0 : 1000 })
        }
        w.flush()
        const bytes = handOut(rb)
        const k = kbuffer(bytes, `overwrite-${len}`)
        // what survives is the newest events, in order; the first page reports the rest lost
        const first = new DataView(unhex(k.events[0]!.payload).buffer).getUint32(0, true)
        expect(first).toBeGreaterThan(0)
        expectWritten(k, inputs.slice(first))
        expect(k.events[0]!.missed).toBe(stored ? first : -1)
        expect(k.events.slice(1).filter((e) => e.missed !== 0)).toEqual([])
        // the commit word as the kernel writes it: flags in bits 31/30, sign-extended to 64 bits
        const dv = new DataView(bytes.buffer, bytes.byteOffset)
        expect(dv.getUint32(8, true) >>> 30).toBe(stored ? 3 : 2)
        expect(dv.getUint32(12, true)).toBe(0xffffffff)
        expect(k.pages[0]!.size + (stored ? 8 : 0)).toBeLessThanOrEqual(SUBBUF - HDR)
        if (!stored) expect(k.pages[0]!.size).toBeGreaterThan(SUBBUF - HDR - 8)
      })
    }

    it('absolute timestamps with lost events: kbuffer reports no loss when a TIME_STAMP comes first', () => {
      // The page is right: RB_MISSED_EVENTS | RB_MISSED_STORED and the count after the data, as
      // the kernel writes it in this mode (its first event keeps its TIME_STAMP too). But
      // kbuffer_missed_events answers only while the current record is the first of the page, and
      // kbuffer stands on the data event after the TIME_STAMP: it says 0. trace-cmd therefore
      // loses the count in absolute mode, on kernel pages as on ours; SubbufReader reports it.
      const rb = RingBuffer.create({
        client: ftraceClient,
        size: 8192,
        subbufSize: SUBBUF,
        mode: 'overwrite',
        publishBatch: 1,
      })
      rb.clientFlags = FTRACE_FLAG_ABSOLUTE
      const w = rb.writer(0)
      const inputs: Input[] = []
      for (let i = 0; i < 1000; i++) {
        const payload = pattern(i, 24)
        new DataView(payload.buffer).setUint32(0, i, true)
        const ts = 10_000_000 + i * 1000
        put(w, 24, ts, payload)
        w.commit()
        inputs.push({ ts, payload, delta: i === 0 ? 0 : 1000 })
      }
      w.flush()
      const bytes = handOut(rb)
      const k = kbuffer(bytes, 'absolute-overwrite')
      const first = new DataView(unhex(k.events[0]!.payload).buffer).getUint32(0, true)
      expect(first).toBeGreaterThan(0)
      expectWritten(k, inputs.slice(first))
      const dv = new DataView(bytes.buffer, bytes.byteOffset)
      expect(dv.getUint32(8, true) >>> 30).toBe(3)
      expect(dv.getBigUint64(HDR + k.pages[0]!.size, true)).toBe(BigInt(first))
      expect(k.pages[0]!.raw[0]!.type).toBe(TYPE_TIME_STAMP)
      expect(k.events.map((e) => e.missed).filter((m) => m !== 0)).toEqual([])
      let ours = 0
      decodeRawStream(bytes, SUBBUF, (ev) => {
        ours += ev.missed
      })
      expect(ours).toBe(first)
    })

    it('a discarded event with delta 0 becomes padding with delta 1 (rb_event_discard), which kbuffer adds', () => {
      // kbuffer adds every padding's delta; the kernel's own reader ignores it. So after such a
      // padding kbuffer reads the page's later events 1 ns late, with kernel pages as with ours.
      const rb = RingBuffer.create({
        client: ftraceClient,
        size: 1 << 14,
        subbufSize: SUBBUF,
        mode: 'produce-consume',
        publishBatch: 1,
      })
      const w = rb.writer(0)
      const x = pattern(1, 12)
      const y = pattern(2, 12)
      const b = pattern(3, 4)
      const c = pattern(4, 12)
      put(w, 12, 1000, x)
      w.commit()
      put(w, 12, 2000, y)
      w.commit()
      put(w, 10, 2000, pattern(5, 10)) // A: delta 0
      put(w, 4, 2050, b)
      w.commit()
      w.discard()
      put(w, 12, 2100, c)
      w.commit()
      w.flush()
      const k = kbuffer(handOut(rb), 'discard-delta0')
      expect(k.pages[0]!.raw.filter((r) => r.type === TYPE_PADDING)).toEqual([
        { offset: HDR + 16 + 16, type: TYPE_PADDING, length: eventBytes(10) - 4, delta: '1' },
      ])
      expect(k.events.map((e) => [e.ts, e.payload.slice(0, 8)])).toEqual([
        ['1000', hex(x).slice(0, 8)],
        ['2000', hex(y).slice(0, 8)],
        ['2051', hex(b)],
        ['2101', hex(c).slice(0, 8)],
      ])
    })
  })

  describe('the harness notices damage', () => {
    function replayBasic(): Uint8Array {
      const kernel = fixture('basic.cpu0.raw')
      const rb = RingBuffer.create({
        client: ftraceClient,
        size: 1 << 16,
        subbufSize: SUBBUF,
        publishBatch: 1,
      })
      const w = rb.writer(0)
      decodeRawStream(kernel, SUBBUF, (ev) => {
        put(w, ev.length, ev.timestamp, kernel.subarray(ev.offset, ev.offset + ev.length))
        w.commit()
      })
      w.flush()
      return handOut(rb)
    }

    it('one payload byte changed in a page: kbuffer no longer reads the kernel events', () => {
      const kernel = kbuffer(fixture('basic.cpu0.raw'), 'damage-kernel')
      const bytes = replayBasic()
      expect(kbuffer(bytes, 'damage-clean')).toEqual(kernel)
      const e = kernel.events[3]!
      const at = e.currOffset + 4 + 16 // a letter of the marker text
      bytes[at] = bytes[at]! ^ 0x20
      expect(kbuffer(bytes, 'damage-payload').events).not.toEqual(kernel.events)
    })

    it('a commit length past the data or an event length past the commit: the checker fails', () => {
      const bytes = replayBasic()
      const dv = new DataView(bytes.buffer, bytes.byteOffset)
      const commit = bytes.slice()
      new DataView(commit.buffer).setUint32(8, SUBBUF, true)
      writeFileSync(join(dir, 'bad-commit.raw'), commit)
      const r1 = runChecker(join(dir, 'bad-commit.raw'))
      expect(r1.status).toBe(1)
      expect(r1.stderr).toMatch(/commit length exceeds/)
      // the 2000-byte event on page 1 is type_len 0: make array[0] run past the commit
      const long = bytes.slice()
      expect(dv.getUint32(SUBBUF + HDR, true) & 31).toBe(0)
      new DataView(long.buffer).setUint32(SUBBUF + HDR + 4, 4000, true)
      writeFileSync(join(dir, 'bad-length.raw'), long)
      const r2 = runChecker(join(dir, 'bad-length.raw'))
      expect(r2.status).toBe(1)
      expect(r2.stderr).toMatch(/past the commit length/)
    })
  })
})
