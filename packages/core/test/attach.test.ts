import { describe, expect, it } from 'vitest'
import {
  BusyError,
  RingBuffer,
  clientHash,
  rawContiguousClient,
  rawPagedClient,
  registerClient,
} from '../src/index.js'
import type { RingClient } from '../src/index.js'
import { drainCpu, payloadOf } from './helpers.js'

describe('attach', () => {
  it('sees the same buffer through a second handle: geometry, records, counters', () => {
    const rb = RingBuffer.create({
      cpus: 2,
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
      mode: 'produce-consume',
      spareSubbufs: 2,
    })
    const other = RingBuffer.attach(rb.sab)
    expect(other.sab).toBe(rb.sab)
    expect(other.client).toBe(rawPagedClient)
    expect([
      other.cpus,
      other.subbufs,
      other.physicalSubbufs,
      other.subbufSize,
      other.mode,
      other.sync,
      other.publishBatch,
    ]).toEqual([2, 4, 7, 256, 'produce-consume', 'per-cpu', 1])
    const w = rb.writer(1)
    for (let k = 0; k < 7; k++) w.write(payloadOf(k, 40))
    // the writer lock lives in shared memory too
    expect(() => other.writer(1)).toThrow(BusyError)
    const r = other.reader()
    expect(r.consume(1)!.timestamp).toBe(1)
    expect(rb.stats(1)).toEqual(other.stats(1))
    expect(rb.stats(1).read).toBe(1)
    w.close()
    const w2 = other.writer(1) // continues the ring and its counter clock
    w2.write(payloadOf(7, 40))
    const got = drainCpu(rb.reader(), 1)
    expect(got.map((x) => x.ts)).toEqual([2, 3, 4, 5, 6, 7, 8])
    expect(got.map((x) => x.payload)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((k) => Array.from(payloadOf(k, 40))),
    )
    // control from either handle
    other.mode = 'overwrite'
    expect(rb.mode).toBe('overwrite')
    other.recordOff()
    expect(rb.isSetOn()).toBe(false)
    rb.recordOn()
    expect(other.isSetOn()).toBe(true)
  })

  it('passes leases between handles', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256, clock: 'counter', publishBatch: 1 })
    const other = RingBuffer.attach(rb.sab)
    const w = rb.writer(0)
    for (let k = 0; k < 7; k++) w.write(payloadOf(k, 40))
    const lease = rb.reader().takeSubbuf(0)!
    const bytes = other.subbufBytes(lease.cpu, lease.id)
    expect(Array.from(bytes.subarray(16 + 8, 16 + 8 + 40))).toEqual(Array.from(payloadOf(0, 40)))
    other.releaseSubbuf(structuredClone(lease))
    expect(rb.reader().takeSubbuf(0)).not.toBeNull() // the spare is back
  })

  it('follows a resize made through another handle', () => {
    const rb = RingBuffer.create({
      size: 960,
      subbufSize: 256,
      clock: 'counter',
      publishBatch: 1,
      maxByteLength: 1 << 18,
    })
    const other = RingBuffer.attach(rb.sab)
    const r = other.reader()
    rb.resize(8000, 1024)
    expect(other.subbufSize).toBe(1024)
    expect(other.subbufs).toBe(Math.ceil(8000 / 1008))
    const w = other.writer(0)
    for (let k = 0; k < 20; k++) expect(w.write(payloadOf(k, 300))).toBe(true)
    const got = drainCpu(r, 0)
    expect(got).toHaveLength(20)
    expect(got[19]!.payload).toEqual(Array.from(payloadOf(19, 300)))
    expect(rb.stats(0).read).toBe(20)
  })

  it('attaches contiguous buffers and custom clients given explicitly', () => {
    const c = RingBuffer.create({
      client: rawContiguousClient,
      size: 1024,
      clock: 'counter',
      publishBatch: 1,
    })
    const other = RingBuffer.attach(c.sab, { client: rawContiguousClient })
    expect(other.layout).toBe('contiguous')
    c.writer(0).write(payloadOf(0, 20))
    expect(drainCpu(other.reader(), 0).map((x) => x.payload)).toEqual([
      Array.from(payloadOf(0, 20)),
    ])

    const custom: RingClient = { ...rawPagedClient, id: 'test.attach.custom/1' }
    registerClient(custom)
    registerClient(custom) // again: a no-op
    expect(clientHash(custom.id)).not.toBe(clientHash(rawPagedClient.id))
    const rb = RingBuffer.create({ client: custom, size: 960, subbufSize: 256 })
    expect(RingBuffer.attach(rb.sab, { client: custom }).client).toBe(custom)
  })

  it('sees a free made through another handle', () => {
    const rb = RingBuffer.create({ size: 960, subbufSize: 256 })
    const other = RingBuffer.attach(rb.sab)
    other.free()
    expect(rb.freed).toBe(true)
    expect(() => rb.writer(0)).toThrow(/^buffer:/)
  })
})
