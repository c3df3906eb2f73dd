/**
 * The kernel's ring protocol on the core's contiguous layout: replaying the `full` and
 * `wrapped` fixture scenarios (same data size, same record sizes, same moment the consumer frees
 * space) gives the kernel's data_head / data_tail, its PERF_RECORD_LOST byte for byte, and the
 * control page the kernel writes.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '@onering/core'
import { PerfClient } from '../src/perf-client.js'
import { recordContext } from '../src/records/context.js'
import { decodeAttr } from '../src/attr.js'

const fx = (name: string): Uint8Array =>
  new Uint8Array(
    readFileSync(new URL(`../../../test/fixtures/kernel/perf/${name}`, import.meta.url)),
  )

interface Mapping {
  head: number
  tail: number
  data: Uint8Array
}

function mapping(bytes: Uint8Array): Mapping {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const size = Number(dv.getBigUint64(1048, true))
  return {
    head: Number(dv.getBigUint64(1024, true)),
    tail: Number(dv.getBigUint64(1032, true)),
    data: bytes.subarray(4096, 4096 + size),
  }
}

/** The records from tail to head, each copied out (two pieces when it straddles the end). */
function records(m: Mapping): Uint8Array[] {
  const mask = m.data.length - 1
  const out: Uint8Array[] = []
  for (let pos = m.tail; pos < m.head;) {
    const at = pos & mask
    const size = m.data[(at + 6) & mask]! | (m.data[(at + 7) & mask]! << 8)
    const rec = new Uint8Array(size)
    for (let k = 0; k < size; k++) rec[k] = m.data[(at + k) & mask]!
    out.push(rec)
    pos += size
  }
  return out
}

const u32 = (b: Uint8Array, off: number): number =>
  new DataView(b.buffer, b.byteOffset).getUint32(off, true)
const u64 = (b: Uint8Array, off: number): number =>
  Number(new DataView(b.buffer, b.byteOffset).getBigUint64(off, true))

describe.each(['full', 'wrapped'])('replaying the %s scenario', (name) => {
  it('gives the kernel head, tail, LOST record and control page', () => {
    const before = mapping(fx(`${name}.before.mmap`))
    const after = mapping(fx(`${name}.mmap`))
    const recsBefore = records(before)
    const recsAfter = records(after)
    const lostRec = recsAfter[0]!
    expect(u32(lostRec, 0)).toBe(2)
    const attr = decodeAttr(fx(`${name}.attr`))
    const ctx = recordContext(attr)
    // the kernel's LOST names the event and carries its sample_id (TID, TIME, ID, CPU here)
    const id = BigInt(u64(lostRec, 8))
    const pid = u32(lostRec, 24)
    const client = new PerfClient(4096)
    const tag = client.register({
      ctx,
      id,
      sampleId: (time) => ({ pid, tid: pid, time: BigInt(time), id, cpu: 0 }),
    })
    const rb = RingBuffer.create({
      client,
      size: before.data.length,
      mode: 'produce-consume',
      publishBatch: 1,
      clock: 'counter',
    })
    const w = rb.writer(0)
    const sampleTime = (rec: Uint8Array): number => u64(rec, 8 + 8 + 8) // IP, TID, then TIME
    const write = (rec: Uint8Array): boolean => {
      const off = w.reserve(rec.length, sampleTime(rec), tag)
      if (off < 0) return false
      w.put(off, rec)
      w.commit()
      return true
    }
    // the writer fills the ring while nobody reads; the rest are dropped
    for (const rec of recsBefore) expect(write(rec)).toBe(true)
    const lost = u64(lostRec, 16)
    const sample = recsBefore[0]!
    for (let k = 0; k < lost; k++) expect(write(sample)).toBe(false)
    const area = new DataView(rb.sab, rb.areaOffset(0), 4096)
    expect(Number(area.getBigUint64(1024, true))).toBe(before.head)
    // the consumer frees everything (data_tail = data_head), the writer goes on
    area.setBigUint64(1032, area.getBigUint64(1024, true), true)
    for (const rec of recsAfter.slice(1)) expect(write(rec)).toBe(true)
    expect([Number(area.getBigUint64(1024, true)), Number(area.getBigUint64(1032, true))]).toEqual([
      after.head,
      after.tail,
    ])
    // the LOST record, byte for byte, where the kernel put it
    const ours = records({ head: after.head, tail: after.tail, data: rb.subbufBytes(0) })
    expect(Array.from(ours[0]!)).toEqual(Array.from(lostRec))
    expect(ours.length).toBe(recsAfter.length)
    expect(rb.stats(0)).toMatchObject({
      dropped: lost,
      written: recsBefore.length + recsAfter.length - 1,
    })
    // the control page fields the kernel writes
    const kernelPage = fx(`${name}.mmap`).subarray(0, 4096)
    const ourPage = new Uint8Array(rb.sab, rb.areaOffset(0), 4096)
    for (const [off, len] of [
      [0, 8], // version, compat_version
      [40, 8], // capabilities
      [72, 4], // size
      [1024, 32], // data_head, data_tail, data_offset, data_size
    ] as const)
      expect(Array.from(ourPage.subarray(off, off + len))).toEqual(
        Array.from(kernelPage.subarray(off, off + len)),
      )
  })
})
