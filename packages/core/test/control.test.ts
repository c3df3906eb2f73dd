import { describe, expect, it } from 'vitest'
import {
  ALL_CPUS,
  BusyError,
  RingBuffer,
  rawContiguousClient,
  rawPagedClient,
} from '../src/index.js'
import { drainCpu, expectArgError, payloadOf } from './helpers.js'

function paged(cpus = 1): RingBuffer {
  return RingBuffer.create({ cpus, size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
}

describe('recording control', () => {
  it('disables one CPU with a nesting counter; refused reservations are not counted', () => {
    const rb = paged(2)
    const w0 = rb.writer(0)
    const w1 = rb.writer(1)
    expect(rb.isOn()).toBe(true)
    rb.recordDisable(0)
    rb.recordDisable(0)
    expect(rb.isOn(0)).toBe(false)
    expect(rb.isOn(1)).toBe(true)
    expect(rb.isOn()).toBe(true) // the global switch is on
    expect(w0.reserve(8)).toBe(-1)
    expect(w0.write(payloadOf(0, 8))).toBe(false)
    expect(w1.write(payloadOf(1, 8))).toBe(true)
    rb.recordEnable(0)
    expect(w0.write(payloadOf(2, 8))).toBe(false)
    rb.recordEnable(0)
    expect(rb.isOn(0)).toBe(true)
    expect(w0.write(payloadOf(3, 8))).toBe(true)
    expectArgError(
      () => {
        rb.recordEnable(0)
      },
      RangeError,
      'cpu',
    )
    w0.flush()
    const s = rb.stats(0)
    expect(s.dropped).toBe(0)
    expect(s.written).toBe(1)
    expect(drainCpu(rb.reader(), 0).map((x) => x.payload)).toEqual([Array.from(payloadOf(3, 8))])
  })

  it('disables all CPUs; the off latch is independent of the counter', () => {
    const rb = paged(2)
    const w = [rb.writer(0), rb.writer(1)]
    rb.recordDisable()
    expect(rb.isOn()).toBe(false)
    expect(rb.isOn(1)).toBe(false)
    expect(rb.isSetOn()).toBe(true)
    expect(w[1]!.write(payloadOf(0, 8))).toBe(false)
    rb.recordEnable(ALL_CPUS)
    expect(rb.isOn()).toBe(true)
    expectArgError(
      () => {
        rb.recordEnable()
      },
      RangeError,
      'cpu',
    )
    rb.recordOff()
    expect(rb.isSetOn()).toBe(false)
    expect(rb.isOn()).toBe(false)
    expect(rb.isOn(0)).toBe(false)
    expect(w[0]!.write(payloadOf(1, 8))).toBe(false)
    // the latch is not a disable: enabling still finds nothing to undo
    expectArgError(
      () => {
        rb.recordEnable()
      },
      RangeError,
      'cpu',
    )
    rb.recordDisable()
    rb.recordOn()
    expect(rb.isSetOn()).toBe(true)
    expect(rb.isOn()).toBe(false) // still disabled once
    rb.recordEnable()
    expect(rb.isOn()).toBe(true)
    expect(w[0]!.write(payloadOf(2, 8))).toBe(true)
    expect(drainCpu(rb.reader(), 0)).toHaveLength(1)
    expect(drainCpu(rb.reader(), 1)).toHaveLength(0)
  })

  it('applies to the contiguous and the shared writers too', () => {
    const c = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      clock: 'counter',
      publishBatch: 1,
    })
    const wc = c.writer(0)
    c.recordDisable(0)
    expect(wc.write(payloadOf(0, 8))).toBe(false)
    c.recordEnable(0)
    expect(wc.write(payloadOf(1, 8))).toBe(true)
    const s = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      sync: 'shared',
      clock: 'counter',
      publishBatch: 1,
    })
    const ws = s.writer(0)
    s.recordOff()
    expect(ws.write(payloadOf(0, 8))).toBe(false)
    s.recordOn()
    expect(ws.write(payloadOf(1, 8))).toBe(true)
    expect(drainCpu(c.reader(), 0)).toHaveLength(1)
    expect(drainCpu(s.reader(), 0)).toHaveLength(1)
  })
})

