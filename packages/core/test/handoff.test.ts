import { describe, expect, it } from 'vitest'
import { BusyError, RAW_SUBBUF_FLAGS_OFFSET, RingBuffer } from '../src/index.js'
import type { RingMode } from '../src/index.js'
import { decodeRawSubbuf, drainCpu, expectArgError, payloadOf, subbufIdAt } from './helpers.js'

// 4 ring sub-buffers of 240 data bytes; physical ids: 0 reader, 1..4 ring, 5.. spares
function ring(mode: RingMode = 'produce-consume', spareSubbufs = 1): RingBuffer {
  return RingBuffer.create({
    size: 960,
    subbufSize: 256,
    clock: 'counter',
    publishBatch: 1,
    mode,
    spareSubbufs,
  })
}

function write(rb: RingBuffer, ids: number[], len = 40): number[] {
  const w = rb.writer(0, { force: true })
  const offs: number[] = []
  for (const id of ids) {
    const off = w.reserve(len)
    if (off >= 0) {
      w.bytes.set(payloadOf(id, len), off)
      w.commit()
    }
    offs.push(off)
  }
  w.close()
  return offs
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, k) => a + k)

describe('takeSubbuf zero-copy', () => {
  it('hands out the very sub-buffer the writer wrote, replaced by a spare', () => {
    const rb = ring()
    const offs = write(rb, range(1, 7)) // 1..5 fill sub-buffer seq 0, 6..7 in seq 1
    const written = subbufIdAt(rb, 0, offs[0]!)
    expect(offs.slice(0, 5).every((o) => subbufIdAt(rb, 0, o) === written)).toBe(true)
    const r = rb.reader()
    const lease = r.takeSubbuf(0)!
    expect(lease).not.toBeNull()
    const spare = rb.subbufs + 1
    expect(lease.id).toBe(written)
    expect(lease.id).not.toBe(spare)
    expect(lease).toEqual({ cpu: 0, id: written, dataBytes: 240, lost: 0, timestamp: 1, epoch: 0 })
    // the records are where the writer put them, in shared memory: read them through a second
    // handle attached to the same SharedArrayBuffer
    const other = RingBuffer.attach(rb.sab)
    const raw = decodeRawSubbuf(other, lease.cpu, lease.id)
    expect(raw.commit).toBe(240)
    expect(raw.ts).toBe(1)
    expect(raw.records.map((x) => x.ts)).toEqual(range(1, 5))
    expect(raw.records.map((x) => x.payload)).toEqual(
      range(1, 5).map((k) => Array.from(payloadOf(k, 40))),
    )
    for (let k = 0; k < 5; k++)
      expect(rb.subbufOffset(0, lease.id) + 16 + raw.records[k]!.at + 8).toBe(offs[k])
    // a write through one view is seen through the other: no copy anywhere
    rb.subbufBytes(0, lease.id)[16 + 8] = 0xee
    expect(new Uint8Array(other.sab)[other.subbufOffset(0, lease.id) + 24]).toBe(0xee)
    const s = rb.stats(0)
    expect(s.read).toBe(5)
    expect(s.bytesRead).toBe(240)
    expect(s.entries).toBe(2)
    // the reader goes on with the next sub-buffer
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual([6, 7])
    rb.releaseSubbuf(lease)
    expect(rb.stats(0).written).toBe(rb.stats(0).read)
  })

  it('excludes the end padding from dataBytes and reports records lost before it', () => {
    const rb = ring('overwrite')
    write(rb, range(1, 37))
    const r = rb.reader()
    const a = r.takeSubbuf(0)!
    expect(a.lost).toBe(20)
    expect(a.timestamp).toBe(21)
    const raw = decodeRawSubbuf(rb, 0, a.id)
    expect(raw.flags).toBe((0x80000000 | 20) >>> 0)
    expect(
      new DataView(rb.sab).getUint32(rb.subbufOffset(0, a.id) + RAW_SUBBUF_FLAGS_OFFSET, true) >>>
        31,
    ).toBe(1)
    expect(raw.records.map((x) => x.ts)).toEqual(range(21, 25))
    rb.releaseSubbuf(a)
    const b = r.takeSubbuf(0)!
    expect(b.lost).toBe(0)
    expect(decodeRawSubbuf(rb, 0, b.id).flags).toBe(0)
    rb.releaseSubbuf(b)
    expect(rb.stats(0).lost).toBe(20)

    const rb2 = ring()
    write(rb2, range(1, 4), 56) // 64-byte records: 3 per sub-buffer and 48 bytes of padding
    const c = rb2.reader().takeSubbuf(0)!
    expect(c.dataBytes).toBe(192)
    const raw2 = decodeRawSubbuf(rb2, 0, c.id)
    expect(raw2.commit).toBe(192)
    expect(raw2.records.map((x) => x.ts)).toEqual([1, 2, 3])
    expect(rb2.stats(0).bytesRead).toBe(240) // the padding counts as read
  })

  it('with full, hands out only a complete, unread sub-buffer', () => {
    const rb = ring()
    write(rb, range(1, 3))
    const r = rb.reader()
    expect(r.takeSubbuf(0, { full: true })).toBeNull() // the writer is still in it
    write(rb, range(4, 6))
    r.consume(0)
    expect(r.takeSubbuf(0, { full: true })).toBeNull() // partly read
    r.drain(0, () => undefined, 4)
    // sub-buffer 1 holds 6 only and the writer is in it
    expect(r.takeSubbuf(0, { full: true })).toBeNull()
    write(rb, range(7, 11))
    const lease = r.takeSubbuf(0, { full: true })!
    expect(decodeRawSubbuf(rb, 0, lease.id).records.map((x) => x.ts)).toEqual(range(6, 10))
    rb.releaseSubbuf(lease)
  })

  it('returns null when there is nothing to hand out', () => {
    const rb = ring()
    const r = rb.reader()
    expect(r.takeSubbuf(0)).toBeNull()
    write(rb, [1])
    r.consume(0)
    expect(r.takeSubbuf(0)).toBeNull()
  })
})

