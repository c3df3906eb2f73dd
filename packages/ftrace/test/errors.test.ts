/**
 * Bad input: invalid sizes, orders, CPUs, lengths, flags, percentages, objects → a RangeError
 * or TypeError whose message starts with the argument's name, and the buffer unchanged.
 */
import { describe, expect, it } from 'vitest'
import {
  RingBufferEvent,
  SubbufReader,
  TraceBuffer,
  decodeRawStream,
  decodeTraceBufferMeta,
  pageHeaderText,
  ring_buffer_alloc,
  ring_buffer_alloc_read_page,
  ring_buffer_consume,
  ring_buffer_discard_commit,
  ring_buffer_empty_cpu,
  ring_buffer_entries,
  ring_buffer_entries_cpu,
  ring_buffer_event_data,
  ring_buffer_event_length,
  ring_buffer_event_time_stamp,
  ring_buffer_free_read_page,
  ring_buffer_iter_advance,
  ring_buffer_iter_dropped,
  ring_buffer_iter_empty,
  ring_buffer_iter_peek,
  ring_buffer_iter_reset,
  ring_buffer_lock_reserve,
  ring_buffer_map,
  ring_buffer_map_get_reader,
  ring_buffer_nr_dirty_pages,
  ring_buffer_overrun_cpu,
  ring_buffer_peek,
  ring_buffer_poll_wait,
  ring_buffer_read_finish,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_read_start,
  ring_buffer_record_disable_cpu,
  ring_buffer_reset_cpu,
  ring_buffer_resize,
  ring_buffer_set_clock,
  ring_buffer_size,
  ring_buffer_subbuf_order_set,
  ring_buffer_unmap,
  ring_buffer_wait,
  ring_buffer_wait_async,
  ring_buffer_wake_waiters,
  ring_buffer_write,
} from '../src/index.js'
import { manualClock, payload } from './helpers.js'

/** Expect `fn` to throw `type` with a message starting with `name`. */
function rejects(
  fn: () => unknown,
  type: typeof RangeError | typeof TypeError,
  name: string,
): void {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err, `expected a ${type.name} naming ${name}`).toBeInstanceOf(type)
  expect((err as Error).message.startsWith(`${name}:`), (err as Error).message).toBe(true)
}

/** A value of the wrong type, smuggled past the type checker as a JavaScript caller would. */
const bad = (v: unknown): never => v as never

describe('allocation', () => {
  it('size', () => {
    rejects(() => ring_buffer_alloc(0, 0), RangeError, 'size')
    rejects(() => ring_buffer_alloc(-4096, 0), RangeError, 'size')
    rejects(() => ring_buffer_alloc(1.5, 0), RangeError, 'size')
    rejects(() => ring_buffer_alloc(Number.NaN, 0), RangeError, 'size')
    rejects(() => ring_buffer_alloc(2 ** 40, 0), RangeError, 'size')
    rejects(() => ring_buffer_alloc(bad('4096'), 0), TypeError, 'size')
  })

  it('flags', () => {
    rejects(() => ring_buffer_alloc(8192, 2), RangeError, 'flags')
    rejects(() => ring_buffer_alloc(8192, -1), RangeError, 'flags')
    rejects(() => ring_buffer_alloc(8192, 0.5), TypeError, 'flags')
    rejects(() => ring_buffer_alloc(8192, bad('overwrite')), TypeError, 'flags')
    // bits above 31 are unknown bits too (ToInt32 would drop them)
    for (const flags of [2 ** 32, 2 ** 32 + 1, 2 ** 53, -(2 ** 40)])
      rejects(() => ring_buffer_alloc(8192, flags), RangeError, 'flags')
  })

  it('order and cpus', () => {
    rejects(() => ring_buffer_alloc(8192, 0, { order: -1 }), RangeError, 'order')
    rejects(() => ring_buffer_alloc(8192, 0, { order: 9 }), RangeError, 'order')
    rejects(() => ring_buffer_alloc(8192, 0, { order: 1.5 }), RangeError, 'order')
    rejects(() => ring_buffer_alloc(8192, 0, { cpus: 0 }), RangeError, 'cpus')
    rejects(() => ring_buffer_alloc(8192, 0, { cpus: 2.5 }), RangeError, 'cpus')
    rejects(() => ring_buffer_alloc(8192, 0, { maxByteLength: 10 }), RangeError, 'maxByteLength')
  })

  it('attach', () => {
    rejects(() => TraceBuffer.attach(bad(new ArrayBuffer(4096))), TypeError, 'sab')
    rejects(() => TraceBuffer.attach(new SharedArrayBuffer(4096)), TypeError, 'sab')
    const tb = ring_buffer_alloc(8192, 0)
    rejects(() => TraceBuffer.attach(tb.sab, { cpu: 1 }), RangeError, 'cpu')
  })
})