describe('reset', () => {
  it('empties a ring at once when no writer holds it', () => {
    const rb = paged(2)
    for (let c = 0; c < 2; c++) {
      const w = rb.writer(c)
      for (let k = 0; k < 7; k++) w.write(payloadOf(k, 40))
      w.close()
    }
    rb.recordDisable(0)
    rb.reset(0)
    const s = rb.stats(0)
    expect([s.written, s.read, s.entries, s.bytes, s.bytesWritten, s.overrun]).toEqual([
      0, 0, 0, 0, 0, 0,
    ])
    expect(rb.reader().peek(0)).toBeNull()
    expect(rb.stats(1).written).toBe(7)
    expect(rb.isOn(0)).toBe(false) // the disable counter survives a reset
    rb.recordEnable(0)
    const w = rb.writer(0)
    w.write(payloadOf(9, 8))
    // the counter clock restarts with the ring
    expect(drainCpu(rb.reader(), 0).map((x) => [x.ts, x.payload[0]])).toEqual([
      [1, payloadOf(9, 8)[0]],
    ])
    rb.reset()
    expect(rb.stats().written).toBe(0)
    expect(rb.reader().empty()).toBe(true)
  })

  it('is applied by an attached writer at its next reserve or flush; readers see the ring empty meanwhile', () => {
    const rb = paged()
    const w = rb.writer(0)
    const r = rb.reader()
    for (let k = 0; k < 7; k++) w.write(payloadOf(k, 40))
    expect(r.consume(0)!.timestamp).toBe(1)
    rb.reset(0)
    expect(r.peek(0)).toBeNull()
    expect(r.takeSubbuf(0)).toBeNull()
    expect(rb.stats(0).written).toBe(0)
    w.write(payloadOf(100, 40))
    const got = drainCpu(r, 0)
    expect(got.map((x) => x.ts)).toEqual([1])
    expect(got[0]!.payload).toEqual(Array.from(payloadOf(100, 40)))
    expect(got[0]!.lost).toBe(0)
    const s = rb.stats(0)
    expect(s.written).toBe(1)
    expect(s.read).toBe(1)
    expect(s.overrun).toBe(0)
    rb.reset(0)
    w.flush()
    expect(rb.stats(0).read).toBe(0)
  })

  it('resets a contiguous ring', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 256,
      clock: 'counter',
      publishBatch: 1,
    })
    const w = rb.writer(0)
    for (let k = 0; k < 12; k++) w.write(payloadOf(k, 8))
    rb.reset(0)
    expect(rb.reader().peek(0)).toBeNull()
    w.write(payloadOf(50, 8))
    const got = drainCpu(rb.reader(), 0)
    expect(got.map((x) => [x.ts, x.lost])).toEqual([[1, 0]]) // the drops before the reset are gone
    expect(rb.stats(0).dropped).toBe(0)
  })
})

