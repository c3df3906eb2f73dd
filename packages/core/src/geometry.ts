/**
 * Geometry: how big a buffer is and where each per-CPU block, sub-buffer and client area lies
 * in it (`docs/design.md §3.1`). The sizing rules (limits, the kernel's sub-buffer count) are
 * checked here once, for `create` and `resize` alike; the geometry words of the header are
 * written and read back here, and a handle re-derives its views from them after a resize.
 *
 * Invariants:
 * - the geometry words of the header change only under every ring's writer and reader lock
 *   (`resize`), followed by an `H_GEN` bump;
 * - a handle's `g` is the geometry of the `H_GEN` it last saw (`refreshGeometry`).
 *
 * @internal
 * @packageDocumentation
 */
import { checkInt, checkPow2 } from './errors.js'
import type { ClientGeometry, RingClient } from './client.js'
import * as L from './layout.js'
import type { RingBuffer } from './ring-buffer.js'
import { spillBytes } from './spill.js'
import { LEASE_TABLE_BYTES } from './writer-lease.js'

/** Smallest sub-buffer or data area: 2^8 bytes. */
const MIN_UNIT_SHIFT = 8
/** Largest sub-buffer: 2^20 bytes (shared sync: below that, its offset field has 20 bits). */
const MAX_SUBBUF_SHIFT = 20
/** Largest contiguous data area: 2^30 bytes. */
const MAX_DATA_SHIFT = 30
/** Most per-CPU rings. */
export const MAX_CPUS = 1024
/** Most ring sub-buffers per CPU. */
const MAX_SUBBUFS = 8192
/** Largest buffer: a `SharedArrayBuffer` addressed by Int32 byte offsets. */
export const MAX_TOTAL_BYTES: number = 2 ** 31 - 1

/** Computed geometry of one buffer (`docs/design.md §3.1`). */
export interface Geometry {
  layout: number
  cpus: number
  unitShift: number
  unit: number
  subbufs: number
  spares: number
  physical: number
  clientArea: number
  cpuBase: number
  cpuStride: number
  total: number
  slotsOff: number
  /** Shared sync: the writer lease table (`writer-lease.ts`), after the page-by-slot table; else = metaOff. */
  leaseOff: number
  metaOff: number
  areaOff: number
  dataOff: number
  /** Contiguous: bytes of the spill area right after the data area (`spill.ts`); paged: 0. */
  spill: number
}

/** What the sizing rules give for one ring: the unit (sub-buffer or data area) and the slots. */
export interface RingSizing {
  unitShift: number
  /** Ring sub-buffers (paged); 1 (contiguous). */
  subbufs: number
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a
}

function log2(n: number): number {
  return 31 - Math.clz32(n)
}

/** Offsets of a buffer's parts, from the header's geometry words (`docs/design.md §3.1`). */
export function computeGeometry(
  layout: number,
  cpus: number,
  unitShift: number,
  subbufs: number,
  spares: number,
  clientArea: number,
  spill: number,
  shared = false,
): Geometry {
  const unit = 2 ** unitShift
  const physical = layout === L.LAYOUT_PAGED ? subbufs + 1 + spares : 1
  const slotsOff = L.CONTROL_BYTES
  // slot words, then the shared writers' page-by-slot table (same length) and lease table
  const leaseOff = align(slotsOff + (layout === L.LAYOUT_PAGED ? 8 * subbufs : 0), 8)
  const metaOff = leaseOff + (shared ? LEASE_TABLE_BYTES : 0)
  const areaOff = align(
    metaOff + (layout === L.LAYOUT_PAGED ? L.PAGE_META_BYTES * physical : 0),
    64,
  )
  const dataOff = align(areaOff + clientArea, 64)
  // contiguous: the spill area follows the data area (a reservation across the end goes on there)
  const cpuStride = align(dataOff + physical * unit + spill, 64)
  const cpuBase = L.HEADER_BYTES
  return {
    layout,
    cpus,
    unitShift,
    unit,
    subbufs,
    spares,
    physical,
    clientArea,
    cpuBase,
    cpuStride,
    total: cpuBase + cpus * cpuStride,
    slotsOff,
    leaseOff,
    metaOff,
    areaOff,
    dataOff,
    spill,
  }
}

/** The geometry as a client sees it when it lays out its per-CPU area. */
export function clientGeometry(g: Geometry): ClientGeometry {
  return {
    layout: g.layout === L.LAYOUT_PAGED ? 'paged' : 'contiguous',
    unitBytes: g.unit,
    subbufs: g.subbufs,
    physicalSubbufs: g.physical,
  }
}

