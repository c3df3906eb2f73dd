/**
 * Poll wakeups as the kernel makes them (Linux `kernel/events/ring_buffer.c`
 * `__perf_output_begin` / `perf_output_put_handle` / `perf_output_wakeup`,
 * `kernel/events/core.c` `perf_output_sample` / `perf_poll`):
 *
 * - a record that leaves more than `rb->watermark` bytes written past `rb->wakeup` moves
 *   `rb->wakeup` on by the watermark (once per record), and its put_handle sets `rb->poll`;
 *   a backward ring counts its bytes as `-head` (`head = (u64)(-head)`);
 * - without `attr.watermark`, every `wakeup_events`-th sample (`rb->events`, which the poll does
 *   not reset: it only drops by `wakeup_events`) bumps `rb->wakeup` by one, which wakes too;
 * - `perf_poll` takes the pending wakeup (`atomic_xchg(&rb->poll, 0)`).
 *
 * Each case was found by the live differential tester (tools/conformance-live, the perf half:
 * `perf_live` on `syscalls:sys_enter_getppid`, Linux 6.18), whose minimal program is quoted.
 */
import { describe, expect, it } from 'vitest'
import {
  POLLIN,
  PROT_READ,
  PROT_WRITE,
  mmap,
  perf_event_open,
  perf_event_output,
  perf_event_poll,
} from '../src/index.js'
import { ATTR } from './event-helpers.js'

/** ATTR's SAMPLE: header, ip, pid/tid, time, id, cpu = 48 bytes. */
const SAMPLE = 48

function write(ev: ReturnType<typeof perf_event_open>, n: number): void {
  for (let k = 0; k < n; k++) perf_event_output(ev, { ip: 1n, time: 1 })
}

describe('poll wakeups (the kernel’s rb->wakeup / rb->events / rb->poll)', () => {
  it('a backward ring counts the bytes written (-data_head): 3 samples wake nobody', () => {
    // live: `open 3c0 2 1 0 5; getppid 3; poll` answers 0 (wakeup_events 5, watermark 4096)
    const ev = perf_event_open({ ...ATTR, write_backward: true, wakeup_events: 5 }, 1, 0)
    mmap(ev, 3 * 4096, PROT_READ)
    write(ev, 3)
    expect(perf_event_poll(ev)).toBe(0)
    write(ev, 2) // the 5th sample
    expect(perf_event_poll(ev)).toBe(POLLIN)
    expect(perf_event_poll(ev)).toBe(0)
  })

  it('a backward ring wakes past the watermark of bytes written, as a forward one', () => {
    const ev = perf_event_open(
      { ...ATTR, write_backward: true, watermark: true, wakeup_watermark: 200 },
      1,
      0,
    )
    mmap(ev, 3 * 4096, PROT_READ)
    write(ev, 4) // 192 bytes: not more than 200
    expect(perf_event_poll(ev)).toBe(0)
    write(ev, 1) // 240
    expect(perf_event_poll(ev)).toBe(POLLIN)
  })

  it('the watermark counts from rb->wakeup, which moves by the watermark, not from the last poll', () => {
    const ev = perf_event_open({ ...ATTR, watermark: true, wakeup_watermark: 200 }, 1, 0)
    mmap(ev, 3 * 4096, PROT_READ | PROT_WRITE)
    write(ev, 5) // 240 > 200: rb->wakeup = 200
    expect(perf_event_poll(ev)).toBe(POLLIN)
    write(ev, 4) // 432 − 200 = 232 > 200: wakes again (432 − 240 would not have)
    expect(perf_event_poll(ev)).toBe(POLLIN)
    write(ev, 4) // 624 − 400 = 224
    expect(perf_event_poll(ev)).toBe(POLLIN)
    write(ev, 3) // 768 − 600 = 168
    expect(perf_event_poll(ev)).toBe(0)
  })

  it('one wakeup per record even when it passes the watermark twice', () => {
    const ev = perf_event_open({ ...ATTR, watermark: true, wakeup_watermark: SAMPLE - 8 }, 1, 0)
    mmap(ev, 3 * 4096, PROT_READ | PROT_WRITE)
    write(ev, 1) // 48 − 0 > 40: rb->wakeup = 40
    expect(perf_event_poll(ev)).toBe(POLLIN)
    write(ev, 1) // 96 − 40 > 40: rb->wakeup = 80
    expect(perf_event_poll(ev)).toBe(POLLIN)
    // rb->wakeup lags: 8 more records each move it by 40 while the head moves by 48
    write(ev, 8)
    expect(perf_event_poll(ev)).toBe(POLLIN)
    expect(perf_event_poll(ev)).toBe(0)
  })

  it('wakeup_events: rb->events is not reset by a poll, it drops by wakeup_events', () => {
    // live: `open 10149 4 0 0 16; getppid 319; getppid 7; getppid 7; poll` answers POLLIN
    const ev = perf_event_open({ ...ATTR, wakeup_events: 3 }, 1, 0)
    mmap(ev, 5 * 4096, PROT_READ | PROT_WRITE)
    write(ev, 4) // the 3rd sample wakes; rb->events = 1
    expect(perf_event_poll(ev)).toBe(POLLIN)
    write(ev, 2) // rb->events reaches 3 again
    expect(perf_event_poll(ev)).toBe(POLLIN)
    write(ev, 2)
    expect(perf_event_poll(ev)).toBe(0)
  })

  it('a wakeup stays pending until a poll takes it', () => {
    const ev = perf_event_open({ ...ATTR, wakeup_events: 1 }, 1, 0)
    mmap(ev, 3 * 4096, PROT_READ | PROT_WRITE)
    write(ev, 1)
    expect(perf_event_poll(ev)).toBe(POLLIN)
    expect(perf_event_poll(ev)).toBe(0)
    write(ev, 3) // three wakeups, one poll
    expect(perf_event_poll(ev)).toBe(POLLIN)
    expect(perf_event_poll(ev)).toBe(0)
  })
})