describe('resize', () => {
  it('refuses while a writer holds a ring, then re-lays the geometry and empties every ring', () => {
    const rb = RingBuffer.create({
      cpus: 2,
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
      maxByteLength: 1 << 20,
    })
    const w = rb.writer(1)
    w.write(payloadOf(0, 8))
    let err: unknown
    try {
      rb.resize(4000, 512)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(BusyError)
    expect((err as Error).message.startsWith('cpu:')).toBe(true)
    expect(rb.subbufs).toBe(4) // unchanged
    expect(drainCpu(rb.reader(), 1)).toHaveLength(1)
    w.close()
    const before = rb.sab.byteLength
    rb.resize(4000, 512)
    expect(rb.subbufSize).toBe(512)
    expect(rb.subbufs).toBe(Math.ceil(4000 / 496))
    expect(rb.sab.byteLength).toBeGreaterThan(before)
    expect(rb.stats().written).toBe(0)
    const r = rb.reader()
    expect(r.empty()).toBe(true)
    const w2 = rb.writer(1)
    // 112-byte records, 4 per sub-buffer: 9 sub-buffers hold 36
    for (let k = 0; k < 36; k++) expect(w2.write(payloadOf(k, 100))).toBe(true)
    const got = drainCpu(r, 1)
    expect(got).toHaveLength(36)
    expect(got.map((x) => x.payload)).toEqual(
      Array.from({ length: 36 }, (_, k) => Array.from(payloadOf(k, 100))),
    )
    expect(rb.stats(1).overrun).toBe(0)
    w2.close()
    // shrinking keeps the bigger buffer
    rb.resize(480)
    expect(rb.subbufs).toBe(1 + 1) // 480 / 496 rounds up to 1, the minimum is 2
    expect(rb.subbufSize).toBe(512)
  })

  it('a sub-buffer leased before a reset and a resize is stale: releasing it changes nothing', () => {
    // ftrace's read page is such a lease; Linux lets its caller keep it across a resize and
    // free it afterwards (tools/conformance-live, README "Divergences found so far" item 7)
    const rb = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
      maxByteLength: 1 << 20,
    })
    const w = rb.writer(0)
    for (let k = 0; k < 6; k++) w.write(payloadOf(k, 100))
    w.close()
    const lease = rb.reader().takeSubbuf(0)!
    expect(lease).not.toBeNull()
    rb.reset(0)
    rb.resize(480) // 2 sub-buffers
    // its id may be a ring sub-buffer of the new geometry, or past its ids
    rb.releaseSubbuf(lease)
    // the spare pool is whole: a sub-buffer can be taken and given back, twice
    const w2 = rb.writer(0)
    for (let k = 0; k < 2; k++) {
      w2.write(payloadOf(k, 200))
      w2.write(payloadOf(k + 10, 200))
      const again = rb.reader().takeSubbuf(0)!
      expect(again).not.toBeNull()
      expect(again.id).toBeLessThanOrEqual(rb.subbufs + 1)
      rb.releaseSubbuf(again)
    }
    w2.close()
  })

  it('refuses a geometry that does not fit, and bad sizes', () => {
    const rb = paged()
    expectArgError(
      () => {
        rb.resize(1 << 20)
      },
      RangeError,
      'size',
    )
    expectArgError(
      () => {
        rb.resize(960, 300)
      },
      RangeError,
      'subbufSize',
    )
    expectArgError(
      () => {
        rb.resize(0)
      },
      RangeError,
      'size',
    )
    expect(rb.subbufs).toBe(4)
    const w = rb.writer(0)
    expect(w.write(payloadOf(0, 8))).toBe(true)
    expect(drainCpu(rb.reader(), 0)).toHaveLength(1)
  })

  it('resizes a contiguous ring', () => {
    const rb = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      clock: 'counter',
      publishBatch: 1,
      maxByteLength: 1 << 16,
      mode: 'produce-consume',
    })
    rb.resize(4096)
    expect(rb.size).toBe(4096)
    expectArgError(
      () => {
        rb.resize(3000)
      },
      RangeError,
      'size',
    )
    const w = rb.writer(0)
    let n = 0
    while (w.write(payloadOf(n, 8))) n++
    expect(n).toBe(Math.floor(4095 / 24))
  })
})

