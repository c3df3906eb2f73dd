import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  RB_FL_OVERWRITE,
  SubbufReader,
  decodeTraceBufferMeta,
  ring_buffer_alloc,
  ring_buffer_map,
  ring_buffer_map_get_reader,
  ring_buffer_resize,
  ring_buffer_unmap,
  ring_buffer_write,
  ring_buffer_set_clock,
  EBUSY,
} from '@onering/ftrace'

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/kernel/ftrace/${name}`, import.meta.url)))

describe('the mmap meta page', () => {
  it('decodes the kernel meta page to the values the fixture README gives', () => {
    const m = decodeTraceBufferMeta(fixture('mmap.meta'))
    expect(m).toEqual({
      meta_page_size: 4096,
      meta_struct_len: 80,
      subbuf_size: 4096,
      nr_subbufs: 18,
      reader: { lost_events: 0, id: 1, read: 600 },
      flags: 0,
      entries: 20,
      overrun: 0,
      read: 20,
    })
  })

  it('replays the kernel mmap scenario: 20 markers, GET_READER, same meta and reader page', () => {
    const tb = ring_buffer_alloc(65536, RB_FL_OVERWRITE)
    const map = ring_buffer_map(tb, 0)
    expect(map.meta.reader).toEqual({ lost_events: 0, id: 0, read: 0 })
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
    expect(map.meta.reader.id).toBe(0)
    const kernel = fixture('mmap.reader')
    const kr = new SubbufReader(kernel, 4096).load(0)
    for (let ev = kr.next(); ev !== null; ev = kr.next()) {
      // same payload sizes, same timestamps
      const ts = ev.timestamp
      ring_buffer_set_clock(tb, () => ts)
      expect(ring_buffer_write(tb, ev.length, kernel.slice(ev.offset, ev.offset + ev.length))).toBe(
        0,
      )
    }
    tb.close()
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
    const m = map.meta
    expect(m.reader).toEqual({ lost_events: 0, id: 1, read: 600 })
    expect([
      m.entries,
      m.overrun,
      m.read,
      m.meta_page_size,
      m.subbuf_size,
      m.meta_struct_len,
    ]).toEqual([20, 0, 20, 4096, 4096, 80])
    // the reader sub-buffer in the mapping holds the kernel's bytes (events and header)
    const ours = map.readerSubbuf()
    expect(
      Buffer.from(ours.subarray(0, 16 + 600)).equals(Buffer.from(kernel.subarray(0, 16 + 600))),
    ).toBe(true)
    // a second GET_READER changes nothing
    expect(ring_buffer_map_get_reader(tb, 0)).toBe(0)
    expect(map.meta.reader).toEqual({ lost_events: 0, id: 1, read: 600 })
    expect(ring_buffer_resize(tb, 8192, -1)).toBe(EBUSY)
    expect(ring_buffer_unmap(tb, 0)).toBe(0)
    expect(ring_buffer_unmap(tb, 0)).toBe(-19)
  })
})
