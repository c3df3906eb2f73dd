/**
 * The trace-event write path: trace_event_buffer_reserve / commit, trace_event_write and
 * tracing_mark_write. Oracles: the kernel's own trace_marker pages (test/fixtures/kernel:
 * 74 markers written by Linux 6.18), replayed through tracing_mark_write at the kernel's
 * timestamps, give the kernel's event headers, sizes, page headers and payload bytes; the
 * kernel's struct layout rules for a user event (offsets written out by hand below); Linux's
 * thread ids (the main thread's tid is the process id; a worker's is another task of
 * /proc/self/task).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { defineEvent, EventEncoder, EventIdAllocator, stringFieldSize } from '@onering/trace-events'
import {
  EBADF,
  RB_FL_OVERWRITE,
  currentTid,
  decodeRawStream,
  ring_buffer_alloc,
  ring_buffer_lock_reserve,
  ring_buffer_record_off,
  trace_event_buffer_commit,
  trace_event_buffer_reserve,
  trace_event_write,
  tracing_mark_write,
} from '../src/index.js'
import { fixture, manualClock, readAllPages, u32, walkPage } from './helpers.js'

const latin1 = new TextDecoder('latin1')

describe('tracing_mark_write: the kernel print event of a trace_marker write', () => {
  it("replays the fixture's 74 markers into the kernel's pages (headers, sizes, payloads)", () => {
    const raw = fixture('basic.cpu0.raw')
    const kernel: { ts: number; offset: number; length: number }[] = []
    decodeRawStream(raw, 4096, (ev) =>
      kernel.push({ ts: ev.timestamp, offset: ev.offset, length: ev.length }),
    )
    expect(kernel).toHaveLength(74)
    const tb = ring_buffer_alloc(65536, RB_FL_OVERWRITE)
    const clock = manualClock(tb, 0)
    const contentLength: number[] = []
    for (const ev of kernel) {
      let nul = ev.offset + 16
      while (raw[nul] !== 0) nul++
      expect(raw[nul - 1]).toBe(0x0a)
      const text = latin1.decode(raw.subarray(ev.offset + 16, nul - 1))
      contentLength.push(nul + 1 - ev.offset)
      clock.t = ev.ts
      expect(tracing_mark_write(tb, text)).toBe(text.length)
    }
    const pages = readAllPages(tb)
    expect(pages).toHaveLength(raw.length / 4096)
    let n = 0
    for (let p = 0; p < pages.length; p++) {
      const ours = pages[p]!
      const theirs = raw.subarray(p * 4096, (p + 1) * 4096)
      // page header: time_stamp and commit
      expect([...ours.subarray(0, 16)]).toEqual([...theirs.subarray(0, 16)])
      const a = walkPage(ours)
      const b = walkPage(theirs)
      // event headers: type_len, time deltas, lengths, padding
      expect(a).toEqual(b)
      for (const r of b) {
        if (r.type === 0 || r.type > 28) continue
        const at = 16 + r.off + 4
        const len = contentLength[n++]!
        const mine = ours.slice(at, at + len)
        // common_pid: this thread's tid, not the kernel test's 7987
        expect(u32(mine, 4)).toBe(process.pid)
        mine.set(theirs.subarray(at + 4, at + 8), 4)
        expect(Buffer.from(mine).equals(Buffer.from(theirs.subarray(at, at + len)))).toBe(true)
      }
      for (const r of b.filter((x) => x.type === 0)) {
        const at = 16 + r.off + 8
        const len = contentLength[n++]!
        const mine = ours.slice(at, at + len)
        mine.set(theirs.subarray(at + 4, at + 8), 4)
        expect(Buffer.from(mine).equals(Buffer.from(theirs.subarray(at, at + len)))).toBe(true)
      }
    }
    expect(n).toBe(74)
  })

  it('returns -EBADF when the event is not recorded, and refuses a non-string', () => {
    const tb = ring_buffer_alloc(8192, 0)
    ring_buffer_record_off(tb)
    expect(tracing_mark_write(tb, 'x')).toBe(EBADF)
    expect(() => tracing_mark_write(tb, 5 as unknown as string)).toThrow(TypeError)
  })
})

const ids = new EventIdAllocator()
const REQUEST = defineEvent(
  {
    system: 'onering',
    name: 'request',
    fields: [
      { name: 'seq', type: 'u32' },
      { name: 'path', type: 'string' },
      { name: 'tag', type: 'char', array: 8 },
      { name: 'bytes', type: 'u64' },
    ],
  },
  ids,
)

/**
 * The kernel's struct layout for REQUEST (8 common bytes, natural alignment):
 * seq u32 @8, path __data_loc u32 @12, tag char[8] @16, bytes u64 @24; 32 fixed bytes.
 */
