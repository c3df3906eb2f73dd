import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient, rawPagedClient } from '../src/index.js'
import * as L from '../src/layout.js'

/**
 * `RingBuffer.attach` on corrupt shared memory (reliability issue, point B.4): the header
 * checksum covers only the header, so every per-CPU word a reader or writer takes an index or
 * offset from is range-checked at attach, with a TypeError naming the ring and the word.
 */
function pagedBuffer(sync: 'per-cpu' | 'shared' = 'per-cpu'): RingBuffer {
  const rb = RingBuffer.create({
    cpus: 2,
    size: 4096,
    subbufSize: 1024,
    sync,
    client: rawPagedClient,
  })
  for (let cpu = 0; cpu < 2; cpu++) {
    const w = rb.writer(cpu)
    for (let k = 0; k < 50; k++) w.write(new Uint8Array(20).fill(k))
    w.close()
  }
  rb.reader().consume(1)
  return rb
}

/** A copy of `rb`'s memory with `edit` applied (and the header checksum recomputed). */
function corrupted(
  rb: RingBuffer,
  edit?: (i32: Int32Array, rb: RingBuffer) => void,
): SharedArrayBuffer {
  const copy = new SharedArrayBuffer(rb.sab.byteLength)
  new Uint8Array(copy).set(new Uint8Array(rb.sab))
  const i32 = new Int32Array(copy)
  edit?.(i32, rb)
  i32[L.H_CHECK] = L.headerChecksum(i32)
  return copy
}

const commitIdx = (rb: RingBuffer, cpu: number, id: number): number =>
  (rb.subbufOffset(cpu, id) + rb.client.commitOffset) >> 2

