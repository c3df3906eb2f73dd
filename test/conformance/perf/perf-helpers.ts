/**
 * Helpers of the perf conformance suite: the kernel fixtures (real Linux 6.18 mappings), and an
 * independent walker of a forward mapping that does not use onering at all.
 */
import { readFileSync } from 'node:fs'

/** The fixture scenarios. */
export type Scenario = 'samples' | 'full' | 'wrapped' | 'backward' | 'sideband'

/** A fixture file's bytes, copied into a fresh (8-byte aligned) buffer. */
export function fixture(name: string): Uint8Array {
  const buf = readFileSync(new URL(`../../fixtures/kernel/perf/${name}`, import.meta.url))
  return new Uint8Array(buf)
}

export function u32(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true)
}

export function u64(b: Uint8Array, off: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true)
}

/** data_head, data_tail and the data area of a mapping (control page 4096 B). */
export function layout(bytes: Uint8Array): { head: bigint; tail: bigint; data: Uint8Array } {
  const size = Number(u64(bytes, 1048))
  return { head: u64(bytes, 1024), tail: u64(bytes, 1032), data: bytes.subarray(4096, 4096 + size) }
}

/** The bytes of the record of `size` bytes at free-running position `pos` (two pieces joined). */
export function recordAt(data: Uint8Array, pos: bigint, size: number): Uint8Array {
  const mask = data.length - 1
  const at = Number(pos & BigInt(mask))
  const out = new Uint8Array(size)
  for (let k = 0; k < size; k++) out[k] = data[(at + k) & mask]!
  return out
}

/** The records of a forward mapping from data_tail to data_head, each copied out. */
export function forwardRecords(bytes: Uint8Array): Uint8Array[] {
  const { head, tail, data } = layout(bytes)
  const out: Uint8Array[] = []
  for (let pos = tail; pos < head;) {
    const size = u32(recordAt(data, pos, 8), 4) >>> 16
    if (size < 8) throw new Error(`bad record size ${size} at ${pos}`)
    out.push(recordAt(data, pos, size))
    pos += BigInt(size)
  }
  return out
}

/** A DataView over a record's bytes. */
export function view(rec: Uint8Array): DataView {
  return new DataView(rec.buffer, rec.byteOffset, rec.byteLength)
}

/** The README's table: data size and head / tail at the end of the capture. */
export const TABLE: Record<Scenario, { dataSize: number; head: bigint; tail: bigint }> = {
  samples: { dataSize: 32768, head: 6440n, tail: 0n },
  full: { dataSize: 8192, head: 13664n, tail: 8176n },
  wrapped: { dataSize: 8192, head: 13496n, tail: 8176n },
  backward: { dataSize: 8192, head: 2n ** 64n - 47264n, tail: 0n },
  sideband: { dataSize: 32768, head: 952n, tail: 0n },
}
