/**
 * The records of the real kernel mappings (Linux 6.18, test/fixtures/kernel/perf) decoded with
 * the attr each was opened with, and written back byte for byte. The walker here is
 * deliberately simple and separate from the real consumer: forward from data_tail to
 * data_head, or (write_backward) from data_head & mask until a size-0 header or a full buffer;
 * a record that straddles the end of the data area is copied out in two pieces.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeAttr } from '../src/attr.js'
import * as C from '../src/constants.js'
import { recordContext } from '../src/records/context.js'
import type { PerfRecordContext } from '../src/records/context.js'
import { decodeRecord, writeRecord } from '../src/records/record.js'
import type { PerfRecord, PerfRecordInput, PerfUnknownRecord } from '../src/records/record.js'

const FIXTURES = new URL('../../../test/fixtures/kernel/perf/', import.meta.url)
const O = C.PerfMmapPageOffset

interface Walked {
  pos: bigint
  straddled: boolean
  bytes: Uint8Array
  rec: PerfRecord | PerfUnknownRecord
}

function load(name: string): { map: Uint8Array; ctx: PerfRecordContext; backward: boolean } {
  const map = new Uint8Array(readFileSync(new URL(`${name}.mmap`, FIXTURES)))
  const attr = decodeAttr(
    new Uint8Array(readFileSync(new URL(`${name.replace('.before', '')}.attr`, FIXTURES))),
  )
  return { map, ctx: recordContext(attr), backward: attr.write_backward }
}

function walk(name: string): {
  records: Walked[]
  head: bigint
  tail: bigint
  ctx: PerfRecordContext
} {
  const { map, ctx, backward } = load(name)
  const page = new DataView(map.buffer, map.byteOffset, 4096)
  const head = page.getBigUint64(O.data_head, true)
  const tail = page.getBigUint64(O.data_tail, true)
  const dataOffset = Number(page.getBigUint64(O.data_offset, true))
  const dataSize = Number(page.getBigUint64(O.data_size, true))
  const data = map.subarray(dataOffset, dataOffset + dataSize)
  const mask = BigInt(dataSize - 1)
  const U64 = 1n << 64n
  const records: Walked[] = []
  let pos = backward ? head : tail
  const end = backward ? head + BigInt(dataSize) : head
  while (pos < end) {
    const off = Number(pos & mask)
    const hdr = new DataView(data.buffer, data.byteOffset + off, 8)
    const size = hdr.getUint16(6, true)
    if (size === 0) break // never written (backward)
    if (backward && pos + BigInt(size) > end) break // would wrap onto what was already read
    const bytes = new Uint8Array(size)
    const first = Math.min(size, dataSize - off)
    bytes.set(data.subarray(off, off + first))
    bytes.set(data.subarray(0, size - first), first)
    const rec = decodeRecord(new DataView(bytes.buffer), 0, ctx)
    records.push({ pos: pos % U64, straddled: first < size, bytes, rec })
    pos += BigInt(size)
  }
  return { records, head, tail, ctx }
}

function samples(rs: Walked[]): Extract<PerfRecord, { type: 9 }>[] {
  return rs
    .map((r) => r.rec)
    .filter((r): r is Extract<PerfRecord, { type: 9 }> => r.type === C.PERF_RECORD_SAMPLE)
}

function checkSamples(rs: Extract<PerfRecord, { type: 9 }>[]): void {
  const pid = rs[0]!.pid
  const id = rs[0]!.id
  for (const s of rs) {
    expect(Object.keys(s).sort()).toEqual([
      'cpu',
      'id',
      'ip',
      'misc',
      'period',
      'pid',
      'res',
      'size',
      'tid',
      'time',
      'type',
    ])
    expect(s.size).toBe(56)
    expect(s.misc & C.PERF_RECORD_MISC_CPUMODE_MASK).toBe(C.PERF_RECORD_MISC_USER)
    expect(s.cpu).toBe(0)
    expect(s.res).toBe(0)
    expect(s.pid).toBe(pid)
    expect(s.tid).toBe(pid) // the capturing thread is the main thread
    expect(s.id).toBe(id)
    expect(s.period! >= 90000n && s.period! <= 110000n, String(s.period)).toBe(true)
  }
}

function checkRewrite(rs: Walked[], ctx: PerfRecordContext): void {
  for (const { bytes, rec } of rs) {
    const out = new Uint8Array(bytes.length)
    expect(rec.type).not.toBe('unknown')
    expect(writeRecord(new DataView(out.buffer), 0, rec as PerfRecordInput, ctx)).toBe(bytes.length)
    expect(out).toEqual(bytes)
  }
}

function times(rs: Extract<PerfRecord, { type: 9 }>[]): bigint[] {
  return rs.map((s) => s.time!)
}

describe('kernel records', () => {
  it('samples: 115 SAMPLE (IP|TID|TIME|ID|CPU|PERIOD), cpu 0, period 100000, monotonic times', () => {
    const { records, ctx, head, tail } = walk('samples')
    expect([head, tail]).toEqual([6440n, 0n])
    expect(ctx.sample_type).toBe(0x1c7)
    expect(records).toHaveLength(115)
    const ss = samples(records)
    expect(ss).toHaveLength(115)
    checkSamples(ss)
    expect(ss.every((s) => s.period === 100000n)).toBe(true)
    const t = times(ss)
    for (let i = 1; i < t.length; i++) expect(t[i]! >= t[i - 1]!).toBe(true)
    expect(records.reduce((n, r) => n + r.bytes.length, 0)).toBe(6440)
    checkRewrite(records, ctx)
  })

  it.each([
    ['full', 13664n, 740n, 97],
    ['wrapped', 13496n, 140n, 94],
  ] as const)(
    '%s: one LOST first (straddling the end), then samples',
    (name, head, lost, nSamples) => {
      const { records, ctx, tail } = walk(name)
      expect(tail).toBe(8176n)
      expect(records.reduce((n, r) => n + BigInt(r.bytes.length), 0n)).toBe(head - tail)
      const first = records[0]!
      expect(first.straddled).toBe(true)
      expect(records.filter((r) => r.straddled)).toHaveLength(1)
      const l = first.rec
      if (l.type !== C.PERF_RECORD_LOST) throw new Error(`expected LOST, got ${String(l.type)}`)
      expect(records.filter((r) => r.rec.type === C.PERF_RECORD_LOST)).toHaveLength(1)
      expect(l.size).toBe(8 + 16 + 32) // body + TID|TIME|ID|CPU trailer
      expect(l.misc).toBe(0)
      expect(l.lost).toBe(lost)
      const ss = samples(records)
      expect(ss).toHaveLength(nSamples)
      checkSamples(ss)
      // the LOST belongs to the same event, thread and CPU as the samples, and was written with the first of them
      expect(l.id).toBe(ss[0]!.id)
      expect(l.sample_id).toEqual({
        pid: ss[0]!.pid,
        tid: ss[0]!.tid,
        time: ss[0]!.time,
        id: ss[0]!.id,
        cpu: 0,
        res: 0,
      })
      const t = times(ss)
      for (let i = 1; i < t.length; i++) expect(t[i]! >= t[i - 1]!).toBe(true)
      checkRewrite(records, ctx)
    },
  )

  it.each(['full.before', 'wrapped.before'])(
    '%s: a full buffer of samples, no LOST yet',
    (name) => {
      const { records, ctx, head } = walk(name)
      expect(head).toBe(8176n) // 8192 − 16: the next 56-byte record did not fit
      expect(records).toHaveLength(146)
      checkSamples(samples(records))
      checkRewrite(records, ctx)
    },
  )

  it('backward: newest first from head & mask, a full buffer of samples', () => {
    const { records, ctx, head } = walk('backward')
    expect(head).toBe((1n << 64n) - 47264n)
    expect(ctx.sample_type).toBe(0x1c7)
    expect(records).toHaveLength(146) // 146 × 56 = 8176; one more would pass 8192
    expect(records.filter((r) => r.straddled)).toHaveLength(1)
    const ss = samples(records)
    expect(ss).toHaveLength(146)
    checkSamples(ss)
    const t = times(ss)
    for (let i = 1; i < t.length; i++) expect(t[i]! <= t[i - 1]!, `record ${i}`).toBe(true)
    checkRewrite(records, ctx)
  })

  it('sideband: 6 MMAP2 and 10 SWITCH with the TID|TIME|CPU trailer', () => {
    const { records, ctx, head } = walk('sideband')
    expect(head).toBe(952n)
    expect(ctx.sample_type).toBe(C.PERF_SAMPLE_TID | C.PERF_SAMPLE_TIME | C.PERF_SAMPLE_CPU)
    expect(ctx.sample_id_all).toBe(true)
    const recs = records.map((r) => r.rec)
    const mmap2 = recs.filter((r) => r.type === C.PERF_RECORD_MMAP2)
    const sw = recs.filter((r) => r.type === C.PERF_RECORD_SWITCH)
    expect(mmap2).toHaveLength(6)
    expect(sw).toHaveLength(10)
    expect(recs).toHaveLength(16)
    for (const r of recs) {
      if (r.type === 'unknown') throw new Error('unknown record')
      const sid = (r as { sample_id?: object }).sample_id
      expect(Object.keys(sid ?? {}).sort()).toEqual(['cpu', 'pid', 'res', 'tid', 'time'])
    }
    for (const m of mmap2) {
      if (m.type !== C.PERF_RECORD_MMAP2) continue
      expect(m.misc & C.PERF_RECORD_MISC_MMAP_BUILD_ID).toBe(0)
      expect('maj' in m).toBe(true)
      expect(m.filename.startsWith('/')).toBe(true)
      expect(m.sample_id?.pid).toBe(m.pid)
    }
    // switches come in out/in pairs
    const outs = sw.filter((s) => s.misc & C.PERF_RECORD_MISC_SWITCH_OUT)
    expect(outs).toHaveLength(5)
    for (const s of sw) expect(s.size).toBe(32)
    const t = recs.map((r) => (r as { sample_id: { time: bigint } }).sample_id.time)
    for (let i = 1; i < t.length; i++) expect(t[i]! >= t[i - 1]!).toBe(true)
    checkRewrite(records, ctx)
  })
})
