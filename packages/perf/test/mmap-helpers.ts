/**
 * Shared helpers of the mmap consumer tests: fixture loading (the real kernel mappings in
 * test/fixtures/kernel/perf), hand-made mappings with a producer that writes as the kernel,
 * and a drain loop that keeps what each record looked like.
 */
import { readFileSync } from 'node:fs'
import { initControlPage, PerfEventMmapPage } from '../src/control-page.js'
import {
  PerfMmap,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
} from '../src/mmap-reader.js'

const PAGE = 4096

/** A zeroed mapping: a control page of `pageSize` bytes, then a `dataSize`-byte data area. */
export function mapping(
  dataSize: number,
  shared: boolean = false,
  pageSize: number = PAGE,
): Uint8Array {
  const len = pageSize + dataSize
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(len) : new ArrayBuffer(len))
  initControlPage(bytes, dataSize, pageSize)
  return bytes
}

/** A record: header {type, misc, size} then bytes (seed + k) & 255. */
export function record(type: number, size: number, seed: number = 0, misc: number = 0): Uint8Array {
  const r = new Uint8Array(size)
  const dv = new DataView(r.buffer)
  dv.setUint32(0, type, true)
  dv.setUint16(4, misc, true)
  dv.setUint16(6, size, true)
  for (let k = 8; k < size; k++) r[k] = (seed + k) & 255
  return r
}

/** Write `rec` at data_head (splitting at the end) and publish the new head, as the kernel. */
export function produce(bytes: Uint8Array, rec: Uint8Array): void {
  const pc = new PerfEventMmapPage(bytes)
  const off = Number(pc.data_offset)
  const size = Number(pc.data_size)
  const head = pc.data_head
  writeAt(bytes, off, size, head, rec)
  pc.data_head = BigInt.asUintN(64, head + BigInt(rec.length))
}

/** write_backward: head −= size, then write at the new head. */
export function produceBackward(bytes: Uint8Array, rec: Uint8Array): void {
  const pc = new PerfEventMmapPage(bytes)
  const head = BigInt.asUintN(64, pc.data_head - BigInt(rec.length))
  writeAt(bytes, Number(pc.data_offset), Number(pc.data_size), head, rec)
  pc.data_head = head
}

function writeAt(bytes: Uint8Array, off: number, size: number, pos: bigint, rec: Uint8Array) {
  const o = Number(pos & BigInt(size - 1))
  const first = Math.min(rec.length, size - o)
  bytes.set(rec.subarray(0, first), off + o)
  bytes.set(rec.subarray(first), off)
}

const FIXTURES = new URL('../../../test/fixtures/kernel/perf/', import.meta.url)

/** Fixture names with a whole mapping. */
export type FixtureName =
  'samples' | 'full' | 'wrapped' | 'backward' | 'sideband' | 'full.before' | 'wrapped.before'

/** The bytes of `NAME.mmap` in a fresh (writable, unshared) buffer, or in a SharedArrayBuffer. */
export function loadMapping(name: FixtureName, shared = false): Uint8Array {
  const file = readFileSync(new URL(`${name}.mmap`, FIXTURES))
  const out = new Uint8Array(
    shared ? new SharedArrayBuffer(file.length) : new ArrayBuffer(file.length),
  )
  out.set(file)
  return out
}

/** The 128-byte `perf_event_attr` of a fixture. */
export function loadAttr(name: 'samples' | 'full' | 'wrapped' | 'backward' | 'sideband'): DataView {
  const file = readFileSync(new URL(`${name}.attr`, FIXTURES))
  return new DataView(file.buffer, file.byteOffset, file.byteLength)
}

/** `attr.write_backward` (flag bit 27): perf maps such events read-only, i.e. overwrite. */
export function isWriteBackward(attr: DataView): boolean {
  return (attr.getBigUint64(40, true) & (1n << 27n)) !== 0n
}

/** u64 at `off` of `b`, as a bigint. */
export function u64(b: Uint8Array, off: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true)
}

/** u32 at `off` of `b`. */
export function u32(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true)
}

/** What one `perf_mmap__read_event` returned. */
export interface Got {
  /** `map.start` before the call: the record's free-running position. */
  pos: bigint
  type: number
  misc: number
  size: number
  copied: boolean
  /** A copy of the record bytes, taken before consume. */
  bytes: Uint8Array
  /** The view read_event returned (its content is only valid until consume). */
  view: Uint8Array
}

/** One libperf read pass: read_init, read_event/consume until null, read_done. */
export function drain(map: PerfMmap): { rc: number; got: Got[] } {
  const got: Got[] = []
  const rc = perf_mmap__read_init(map)
  if (rc !== 0) return { rc, got }
  for (;;) {
    const pos = map.start
    const ev = perf_mmap__read_event(map)
    if (ev === null) break
    got.push({
      pos,
      type: ev.header.type,
      misc: ev.header.misc,
      size: ev.header.size,
      copied: ev.copied,
      bytes: ev.bytes.slice(),
      view: ev.bytes,
    })
    perf_mmap__consume(map)
  }
  perf_mmap__read_done(map)
  return { rc, got }
}

/** `true` when `view` points into `map`'s data area at the offset of `pos`. */
export function isInPlace(map: PerfMmap, view: Uint8Array, pos: bigint): boolean {
  return (
    view.buffer === map.base.buffer &&
    view.byteOffset === map.base.byteOffset + map.page_size + Number(pos & BigInt(map.mask))
  )
}

/** The record at `pos` reassembled by hand from the two pieces of the data area. */
export function twoPieces(map: PerfMmap, pos: bigint, size: number): Uint8Array {
  const dataSize = map.mask + 1
  const off = Number(pos & BigInt(map.mask))
  const data = map.base.subarray(map.page_size, map.page_size + dataSize)
  const first = data.slice(off, dataSize)
  const rest = data.slice(0, size - first.length)
  const out = new Uint8Array(size)
  out.set(first, 0)
  out.set(rest, first.length)
  return out
}