/**
 * Number of ring sub-buffers the kernel's sizing rule gives for `size` bytes per CPU:
 * `max(2, ceil(size / (subbufSize - header)))`.
 *
 * @throws RangeError naming `size` when it is out of range or needs too many sub-buffers.
 */
export function subbufsFor(size: number, subbufSize: number, client: RingClient): number {
  checkInt('size', size, 1, MAX_TOTAL_BYTES)
  const data = subbufSize - client.subbufHeaderBytes
  const n = Math.max(2, Math.ceil(size / data))
  if (n > MAX_SUBBUFS)
    throw new RangeError(`size: ${size} needs ${n} sub-buffers (max ${MAX_SUBBUFS})`)
  return n
}

/**
 * Check `size` and `subbufSize` against the limits of a layout and size one ring. The paged
 * layout uses both; the contiguous layout only `size` (the data area, a power of two).
 *
 * @throws RangeError naming `subbufSize` or `size`.
 */
export function sizeRing(
  paged: boolean,
  size: number,
  subbufSize: number,
  client: RingClient,
  shared: boolean,
): RingSizing {
  if (!paged) {
    const data = checkPow2('size', size, 1 << MIN_UNIT_SHIFT, 2 ** MAX_DATA_SHIFT)
    return { unitShift: log2(data), subbufs: 1 }
  }
  checkPow2('subbufSize', subbufSize, 1 << MIN_UNIT_SHIFT, 1 << MAX_SUBBUF_SHIFT)
  if (subbufSize <= client.subbufHeaderBytes + 16)
    throw new RangeError(`subbufSize: ${subbufSize} leaves no room after the client header`)
  // shared sync keeps the reservation offset in 20 bits, with 0xfffff reserved
  if (shared && subbufSize >= 1 << MAX_SUBBUF_SHIFT)
    throw new RangeError(
      `subbufSize: shared sync needs sub-buffers below ${1 << MAX_SUBBUF_SHIFT} bytes`,
    )
  return { unitShift: log2(subbufSize), subbufs: subbufsFor(size, subbufSize, client) }
}

/**
 * The geometry of a buffer of `cpus` rings sized by `sizing`, with the client area the client
 * asks for at that geometry.
 *
 * @throws RangeError naming `client.cpuAreaBytes()` when the client's answer is not a multiple
 *   of 8 in `[0, 2^30]`.
 */
export function planGeometry(
  layout: number,
  cpus: number,
  sizing: RingSizing,
  spares: number,
  client: RingClient,
  shared = false,
): Geometry {
  const { unitShift, subbufs } = sizing
  const spill = spillBytes(layout, 2 ** unitShift, client)
  const g0 = computeGeometry(layout, cpus, unitShift, subbufs, spares, 0, spill, shared)
  const area = client.cpuAreaBytes(clientGeometry(g0))
  checkInt('client.cpuAreaBytes()', area, 0, 1 << 30)
  if (area % 8 !== 0) throw new RangeError(`client.cpuAreaBytes(): ${area} is not a multiple of 8`)
  return computeGeometry(layout, cpus, unitShift, subbufs, spares, area, spill, shared)
}

/** Store the geometry words of the header and its checksum. */
export function writeGeometry(i32: Int32Array, g: Geometry): void {
  i32[L.H_UNIT_SHIFT] = g.unitShift
  i32[L.H_SUBBUFS] = g.subbufs
  i32[L.H_SPARES] = g.spares
  i32[L.H_CLIENT_AREA] = g.clientArea
  i32[L.H_CPU_STRIDE] = g.cpuStride
  i32[L.H_CPU_BASE] = g.cpuBase
  i32[L.H_TOTAL_BYTES] = g.total
  i32[L.H_CHECK] = L.headerChecksum(i32)
}

function badHeader(word: string, v: number, what: string): never {
  throw new TypeError(`sab: corrupted header (${word} = ${v}, ${what})`)
}

/**
 * The geometry the header's words describe, checked: the checksum only proves the words were
 * written together, so each is range-checked and the derived stride, base and size must be
 * the stored ones (`docs/design.md §3.2`).
 *
 * @throws TypeError naming the header word that is out of range.
 */
