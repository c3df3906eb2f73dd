/**
 * The kbuffer API of `@onering/ftrace` against libtraceevent's own kbuffer: `kbuffer-check.c`
 * walks every sub-buffer with the C library (kbuffer_load_subbuffer, kbuffer_raw_get,
 * kbuffer_read_event / kbuffer_next_event and the kbuffer_curr_* / missed / size getters) and
 * prints what it sees; the same walk written with the TypeScript functions, line for line as the
 * C loop, must print the same text — on the real kernel pages of test/fixtures/kernel/ftrace and
 * on pages onering wrote (relative and absolute timestamps, TIME_EXTENDs, paddings, lost events).
 *
 * Needs `pkg-config` + libtraceevent-dev and a C compiler; skipped with a warning without them,
 * a failure when `CI` is set.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RingBuffer } from '@onering/core'
import {
  FTRACE_FLAG_ABSOLUTE,
  ftraceClient,
  kbuffer_alloc,
  kbuffer_curr_index,
  kbuffer_curr_offset,
  kbuffer_curr_size,
  kbuffer_event_size,
  kbuffer_free,
  kbuffer_load_subbuffer,
  kbuffer_missed_events,
  kbuffer_next_event,
  kbuffer_raw_get,
  kbuffer_read_at_offset,
  kbuffer_read_event,
  kbuffer_start_of_data,
  kbuffer_subbuf_timestamp,
  kbuffer_subbuffer_size,
  kbuffer_timestamp,
  KBUFFER_ENDIAN_BIG,
  KBUFFER_ENDIAN_LITTLE,
  KBUFFER_LSIZE_8,
} from '@onering/ftrace'
import type { KbufferRawInfo } from '@onering/ftrace'
import {
  buildKbufferChecker,
  kbufferMissing,
  reportMissingOracle,
  removeKbufferChecker,
  runKbufferChecker,
} from './kbuffer-oracle.js'

const SUBBUF = 4096
const HDR = 16

reportMissingOracle('kbuffer API conformance')

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/kernel/ftrace/${name}`, import.meta.url)))

/** kbuffer-check.c's walk, ported line by line onto the TypeScript kbuffer API. */
function walk(bytes: Uint8Array, subbufSize: number): string {
  const out: string[] = []
  const kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE)
  for (let p = 0; p * subbufSize < bytes.length; p++) {
    const page = bytes.subarray(p * subbufSize, (p + 1) * subbufSize)
    expect(kbuffer_load_subbuffer(kb, page)).toBe(0)
    const size = kbuffer_subbuffer_size(kb)
    out.push(`P ${p} ${kbuffer_subbuf_timestamp(kb, page)} ${size} ${kbuffer_start_of_data(kb)}`)
    const info: KbufferRawInfo = { type: 0, length: 0, delta: 0, next: HDR }
    const end = HDR + size
    for (;;) {
      const at = info.next
      if (at === end) break
      expect(at).toBeLessThan(end)
      expect(kbuffer_raw_get(kb, page, info)).toBe(info)
      out.push(`R ${p} ${at} ${info.type} ${info.length} ${info.delta}`)
    }
    const ts = { value: 0 }
    for (let data = kbuffer_read_event(kb, ts); data !== null; data = kbuffer_next_event(kb, ts)) {
      const eventSize = kbuffer_event_size(kb)
      // in place: the payload is a view into the page, where the kbuffer says it is
      expect(data.buffer).toBe(bytes.buffer)
      expect(data.byteOffset - page.byteOffset).toBe(
        kbuffer_curr_offset(kb) + kbuffer_curr_size(kb) - eventSize,
      )
      expect(kbuffer_timestamp(kb)).toBe(ts.value)
      out.push(
        `E ${p} ${ts.value} ${eventSize} ${kbuffer_curr_size(kb)} ${kbuffer_curr_offset(kb)} ` +
          `${kbuffer_missed_events(kb)} ${eventSize === 0 ? '-' : hex(data)}`,
      )
    }
  }
  kbuffer_free(kb)
  return out.join('\n') + (out.length > 0 ? '\n' : '')
}