const paged: [string, (i: Int32Array, rb: RingBuffer) => void, RegExp][] = [
  [
    'C_HEAD_SLOT',
    (i, rb) => (i[rb.ctl(1) + L.C_HEAD_SLOT] = 1 << 20),
    /ring 1's C_HEAD_SLOT holds 1048576/,
  ],
  ['C_TAIL_SLOT', (i, rb) => (i[rb.ctl(0) + L.C_TAIL_SLOT] = -1), /ring 0's C_TAIL_SLOT/],
  ['C_COMMIT_SLOT', (i, rb) => (i[rb.ctl(0) + L.C_COMMIT_SLOT] = 99), /ring 0's C_COMMIT_SLOT/],
  [
    'C_READER_PAGE',
    (i, rb) => (i[rb.ctl(0) + L.C_READER_PAGE] = 0x7fffffff),
    /ring 0's C_READER_PAGE/,
  ],
  ['C_READER_READ', (i, rb) => (i[rb.ctl(1) + L.C_READER_READ] = 5000), /ring 1's C_READER_READ/],
  [
    'C_WRITER_PAGE',
    (i, rb) => (i[rb.ctl(0) + L.C_WRITER_PAGE] = rb.g.physical),
    /ring 0's C_WRITER_PAGE/,
  ],
  ['C_SPARE_IDS', (i, rb) => (i[rb.ctl(0) + L.C_SPARE_IDS] = -7), /ring 0's C_SPARE_IDS\[0\]/],
  [
    'slot word id',
    (i, rb) => (i[rb.slots(0) + 1] = L.slotWord(900, 1, true)),
    /ring 0's slot word 1 \(id\)/,
  ],
  [
    'page meta',
    (i, rb) => (i[(rb.metaOffset(0, 2) >> 2) + L.PM_REAL_END] = 1 << 24),
    /ring 0's page meta 2 PM_REAL_END/,
  ],
  [
    'commit word',
    (i, rb) => (i[commitIdx(rb, 1, 3)] = 4000),
    /ring 1's commit word of sub-buffer 3/,
  ],
  ['H_CPU_STRIDE', (i) => (i[L.H_CPU_STRIDE] = 64), /H_CPU_STRIDE = 64/],
  ['H_UNIT_SHIFT', (i) => (i[L.H_UNIT_SHIFT] = 40), /H_UNIT_SHIFT = 40/],
  ['H_CPUS', (i) => (i[L.H_CPUS] = 0), /H_CPUS = 0/],
  ['H_CLOCK', (i) => (i[L.H_CLOCK] = 3), /H_CLOCK = 3/],
  ['H_FLAGS', (i) => (i[L.H_FLAGS] = 0x40), /H_FLAGS = 64/],
]

describe('attach range-checks the per-CPU words of the paged layout', () => {
  it.each(paged)('%s out of range: a TypeError naming the ring and word', (_, edit, msg) => {
    const rb = pagedBuffer()
    const sab = corrupted(rb, edit)
    let err: unknown
    try {
      RingBuffer.attach(sab)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TypeError)
    expect((err as Error).message).toMatch(/^sab: /)
    expect((err as Error).message).toMatch(msg)
    // the same buffer without the edit attaches and reads
    const ok = RingBuffer.attach(corrupted(rb))
    expect(ok.reader().consume(0)).not.toBeNull()
  })

  it('a slot id corrupted after attach is refused where the swap re-reads it', () => {
    const rb = pagedBuffer()
    const other = RingBuffer.attach(rb.sab)
    rb.i32[rb.slots(0) + 0] = L.slotWord(4000, 0, false)
    expect(() => other.reader().consume(0)).toThrow(
      /^sab: ring 0's slot word 0 holds sub-buffer id 4000/,
    )
  })

  it('shared sync: a switch that never ends (C_RESV all ones) is refused after a bounded wait', () => {
    const rb = pagedBuffer('shared')
    const sab = corrupted(rb, (i, b) => {
      i[b.ctl(0) + L.C_WRITER_LOCK] = 1
      i[b.ctl(0) + L.C_RESV] = -1
    })
    const t0 = Date.now()
    expect(() => RingBuffer.attach(sab)).toThrow(
      /^sab: ring 0's C_RESV says a sub-buffer switch is in progress/,
    )
    expect(Date.now() - t0).toBeLessThan(10_000)
  })

  it('shared sync: a reservation offset inside the header is refused', () => {
    const rb = pagedBuffer('shared')
    const sab = corrupted(rb, (i, b) => (i[b.ctl(0) + L.C_RESV] = 1))
    expect(() => RingBuffer.attach(sab)).toThrow(/^sab: ring 0's C_RESV \(offset\) holds 1/)
  })
})

describe('attach checks the contiguous head and tail', () => {
  it('refuses a position JavaScript numbers cannot hold exactly', () => {
    const rb = RingBuffer.create({ size: 4096, client: rawContiguousClient })
    const w = rb.writer(0)
    w.write(new Uint8Array(10))
    w.close()
    const sab = corrupted(rb)
    const b64 = new BigInt64Array(sab)
    b64[(rb.areaOffset(0) + rawContiguousClient.headOffset) >> 3] = 1n << 60n
    expect(() => RingBuffer.attach(sab)).toThrow(/^sab: ring 0's head position/)
  })
})

describe('attach checks the contiguous reader position', () => {
  it('refuses a pending tail (F_TAIL_POS) that is not an exact position up to the head', () => {
    const rb = RingBuffer.create({
      size: 4096,
      client: rawContiguousClient,
      mode: 'produce-consume',
    })
    const w = rb.writer(0)
    w.write(new Uint8Array(10))
    w.close()
    for (const bad of [232.015380859375, 5e-323, 1e6]) {
      const sab = corrupted(rb)
      new Float64Array(sab)[rb.fx(0) + L.F_TAIL_POS] = bad
      expect(() => RingBuffer.attach(sab)).toThrow(/^sab: ring 0's F_TAIL_POS holds/)
    }
  })

  it('refuses, in produce-consume, a head more than the data area past the tail', () => {
    const rb = RingBuffer.create({
      size: 4096,
      client: rawContiguousClient,
      mode: 'produce-consume',
    })
    const sab = corrupted(rb)
    new BigInt64Array(sab)[(rb.areaOffset(0) + rawContiguousClient.headOffset) >> 3] = 5000n
    expect(() => RingBuffer.attach(sab)).toThrow(/^sab: ring 0's head − tail holds 5000/)
  })
})