function readGeometry(i32: Int32Array, byteLength: number, client: RingClient): Geometry {
  const layout = i32[L.H_LAYOUT]!
  if (layout !== L.LAYOUT_PAGED && layout !== L.LAYOUT_CONTIGUOUS)
    badHeader('H_LAYOUT', layout, 'not 0 or 1')
  const paged = layout === L.LAYOUT_PAGED
  const cpus = i32[L.H_CPUS]!
  if (!(cpus >= 1 && cpus <= MAX_CPUS)) badHeader('H_CPUS', cpus, `not in [1, ${MAX_CPUS}]`)
  const shift = i32[L.H_UNIT_SHIFT]!
  const maxShift = paged ? MAX_SUBBUF_SHIFT : MAX_DATA_SHIFT
  if (!(shift >= MIN_UNIT_SHIFT && shift <= maxShift))
    badHeader('H_UNIT_SHIFT', shift, `not in [${MIN_UNIT_SHIFT}, ${maxShift}]`)
  const subbufs = i32[L.H_SUBBUFS]!
  if (paged ? !(subbufs >= 2 && subbufs <= MAX_SUBBUFS) : subbufs !== 1)
    badHeader('H_SUBBUFS', subbufs, paged ? `not in [2, ${MAX_SUBBUFS}]` : 'not 1')
  const spares = i32[L.H_SPARES]!
  if (paged ? !(spares >= 1 && spares <= L.MAX_SPARES) : spares !== 0)
    badHeader('H_SPARES', spares, paged ? `not in [1, ${L.MAX_SPARES}]` : 'not 0')
  const area = i32[L.H_CLIENT_AREA]!
  if (!(area >= 0 && area <= 1 << 30 && area % 8 === 0))
    badHeader('H_CLIENT_AREA', area, 'not a multiple of 8 in [0, 2^30]')
  const spill = spillBytes(layout, 2 ** shift, client)
  const shared = paged && (i32[L.H_FLAGS]! & L.MODE_SHARED) !== 0
  const g = computeGeometry(layout, cpus, shift, subbufs, spares, area, spill, shared)
  if (i32[L.H_CPU_BASE] !== g.cpuBase)
    badHeader('H_CPU_BASE', i32[L.H_CPU_BASE]!, `not ${g.cpuBase}`)
  if (i32[L.H_CPU_STRIDE] !== g.cpuStride)
    badHeader('H_CPU_STRIDE', i32[L.H_CPU_STRIDE]!, `not ${g.cpuStride}`)
  if (i32[L.H_TOTAL_BYTES] !== g.total || g.total > byteLength)
    badHeader('H_TOTAL_BYTES', i32[L.H_TOTAL_BYTES]!, `the geometry needs ${g.total} bytes`)
  return g
}

/** (Re)create a handle's typed-array views over the whole buffer (after it grew). */
export function mapViews(rb: RingBuffer): void {
  const len = rb.sab.byteLength & ~7
  rb.i32 = new Int32Array(rb.sab, 0, len / 4)
  rb.f64 = new Float64Array(rb.sab, 0, len / 8)
  rb.b64 = new BigInt64Array(rb.sab, 0, len / 8)
  rb.dv = new DataView(rb.sab, 0, len)
  rb.u8 = new Uint8Array(rb.sab, 0, len)
}

/**
 * Re-derive a handle's geometry (and views, when the buffer grew) after a resize in any
 * worker. Returns true when it changed.
 */
export function refreshGeometry(rb: RingBuffer): boolean {
  const gen = Atomics.load(rb.i32, L.H_GEN)
  if (rb.g !== undefined && gen === rb.gen) return false
  if (rb.sab.byteLength !== rb.u8.byteLength) mapViews(rb)
  rb.g = readGeometry(rb.i32, rb.sab.byteLength, rb.client)
  rb.gen = gen
  return true
}

/**
 * Check that `[offset, offset + length)` lies inside one sub-buffer of ring `cpu`.
 *
 * @throws RangeError naming `offset` otherwise.
 */
export function checkSubbufRange(
  rb: RingBuffer,
  cpu: number,
  offset: number,
  length: number,
): void {
  const rel = offset - rb.subbufOffset(cpu, 0)
  const unit = rb.g.unit
  if (
    !Number.isInteger(offset) ||
    rel < 0 ||
    rel >= rb.g.physical * unit ||
    (rel % unit) + length > unit
  )
    throw new RangeError(
      `offset: ${offset} (+${length} bytes) is not inside a sub-buffer of ring ${cpu}`,
    )
}