describe('geometry changes', () => {
  it('resize and subbuf_order_set', () => {
    const tb = ring_buffer_alloc(8192, 0)
    rejects(() => ring_buffer_resize(tb, 0, -1), RangeError, 'size')
    rejects(() => ring_buffer_resize(tb, bad('big'), -1), TypeError, 'size')
    rejects(() => ring_buffer_resize(tb, 8192, 5), RangeError, 'cpu')
    rejects(() => ring_buffer_resize(tb, 8192, -2), RangeError, 'cpu')
    rejects(() => ring_buffer_subbuf_order_set(tb, -1), RangeError, 'order')
    rejects(() => ring_buffer_subbuf_order_set(tb, 9), RangeError, 'order')
    rejects(() => ring_buffer_subbuf_order_set(tb, bad('1')), RangeError, 'order')
    expect(ring_buffer_size(tb, 0)).toBe(3 * 4080)
  })
})

describe('CPUs', () => {
  it('every per-CPU function names `cpu`', () => {
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2 })
    for (const cpu of [2, -2, 0.5, 1024]) {
      for (const fn of [
        () => ring_buffer_size(tb, cpu),
        () => ring_buffer_peek(tb, cpu),
        () => ring_buffer_consume(tb, cpu),
        () => ring_buffer_empty_cpu(tb, cpu),
        () => ring_buffer_entries_cpu(tb, cpu),
        () => ring_buffer_overrun_cpu(tb, cpu),
        () => ring_buffer_nr_dirty_pages(tb, cpu),
        () => ring_buffer_alloc_read_page(tb, cpu),
        () => ring_buffer_read_start(tb, cpu),
        () => {
          ring_buffer_record_disable_cpu(tb, cpu)
        },
        () => {
          ring_buffer_reset_cpu(tb, cpu)
        },
        () => ring_buffer_map(tb, cpu),
        () => ring_buffer_unmap(tb, cpu),
        () => ring_buffer_map_get_reader(tb, cpu),
        () => ring_buffer_poll_wait(tb, cpu, 0),
        () => {
          ring_buffer_wake_waiters(tb, cpu)
        },
        () => {
          tb.setCpu(cpu)
        },
      ])
        rejects(fn, RangeError, 'cpu')
    }
    rejects(() => ring_buffer_entries_cpu(tb, bad('0')), TypeError, 'cpu')
    rejects(() => ring_buffer_wait(tb, 7, 0), RangeError, 'cpu')
  })

  it('the async wait rejects too', async () => {
    const tb = ring_buffer_alloc(8192, 0)
    await expect(ring_buffer_wait_async(tb, 3, 0)).rejects.toThrow(/^cpu:/)
    await expect(ring_buffer_wait_async(tb, 0, 101)).rejects.toThrow(/^full:/)
  })
})

describe('lengths', () => {
  it('lock_reserve and write', () => {
    const tb = ring_buffer_alloc(8192, 0)
    manualClock(tb)
    for (const len of [-1, 1.5, 4073, Number.NaN, Infinity])
      rejects(() => ring_buffer_lock_reserve(tb, len), RangeError, 'length')
    rejects(() => ring_buffer_lock_reserve(tb, bad('4')), TypeError, 'length')
    rejects(() => ring_buffer_write(tb, 5, payload(4)), RangeError, 'length')
    rejects(() => ring_buffer_write(tb, -1, payload(4)), RangeError, 'length')
    rejects(() => ring_buffer_write(tb, 4073, payload(5000)), RangeError, 'length')
    rejects(() => ring_buffer_write(tb, 4, bad([1, 2, 3, 4])), TypeError, 'data')
    // nothing was written, nothing is open
    expect(ring_buffer_entries(tb)).toBe(0)
    expect(ring_buffer_write(tb, 4, payload(4))).toBe(0)
  })

  it('read_page len, page and full', () => {
    const tb = ring_buffer_alloc(8192, 0, { cpus: 2 })
    const page = ring_buffer_alloc_read_page(tb, 0)
    rejects(() => ring_buffer_read_page(tb, page, -1, 0, 0), RangeError, 'len')
    rejects(() => ring_buffer_read_page(tb, page, 1.5, 0, 0), RangeError, 'len')
    rejects(() => ring_buffer_read_page(tb, page, 4096, 1, 0), TypeError, 'page')
    rejects(() => ring_buffer_read_page(tb, bad({}), 4096, 0, 0), TypeError, 'page')
    const other = ring_buffer_alloc(8192, 0)
    rejects(() => ring_buffer_read_page(other, page, 4096, 0, 0), TypeError, 'page')
    rejects(
      () => {
        ring_buffer_free_read_page(other, 0, page)
      },
      TypeError,
      'page',
    )
    rejects(() => ring_buffer_read_page_data(bad(null)), TypeError, 'page')
  })
})