function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len)
  for (let j = 0; j < len; j++) b[j] = (seed * 31 + j * 7 + 1) & 0xff
  return b
}

/** Write events into ring 0 and hand out every sub-buffer as trace_pipe_raw would. */
function oneringPages(
  mode: 'produce-consume' | 'overwrite',
  absolute: boolean,
  size: number,
  events: { len: number; ts: number }[],
  discardEvery = 0,
): Uint8Array {
  const rb = RingBuffer.create({
    client: ftraceClient,
    size,
    subbufSize: SUBBUF,
    mode,
    publishBatch: 1,
  })
  if (absolute) rb.clientFlags = FTRACE_FLAG_ABSOLUTE
  const w = rb.writer(0)
  events.forEach((e, k) => {
    const off = w.reserve(e.len, e.ts)
    if (off <= 0) throw new Error(`reserve ${e.len} failed`)
    w.bytes.set(pattern(k, e.len), off)
    if (discardEvery > 0 && k % discardEvery === discardEvery - 1) {
      // a nested event inside the reservation, then the outer one discarded: a padding record
      const inner = w.reserve(8, e.ts + 1)
      w.bytes.set(pattern(k + 1000, 8), inner)
      w.commit()
      w.discard()
    } else w.commit()
  })
  w.flush()
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

function events(n: number, seed: number): { len: number; ts: number }[] {
  const out: { len: number; ts: number }[] = []
  let ts = 1_000_000 + seed
  for (let k = 0; k < n; k++) {
    const gap = k % 37 === 5 ? 2 ** 27 + k : k % 53 === 7 ? 2 ** 41 + 3 : (k * 97 + seed) % 5000
    ts += gap
    out.push({ len: (k * 29 + seed) % 180, ts })
  }
  return out
}

describe.skipIf(kbufferMissing !== null)('kbuffer API conformance (libtraceevent kbuffer)', () => {
  beforeAll(buildKbufferChecker)
  afterAll(removeKbufferChecker)

  for (const name of ['basic.cpu0.raw', 'discard.cpu0.raw', 'overwrite.cpu0.raw']) {
    it(`kernel pages ${name}: every page, raw record and event as C kbuffer`, () => {
      const bytes = fixture(name)
      const c = runKbufferChecker(name, bytes, SUBBUF)
      expect(c.split('\n').filter((l) => l.startsWith('E ')).length).toBeGreaterThan(10)
      expect(walk(bytes, SUBBUF)).toBe(c)
    })
  }

  it('trace.dat pages (trace-cmd restore, v6 flyrecord of CPU 0): as C kbuffer', () => {
    const dat = new Uint8Array(
      readFileSync(
        new URL(
          '../../../packages/trace-events/test/fixtures/trace-cmd/restore.v6.dat',
          import.meta.url,
        ),
      ),
    )
    // the flyrecord section: "flyrecord\0", then a u64 offset and a u64 size per CPU
    const at = Buffer.from(dat).indexOf('flyrecord\0')
    expect(at).toBeGreaterThan(0)
    const dv = new DataView(dat.buffer, dat.byteOffset)
    const offset = Number(dv.getBigUint64(at + 10, true))
    const size = Number(dv.getBigUint64(at + 18, true))
    expect(size % SUBBUF).toBe(0)
    const pages = dat.subarray(offset, offset + size)
    const c = runKbufferChecker('trace-dat-v6', pages, SUBBUF)
    expect(c.split('\n').filter((l) => l.startsWith('E ')).length).toBeGreaterThan(10)
    expect(walk(pages, SUBBUF)).toBe(c)
  })

  const cases: [string, () => Uint8Array][] = [
    [
      'relative timestamps, TIME_EXTENDs, sizes 0..179',
      () => oneringPages('produce-consume', false, 1 << 16, events(600, 1)),
    ],
    [
      'absolute timestamps (TIME_STAMP before every event)',
      () => oneringPages('produce-consume', true, 1 << 16, events(400, 2)),
    ],
    [
      'discarded events (paddings)',
      () => oneringPages('produce-consume', false, 1 << 16, events(300, 3), 4),
    ],
    [
      'overwrite with lost events (stored count)',
      () => oneringPages('overwrite', false, 8192, events(2000, 4)),
    ],
    [
      'overwrite, absolute, lost events',
      () => oneringPages('overwrite', true, 8192, events(2000, 5)),
    ],
  ]
  for (const [what, make] of cases) {
    it(`onering pages, ${what}: as C kbuffer`, () => {
      const bytes = make()
      const c = runKbufferChecker(what.replace(/\W+/g, '-'), bytes, SUBBUF)
      expect(c.split('\n').filter((l) => l.startsWith('E ')).length).toBeGreaterThan(10)
      expect(walk(bytes, SUBBUF)).toBe(c)
    })
  }

  it('kbuffer_read_at_offset lands on the event C lands on, at every record offset', () => {
    const bytes = fixture('basic.cpu0.raw')
    const c = runKbufferChecker('read-at-offset', bytes, SUBBUF)
    const page0 = c.split('\n').filter((l) => l.startsWith('E 0 '))
    const kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE)
    kbuffer_load_subbuffer(kb, bytes.subarray(0, SUBBUF))
    const ts = { value: 0 }
    for (const line of page0) {
      const f = line.split(' ')
      const offset = Number(f[5])
      // any offset inside the previous record lands on this one
      for (const at of [offset, offset - 3]) {
        const data = kbuffer_read_at_offset(kb, at, ts)
        expect(data).not.toBeNull()
        expect(kbuffer_curr_offset(kb), `offset ${at}`).toBe(offset)
        expect(String(ts.value)).toBe(f[2])
        expect(kbuffer_curr_index(kb)).toBe(offset - HDR)
      }
    }
    expect(kbuffer_read_at_offset(kb, SUBBUF, ts)).toBeNull()
  })

  it('big-endian pages (every word swapped) read as the little-endian ones', () => {
    const le = fixture('basic.cpu0.raw').subarray(0, SUBBUF)
    const kle = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE)
    kbuffer_load_subbuffer(kle, le)
    // build the big-endian page: header u64s and every record word swapped, payloads kept
    const be = new Uint8Array(le)
    const dvl = new DataView(le.buffer, le.byteOffset, le.byteLength)
    const dvb = new DataView(be.buffer)
    dvb.setBigUint64(0, dvl.getBigUint64(0, true), false)
    dvb.setBigUint64(8, dvl.getBigUint64(8, true), false)
    const info: KbufferRawInfo = { type: 0, length: 0, delta: 0, next: HDR }
    const end = HDR + kbuffer_subbuffer_size(kle)
    while (info.next < end) {
      const at = info.next
      kbuffer_raw_get(kle, le, info)
      const w = dvl.getUint32(at, true)
      dvb.setUint32(at, ((w & 31) << 27) | (w >>> 5), false)
      if (info.type === 0 || info.type >= 29)
        dvb.setUint32(at + 4, dvl.getUint32(at + 4, true), false)
    }
    const kbe = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_BIG)
    kbuffer_load_subbuffer(kbe, be)
    const a = { value: 0 }
    const b = { value: 0 }
    let n = 0
    for (
      let x = kbuffer_read_event(kle, a), y = kbuffer_read_event(kbe, b);
      x !== null || y !== null;
      x = kbuffer_next_event(kle, a), y = kbuffer_next_event(kbe, b)
    ) {
      expect(y && hex(y)).toBe(x && hex(x))
      expect(b.value).toBe(a.value)
      n++
    }
    expect(n).toBeGreaterThan(10)
  })
})