describe('takeSubbuf copy path', () => {
  it('copies a complete sub-buffer into a spare when asked to', () => {
    const rb = ring()
    const offs = write(rb, range(1, 7))
    const r = rb.reader()
    const lease = r.takeSubbuf(0, { copy: true })!
    expect(lease.id).toBe(rb.subbufs + 1)
    expect(lease.id).not.toBe(subbufIdAt(rb, 0, offs[0]!))
    expect(lease.dataBytes).toBe(240)
    expect(lease.timestamp).toBe(1)
    const raw = decodeRawSubbuf(rb, 0, lease.id)
    expect(raw.records.map((x) => x.ts)).toEqual(range(1, 5))
    expect(raw.records.map((x) => x.payload)).toEqual(
      range(1, 5).map((k) => Array.from(payloadOf(k, 40))),
    )
    expect(rb.stats(0).read).toBe(5)
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual([6, 7])
  })

  it('copies the unread rest of a partly read sub-buffer, timestamps intact', () => {
    const rb = ring()
    write(rb, range(1, 7))
    const r = rb.reader()
    r.consume(0)
    r.consume(0)
    const lease = r.takeSubbuf(0)!
    expect(lease.id).toBe(rb.subbufs + 1)
    expect(lease.dataBytes).toBe(3 * 48)
    expect(lease.timestamp).toBe(2) // the base the deltas of the copied records refer to
    const raw = decodeRawSubbuf(rb, 0, lease.id)
    expect(raw.ts).toBe(2)
    expect(raw.records.map((x) => x.ts)).toEqual([3, 4, 5])
    expect(raw.records.map((x) => x.payload)).toEqual(
      [3, 4, 5].map((k) => Array.from(payloadOf(k, 40))),
    )
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual([6, 7])
    expect(rb.stats(0).read).toBe(7)
  })

  it('copies from the sub-buffer the writer is still in, and the writer goes on in it', () => {
    const rb = ring()
    const offs = write(rb, range(1, 3))
    const r = rb.reader()
    const lease = r.takeSubbuf(0)!
    expect(lease.id).toBe(rb.subbufs + 1)
    expect(decodeRawSubbuf(rb, 0, lease.id).records.map((x) => x.ts)).toEqual([1, 2, 3])
    const more = write(rb, [4, 5])
    expect(subbufIdAt(rb, 0, more[0]!)).toBe(subbufIdAt(rb, 0, offs[0]!))
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual([4, 5])
    rb.releaseSubbuf(lease)
  })

  // The kernel's read_page copy path copies whole events up to the commit, the end padding
  // included (Linux 6.18, live: `write 63; read; write 63; write 4050; read` gives a page of
  // the second event and the padding, commit 0xf98; tools/conformance-live)
  it('copies the end padding on the copy path, as the kernel does', () => {
    const rb = ring()
    write(rb, range(1, 4), 56)
    const lease = rb.reader().takeSubbuf(0, { copy: true })!
    expect(lease.dataBytes).toBe(240)
    const raw = decodeRawSubbuf(rb, 0, lease.id)
    expect(raw.records.map((x) => x.ts)).toEqual([1, 2, 3])
    expect(raw.padding).toBe(48)
    expect(rb.stats(0).bytesRead).toBe(240)
  })
})