describe('objects and functions', () => {
  it('buffer, event, iter, clock, cond, full', () => {
    const tb = ring_buffer_alloc(8192, 0)
    rejects(() => ring_buffer_entries(bad({})), TypeError, 'buffer')
    rejects(() => ring_buffer_write(bad(null), 4, payload(4)), TypeError, 'buffer')
    rejects(() => ring_buffer_event_data(bad({})), TypeError, 'event')
    rejects(() => ring_buffer_event_length(bad(undefined)), TypeError, 'event')
    rejects(() => ring_buffer_event_time_stamp(tb, bad({})), TypeError, 'event')
    rejects(
      () => {
        ring_buffer_discard_commit(tb, bad({}))
      },
      TypeError,
      'event',
    )
    for (const fn of [
      ring_buffer_iter_peek,
      ring_buffer_iter_advance,
      ring_buffer_iter_reset,
      ring_buffer_iter_empty,
      ring_buffer_iter_dropped,
      ring_buffer_read_finish,
    ])
      rejects(
        () => {
          fn(bad({}))
        },
        TypeError,
        'iter',
      )
    rejects(
      () => {
        ring_buffer_set_clock(tb, bad(42))
      },
      TypeError,
      'clock',
    )
    rejects(() => ring_buffer_wait(tb, 0, 0, bad('yes')), TypeError, 'cond')
    for (const full of [-1, 101, 2.5]) {
      rejects(() => ring_buffer_wait(tb, 0, full), RangeError, 'full')
      rejects(() => ring_buffer_poll_wait(tb, 0, full), RangeError, 'full')
    }
    // commit / discard without a reservation
    rejects(
      () => {
        ring_buffer_discard_commit(tb, new RingBufferEvent())
      },
      TypeError,
      'discard',
    )
  })

  it('read_page full, decodeRawStream callback', () => {
    const tb = ring_buffer_alloc(8192, 0)
    const page = ring_buffer_alloc_read_page(tb, 0)
    for (const full of [bad('yes'), bad({}), 0.5, Number.NaN, bad(null)])
      rejects(() => ring_buffer_read_page(tb, page, 4096, 0, full), TypeError, 'full')
    // the kernel's int: any integer, and booleans, are accepted
    expect(ring_buffer_read_page(tb, page, 4096, 0, 0)).toBe(-1)
    expect(ring_buffer_read_page(tb, page, 4096, 0, true)).toBe(-1)
    rejects(() => decodeRawStream(new Uint8Array(4096), 4096, bad(undefined)), TypeError, 'fn')
  })

  it('decoders: bytes, subbufSize, offset', () => {
    rejects(() => new SubbufReader(bad([0]), 4096), TypeError, 'bytes')
    for (const size of [0, 100, 4095, 3 << 12, 1 << 21])
      rejects(() => new SubbufReader(new Uint8Array(4096), size), RangeError, 'subbufSize')
    rejects(
      () => decodeRawStream(new Uint8Array(4096), 1000, () => undefined),
      RangeError,
      'subbufSize',
    )
    rejects(() => decodeTraceBufferMeta(bad('meta')), TypeError, 'bytes')
    rejects(() => decodeTraceBufferMeta(new Uint8Array(79)), RangeError, 'offset')
    rejects(() => decodeTraceBufferMeta(new Uint8Array(100), 30), RangeError, 'offset')
    rejects(() => pageHeaderText(16), RangeError, 'subbufSize')
    rejects(() => pageHeaderText(1.5), RangeError, 'subbufSize')
  })
})