function checkRequest(p: Uint8Array, seq: number, path: string, tag: string, bytes: number): void {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength)
  expect(dv.getUint16(0, true)).toBe(REQUEST.id) // common_type
  expect([p[2], p[3]]).toEqual([0, 0]) // flags, preempt count of a user-space writer
  expect(dv.getInt32(4, true)).toBe(process.pid) // the main thread's tid is the pid
  expect(dv.getUint32(8, true)).toBe(seq)
  const loc = dv.getUint32(12, true)
  expect(loc & 0xffff).toBe(32)
  expect(loc >>> 16).toBe(path.length + 1)
  expect(latin1.decode(p.subarray(32, 32 + path.length))).toBe(path)
  expect(p[32 + path.length]).toBe(0)
  expect(latin1.decode(p.subarray(16, 16 + tag.length))).toBe(tag)
  expect(dv.getUint32(24, true) + dv.getUint32(28, true) * 2 ** 32).toBe(bytes)
}

describe('trace_event_buffer_reserve / commit and trace_event_write', () => {
  it('write the common fields and the fields at the kernel struct offsets', () => {
    expect(REQUEST.fixedSize).toBe(32)
    const tb = ring_buffer_alloc(65536, 0)
    const enc = new EventEncoder(REQUEST)
    const e = trace_event_buffer_reserve(tb, enc, stringFieldSize('/index'))
    expect(e).toBe(enc)
    enc.setNumber(0, 7)
    enc.setString(1, '/index')
    enc.setString(2, 'GET')
    enc.setNumber(3, 2 ** 40 + 5)
    expect(trace_event_buffer_commit(tb)).toBe(0)
    const values: (number | string)[] = [8, '/a/b', 'POST', 12]
    expect(trace_event_write(tb, enc, values)).toBe(0)
    const got: Uint8Array[] = []
    for (const page of readAllPages(tb))
      decodeRawStream(page, 4096, (ev) => got.push(page.slice(ev.offset, ev.offset + ev.length)))
    expect(got).toHaveLength(2)
    // payload lengths: 32 + 7 = 39 and 32 + 5 = 37, rounded to 4 as stored
    expect(got.map((g) => g.length)).toEqual([40, 40])
    checkRequest(got[0]!, 7, '/index', 'GET', 2 ** 40 + 5)
    checkRequest(got[1]!, 8, '/a/b', 'POST', 12)
  })

  it('returns null / -EBUSY when not recorded; bad values are refused and the slot discarded', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const enc = new EventEncoder(REQUEST)
    expect(() => trace_event_write(tb, enc, [1, 'x'])).toThrow(/2 values for the 4 fields/)
    expect(() => trace_event_write(tb, enc, [1, 2, 'x', 3])).toThrow(TypeError)
    // the failed event was discarded: the ring is usable and holds no data event
    expect(trace_event_write(tb, enc, [1, 'ok', 'x', 3])).toBe(0)
    const got: number[] = []
    for (const page of readAllPages(tb)) decodeRawStream(page, 4096, (ev) => got.push(ev.length))
    expect(got).toEqual([40 - 4])
    expect(() => trace_event_buffer_reserve(tb, null as unknown as EventEncoder)).toThrow(TypeError)
    expect(() => trace_event_buffer_reserve(tb, enc, -1)).toThrow(RangeError)
    ring_buffer_record_off(tb)
    expect(trace_event_buffer_reserve(tb, enc)).toBeNull()
    expect(trace_event_write(tb, enc, [1, 'x', 'y', 2])).toBe(-16)
  })

  it('a reservation inside an open one is refused (recursion), as ring_buffer_lock_reserve', () => {
    const tb = ring_buffer_alloc(8192, 0)
    expect(ring_buffer_lock_reserve(tb, 8)).not.toBeNull()
    expect(trace_event_buffer_reserve(tb, new EventEncoder(REQUEST), 1)).toBeNull()
  })
})

describe('common_pid: the OS thread id', () => {
  it('is the process id in the main thread and another task of the process in a worker', async () => {
    expect(currentTid()).toBe(process.pid)
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2 })
    const side = new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker(new URL('./workers/marker-writer.mjs', import.meta.url), {
      workerData: { sab: tb.sab, cpu: 1, side: side.buffer },
    })
    const tid = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    try {
      expect(tid).not.toBe(process.pid)
      // the worker's thread is a task of this process while it runs
      expect(existsSync(`/proc/self/task/${tid}`)).toBe(true)
    } finally {
      Atomics.store(side, 0, 1)
      Atomics.notify(side, 0)
      await new Promise((r) => worker.once('exit', r))
    }
    const pids: number[] = []
    for (const page of readAllPages(tb, 1))
      decodeRawStream(page, 4096, (ev) => pids.push(u32(page, ev.offset + 4)))
    expect(pids).toEqual([tid])
  })
})

describe('no allocation per event', () => {
  it('reserve/commit, trace_event_write and tracing_mark_write allocate nothing per event', () => {
    // 400k events per kind after a warm-up; an object per event would be >= 16 bytes per event,
    // what is left is one-off (JIT) allocation spread over the events
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', new URL('./workers/alloc-check.mjs', import.meta.url).pathname, '400000'],
      { encoding: 'utf8' },
    )
    const perEvent = JSON.parse(out) as Record<string, number>
    expect(Object.keys(perEvent)).toEqual([
      'reserve_commit',
      'trace_event_write',
      'tracing_mark_write',
    ])
    for (const [kind, bytes] of Object.entries(perEvent)) expect(bytes, kind).toBeLessThan(4)
  })
})