describe('stats and lifetime', () => {
  it('sums all CPUs and keeps the identities', () => {
    const rb = paged(3)
    for (let c = 0; c < 3; c++) {
      const w = rb.writer(c)
      for (let k = 0; k < 10 * (c + 1); k++) w.write(payloadOf(k, 40), 1000 * (c + 1) + k)
      w.close()
    }
    const r = rb.reader()
    r.drain(1, () => undefined, 3)
    const all = rb.stats(ALL_CPUS)
    const parts = [0, 1, 2].map((c) => rb.stats(c))
    expect(all.written).toBe(60)
    expect(all.overrun).toBe(parts[2]!.overrun)
    expect(parts[2]!.overrun).toBe(10) // 30 records in 4 sub-buffers of 5
    expect(all.read).toBe(3)
    expect(all.entries).toBe(60 - 10 - 3)
    expect(all.bytesWritten).toBe(60 * 48)
    expect(all.bytes).toBe(parts.reduce((a, s) => a + s.bytes, 0))
    expect(all.oldestTimestamp).toBe(1000)
    for (const s of [all, ...parts]) {
      expect(s.written).toBe(s.read + s.overrun + s.entries)
      expect(s.bytesWritten).toBe(s.bytesRead + s.bytesOverrun + s.bytes)
    }
  })

  it('free makes every handle refuse to work', () => {
    const rb = paged()
    const w = rb.writer(0)
    w.write(payloadOf(0, 8))
    const r = rb.reader()
    expect(rb.freed).toBe(false)
    rb.free()
    expect(rb.freed).toBe(true)
    expectArgError(() => rb.writer(0), TypeError, 'buffer')
    expectArgError(() => rb.reader(), TypeError, 'buffer')
    expectArgError(() => r.consume(0), TypeError, 'buffer')
    expectArgError(() => r.next(), TypeError, 'buffer')
    expectArgError(() => rb.stats(), TypeError, 'buffer')
    expectArgError(
      () => {
        rb.reset()
      },
      TypeError,
      'buffer',
    )
    expectArgError(
      () => {
        rb.recordDisable()
      },
      TypeError,
      'buffer',
    )
    expectArgError(
      () => {
        rb.resize(960)
      },
      TypeError,
      'buffer',
    )
    expectArgError(() => w.write(payloadOf(1, 8)), TypeError, 'buffer')
    expectArgError(() => RingBuffer.attach(rb.sab), TypeError, 'sab')
  })

  it('stores a client flags word', () => {
    const rb = paged()
    expect(rb.clientFlags).toBe(0)
    rb.clientFlags = 0xabcdef
    expect(rb.clientFlags).toBe(0xabcdef)
    expectArgError(
      () => {
        rb.clientFlags = 1 << 24
      },
      RangeError,
      'clientFlags',
    )
    expectArgError(
      () => {
        rb.mode = 'lossy' as 'overwrite'
      },
      RangeError,
      'mode',
    )
    expect(rb.mode).toBe('overwrite')
    expect(rb.writer(0).write(payloadOf(0, 8))).toBe(true)
  })
})

describe('reset and the client area', () => {
  it("leaves the client's per-CPU area alone but resets the engine's head and tail in it", () => {
    const client = { ...rawPagedClient, id: 'test.area-client/1', cpuAreaBytes: () => 64 }
    const rb = RingBuffer.create({ client, clock: 'counter', publishBatch: 1 })
    const area = new Uint8Array(rb.sab, rb.areaOffset(0), 64)
    area.fill(0xab)
    rb.writer(0).write(new Uint8Array(8))
    rb.reset(0)
    rb.writer(0, { force: true }).write(new Uint8Array(8))
    expect(area.every((b) => b === 0xab)).toBe(true)

    const crb = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      clock: 'counter',
      publishBatch: 1,
    })
    const cw = crb.writer(0)
    cw.write(new Uint8Array(8))
    cw.close()
    const head = new BigInt64Array(crb.sab, crb.areaOffset(0), 2)
    expect(head[0]).toBe(24n)
    crb.reset(0)
    expect([head[0], head[1]]).toEqual([0n, 0n])
    expect(crb.stats(0).written).toBe(0)
  })
})
