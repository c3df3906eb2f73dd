/**
 * The idiomatic class API works on the same objects as the kernel-named functions, and the two
 * can be mixed.
 */
import { describe, expect, it } from 'vitest'
import {
  TraceBuffer,
  ring_buffer_consume,
  ring_buffer_entries_cpu,
  ring_buffer_event_data,
  ring_buffer_lock_reserve,
  ring_buffer_read_page_data,
  ring_buffer_unlock_commit,
  SubbufReader,
} from '../src/index.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('TraceBuffer methods', () => {
  it('mix with the ring_buffer_* functions on one buffer', async () => {
    const tb = TraceBuffer.alloc(8192, false)
    expect(tb.overwrite).toBe(false)
    expect(tb.write(text('one!'))).toBe(true)
    const ev = ring_buffer_lock_reserve(tb, 4)!
    ring_buffer_event_data(ev).set(text('two!'))
    ring_buffer_unlock_commit(tb)
    const ev3 = tb.reserve(4)!
    ring_buffer_event_data(ev3).set(text('3333'))
    tb.commit()
    expect(ring_buffer_entries_cpu(tb, 0)).toBe(3)
    expect(tb.counters(0)).toMatchObject({
      entries: 3,
      overrun: 0,
      droppedEvents: 0,
      readEvents: 0,
    })
    // iterate without consuming
    const it = tb.readStart(0)
    const seen: string[] = []
    for (let e = it.peek(); e !== null; e = it.peek()) {
      seen.push(new TextDecoder().decode(ring_buffer_event_data(e.event)))
      it.advance()
    }
    expect(it.empty()).toBe(true)
    expect(it.dropped()).toBe(false)
    it.finish()
    expect(seen).toEqual(['one!', 'two!', '3333'])
    // consume one with the function, the rest with a page
    const first = ring_buffer_consume(tb, 0)!
    expect(new TextDecoder().decode(ring_buffer_event_data(first.event))).toBe('one!')
    expect(tb.peek(0)!.lost_events).toBe(0)
    const page = tb.allocReadPage(0)
    expect(tb.readPage(page)).toBe(true)
    const r = new SubbufReader(ring_buffer_read_page_data(page), 4096).load(0)
    const rest: string[] = []
    for (let e = r.next(); e !== null; e = r.next())
      rest.push(new TextDecoder().decode(r.bytes.subarray(e.offset, e.offset + 4)))
    expect(rest).toEqual(['two!', '3333'])
    tb.freeReadPage(page)
    expect(tb.empty()).toBe(true)
    expect(tb.counters()).toMatchObject({ entries: 0, readEvents: 3 })
    // control
    tb.recordOff()
    expect(tb.isOn()).toBe(false)
    expect(tb.write(text('lost'))).toBe(false)
    tb.recordOn()
    tb.recordDisable(0)
    expect(tb.isOn(0)).toBe(false)
    tb.recordEnable(0)
    tb.absoluteTimestamps = true
    expect(tb.absoluteTimestamps).toBe(true)
    tb.overwrite = true
    expect(tb.overwrite).toBe(true)
    expect(tb.pageHeader()).toContain('field: char data;\toffset:16;\tsize:4080;')
    // a waiter is woken by new data
    tb.absoluteTimestamps = false
    const waiting = tb.wait(0, 0, 5000)
    tb.write(text('wake'))
    await expect(waiting).resolves.toBe(0)
    tb.reset()
    expect(tb.empty()).toBe(true)
    const m = tb.map(0)
    tb.write(text('mapd'))
    tb.getReader(0)
    expect(m.meta.entries).toBe(1)
    tb.unmap(0)
    expect(tb.resize(16384)).toBe(false) // growing needs maxByteLength at alloc (-ENOMEM)
    expect(tb.resize(4096)).toBe(true)
    tb.free()
    expect(() => tb.write(text('x'))).toThrow(TypeError)
  })
})
