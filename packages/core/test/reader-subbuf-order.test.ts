import { afterEach, describe, expect, it } from 'vitest'
import { RingBuffer } from '../src/index.js'
import { readerSubbufHooks } from '../src/paged-reader.js'
import { swapReaderPage } from '../src/reader-page.js'
import { payloadOf } from './helpers.js'

/** 256-byte sub-buffers hold five 48-byte records (40-byte payloads); three ring slots. */
function paged(): RingBuffer {
  return RingBuffer.create({ size: 3 * 240, subbufSize: 256, clock: 'counter', publishBatch: 1 })
}

afterEach(() => {
  readerSubbufHooks.betweenLoads = null
})

/**
 * `ring_buffer_map_get_reader` (reliability issue, point A.2): a writer that appends to the
 * reader sub-buffer and moves on between the reader's two loads must not make the reader swap
 * that sub-buffer away with its new records unread.
 */
describe('consumeReaderSubbuf: frontier before commit word (docs/design.md §7)', () => {
  it('delivers the records a writer appends between the two loads, then leaves', () => {
    const rb = paged()
    const w = rb.writer(0)
    const r = rb.reader()
    w.write(payloadOf(0, 40), 100)
    // the reader takes the writer's current sub-buffer and consumes its one record
    expect(r.consumeReaderSubbuf(0)).toMatchObject({ swapped: true, records: 1 })
    let written = 1
    let played = false
    readerSubbufHooks.betweenLoads = () => {
      if (played) return
      played = true
      // the writer fills the reader sub-buffer (4 more records) and moves on to the next one
      for (let k = 1; k <= 6; k++) w.write(payloadOf(k, 40), 100 + k)
      written += 6
    }
    let delivered = 1
    let lost = 0
    for (let k = 0; k < 10; k++) {
      const info = r.consumeReaderSubbuf(0)
      delivered += info.records
      lost += info.lost
    }
    expect(played).toBe(true)
    // every record is either delivered or counted as lost; none vanish
    expect({ delivered, lost }).toEqual({ delivered: written, lost: 0 })
    const s = rb.stats(0)
    expect([s.written, s.read, s.overrun, s.entries]).toEqual([written, written, 0, 0])
  })
})

describe('swapReaderPage: never discards unread records uncounted (docs/design.md §5.1, §9)', () => {
  it('counts what its old sub-buffer still held as overrun and reports it as lost', () => {
    const rb = paged()
    const w = rb.writer(0)
    // five records fill the first sub-buffer, two more go into the second
    for (let k = 0; k < 7; k++) w.write(payloadOf(k, 40), 100 + k)
    const r = rb.reader()
    expect(r.consume(0)?.timestamp).toBe(100)
    // a swap while four records of the reader sub-buffer are unread (as a wrong caller would)
    expect(rb.withReaderOpLock(0, () => swapReaderPage(rb, 0))).toBe(true)
    const rec = r.consume(0)
    expect(rec?.timestamp).toBe(105)
    expect(rec?.lost).toBe(4)
    expect(r.consume(0)?.timestamp).toBe(106)
    expect(r.consume(0)).toBeNull()
    const s = rb.stats(0)
    expect([s.written, s.read, s.overrun, s.lost, s.entries, s.bytes]).toEqual([7, 3, 4, 4, 0, 0])
  })
})