describe('takeSubbuf after reads', () => {
  // As the kernel's read_page: the reader sub-buffer still has unread bytes (its end padding),
  // so they are handed out as a page of only that padding (Linux 6.18, live:
  // `write 63; read; write 4050; read` gives a page of one padding event; tools/conformance-live)
  it('hands out the end padding left in a finished sub-buffer whose records were all consumed', () => {
    const rb = ring()
    write(rb, range(1, 7), 56) // 64-byte records: 1..3, 4..6, 7 in three sub-buffers
    const r = rb.reader()
    expect(drainCpu(r, 0).length).toBe(7)
    write(rb, range(8, 13), 56) // 8 and 9 join 7; 10..12 and 13 follow
    const r2 = rb.reader()
    expect(r2.consume(0)!.timestamp).toBe(8)
    expect(r2.consume(0)!.timestamp).toBe(9)
    const pad = r2.takeSubbuf(0)!
    const padRaw = decodeRawSubbuf(rb, 0, pad.id)
    expect(padRaw.records).toEqual([])
    expect(padRaw.padding).toBe(48)
    expect(pad.dataBytes).toBe(48)
    rb.releaseSubbuf(pad)
    const lease = r2.takeSubbuf(0)!
    expect(lease.id).not.toBe(rb.subbufs + 1) // zero-copy of the next sub-buffer
    expect(decodeRawSubbuf(rb, 0, lease.id).records.map((x) => x.ts)).toEqual([10, 11, 12])
    expect(lease.dataBytes).toBe(192)
    rb.releaseSubbuf(lease)
    expect(drainCpu(r2, 0).map((x) => x.ts)).toEqual([13])
    const s = rb.stats(0)
    expect(s.read).toBe(13)
    expect(s.bytesRead).toBe(4 * 240 + 64)
    expect(s.bytes).toBe(0)
  })
})

describe('spare pool', () => {
  it('throws BusyError when every spare is leased, until one is released', () => {
    const rb = ring('produce-consume', 2)
    write(rb, range(1, 20))
    const r = rb.reader()
    const a = r.takeSubbuf(0)!
    const b = r.takeSubbuf(0)!
    expect(a.id).not.toBe(b.id)
    let err: unknown
    try {
      r.takeSubbuf(0)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(BusyError)
    expect((err as Error).message.startsWith('cpu:')).toBe(true)
    // nothing was consumed by the refused call
    expect(rb.stats(0).read).toBe(10)
    // a lease is plain data: a structured clone (as posted to a worker) releases it
    rb.releaseSubbuf(structuredClone(a))
    const c = r.takeSubbuf(0)!
    expect(decodeRawSubbuf(rb, 0, c.id).records.map((x) => x.ts)).toEqual(range(11, 15))
    rb.releaseSubbuf(b)
    rb.releaseSubbuf(c)
    expect(drainCpu(r, 0).map((x) => x.ts)).toEqual(range(16, 20))
  })

  it('rejects releasing a sub-buffer that is not leased', () => {
    const rb = ring()
    write(rb, range(1, 10))
    const r = rb.reader()
    const a = r.takeSubbuf(0)!
    rb.releaseSubbuf(a)
    expectArgError(
      () => {
        rb.releaseSubbuf(a)
      },
      RangeError,
      'id',
    )
    expectArgError(
      () => {
        rb.releaseSubbuf({ ...a, id: 99 })
      },
      RangeError,
      'lease.id',
    )
    expectArgError(
      () => {
        rb.releaseSubbuf({ ...a, cpu: 3 })
      },
      RangeError,
      'cpu',
    )
    // still usable
    const b = r.takeSubbuf(0)!
    expect(decodeRawSubbuf(rb, 0, b.id).records.map((x) => x.ts)).toEqual(range(6, 10))
    rb.releaseSubbuf(b)
  })

  it('ignores a lease from before a reset, and the reset restores the pool', () => {
    const rb = ring()
    write(rb, range(1, 10))
    const r = rb.reader()
    const a = r.takeSubbuf(0)!
    rb.reset(0)
    rb.releaseSubbuf(a) // ignored: epoch changed
    write(rb, range(1, 10))
    const b = r.takeSubbuf(0)!
    expect(b.epoch).not.toBe(a.epoch)
    expect(decodeRawSubbuf(rb, 0, b.id).records.map((x) => x.ts)).toEqual(range(1, 5))
    rb.releaseSubbuf(b)
    const c = r.takeSubbuf(0)!
    expect(decodeRawSubbuf(rb, 0, c.id).records.map((x) => x.ts)).toEqual(range(6, 10))
  })
})
