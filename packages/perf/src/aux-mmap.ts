/**
 * The consumer side of the AUX area, after perf's `auxtrace_mmap__read` /
 * `auxtrace_mmap__read_snapshot` (tools/perf/util/auxtrace.c): read `aux_head` from the control
 * page, hand the new bytes over **in place** (one or two views: the data may wrap at the end
 * of the area), then — in the normal mode — store `aux_tail` so the producer may reuse the
 * space. Works on shared memory from another worker: it needs only the control page (the
 * main mapping's bytes) and the AUX bytes (the AUX mapping's bytes).
 *
 * Setting up, as perf does: write `aux_offset` (≥ the main mapping's length, page aligned) and
 * `aux_size` (a power of two number of pages) into the control page, then `mmap(event,
 * aux_size, prot, MAP_SHARED, aux_offset)`; PROT_WRITE gives the normal mode, a read-only map
 * snapshot (overwrite) mode.
 *
 * @packageDocumentation
 */
import { PerfEventMmapPage } from './control-page.js'
import { shown } from '@onering/trace-events/internal'
import { checkOptBool, checkPlain, fail } from './errors.js'
import { PERF_MMAP_PAGE_STRUCT_SIZE } from './constants.js'

/** Options of {@link PerfAuxMmap}. */
export interface PerfAuxMmapOptions {
  /**
   * Snapshot mode (a read-only AUX mapping): reads never store `aux_tail`, and
   * {@link auxtrace_mmap__read_snapshot} returns the newest bytes. Default `false`.
   */
  snapshot?: boolean
}

/** What one read hands over (perf's PERF_RECORD_AUXTRACE header fields). */
export interface PerfAuxtraceChunk {
  /** The free-running AUX position of the first byte. */
  offset: number
  /** Bytes handed over (`data1.length + data2.length`). */
  size: number
}

/**
 * Called with the new bytes: `data1` then `data2` (empty unless the data wraps), views in place
 * into the AUX area, valid until the callback returns (then the producer may overwrite them).
 */
export type PerfAuxtraceFn = (
  chunk: PerfAuxtraceChunk,
  data1: Uint8Array,
  data2: Uint8Array,
) => void

/**
 * `struct auxtrace_mmap`: one mapped AUX area and the consumer state perf keeps for it.
 * The geometry is checked once, here: `aux` must be a power of two bytes long and equal the
 * control page's `aux_size`.
 */
export class PerfAuxMmap {
  /** The AUX bytes. */
  readonly base: Uint8Array
  /** `aux_size`. */
  readonly len: number
  /** `len - 1`. */
  readonly mask: number
  /** Snapshot (overwrite) mode. */
  readonly snapshot: boolean
  /** The position read up to. */
  prev: number
  /** The control page (`aux_head` / `aux_tail` are atomic on shared memory). */
  readonly page: PerfEventMmapPage

  /**
   * @param control - the main mapping's bytes (the control page first)
   * @param aux - the AUX mapping's bytes
   * @param options - {@link PerfAuxMmapOptions}
   */
  constructor(control: Uint8Array, aux: Uint8Array, options: PerfAuxMmapOptions = {}) {
    if (!(control instanceof Uint8Array)) throw new TypeError('control: expected a Uint8Array')
    if (!(aux instanceof Uint8Array)) throw new TypeError('aux: expected a Uint8Array')
    if (control.length < PERF_MMAP_PAGE_STRUCT_SIZE)
      fail('EINVAL', 'control', `${control.length} bytes hold no perf_event_mmap_page`)
    checkPlain('options', options)
    checkOptBool('options.snapshot', options.snapshot)
    const len = aux.length
    if (len === 0 || (len & (len - 1)) !== 0)
      fail('EINVAL', 'aux', `${len} bytes is not a power of two`)
    this.page = new PerfEventMmapPage(control)
    const size = this.page.aux_size
    if (size !== BigInt(len))
      fail('EINVAL', 'aux', `${len} bytes but the control page's aux_size is ${size}`)
    this.base = aux
    this.len = len
    this.mask = len - 1
    this.snapshot = options.snapshot === true
    this.prev = this.snapshot ? 0 : auxtrace_mmap__read_tail(this)
  }
}

/** `mm` is an AUX consumer made by `new PerfAuxMmap`. */
function checkAuxMmap(mm: unknown): void {
  if (!(mm instanceof PerfAuxMmap)) fail('EINVAL', 'mm', 'not a PerfAuxMmap')
}

/**
 * `auxtrace_mmap__read_head`: `aux_head`, loaded with acquire semantics (`Atomics.load` on
 * shared memory): the AUX bytes before it are in place.
 *
 * @param mm - the AUX map
 * @returns the head
 */
export function auxtrace_mmap__read_head(mm: PerfAuxMmap): number {
  checkAuxMmap(mm)
  return Number(mm.page.aux_head)
}

/**
 * `aux_tail` as the consumer last stored it.
 *
 * @param mm - the AUX map
 * @returns the tail
 */
export function auxtrace_mmap__read_tail(mm: PerfAuxMmap): number {
  checkAuxMmap(mm)
  return Number(mm.page.aux_tail)
}

/**
 * `auxtrace_mmap__write_tail`: store `aux_tail` with release semantics (`Atomics.store`),
 * after the bytes below it were read.
 *
 * @param mm - the AUX map
 * @param tail - the new tail
 */
export function auxtrace_mmap__write_tail(mm: PerfAuxMmap, tail: number): void {
  checkAuxMmap(mm)
  if (!Number.isSafeInteger(tail) || tail < 0)
    throw new RangeError(`tail: ${shown(tail)} is not an AUX position`)
  mm.page.aux_tail = BigInt(tail)
}

function handOver(mm: PerfAuxMmap, head: number, size: number, fn: PerfAuxtraceFn): void {
  const headOff = head & mm.mask
  let data1: Uint8Array
  let data2: Uint8Array
  if (size > headOff) {
    data1 = mm.base.subarray(mm.len - (size - headOff), mm.len)
    data2 = mm.base.subarray(0, headOff)
  } else {
    data1 = mm.base.subarray(headOff - size, headOff)
    data2 = mm.base.subarray(0, 0)
  }
  fn({ offset: head - size, size }, data1, data2)
}

/**
 * `auxtrace_mmap__read`: hand the bytes between the last read and `aux_head` to `fn`, in
 * place, then store `aux_tail` = head. The size is taken from the masked positions, as perf
 * does, so a corrupt `aux_head` can never make it read outside the area.
 *
 * @param mm - the AUX map (normal mode)
 * @param fn - gets the bytes
 * @returns 1 when bytes were handed over, 0 when there were none
 */
export function auxtrace_mmap__read(mm: PerfAuxMmap, fn: PerfAuxtraceFn): number {
  checkAuxMmap(mm)
  if (mm.snapshot)
    throw new TypeError('mm: a snapshot map is read with auxtrace_mmap__read_snapshot')
  if (typeof fn !== 'function') fail('EINVAL', 'fn', `expected a function, got ${shown(fn)}`)
  const head = auxtrace_mmap__read_head(mm)
  const old = mm.prev
  if (head === old) return 0
  const headOff = head & mm.mask
  const oldOff = old & mm.mask
  const size = headOff > oldOff ? headOff - oldOff : mm.len - (oldOff - headOff)
  handOver(mm, head, size, fn)
  mm.prev = head
  auxtrace_mmap__write_tail(mm, head)
  return 1
}

/**
 * `auxtrace_mmap__read_snapshot`: in snapshot mode (the producer ignores the tail and writes
 * round and round) hand over the newest bytes: those written since the last read, at most the
 * whole area and at most `snapshot_size`. The tail is not stored. The consumer should stop
 * the producer (disable the event) while it reads, as the man page says.
 *
 * @param mm - the AUX map (snapshot mode)
 * @param snapshot_size - the most bytes to hand over
 * @param fn - gets the bytes
 * @returns 1 when bytes were handed over, 0 when there were none
 */
export function auxtrace_mmap__read_snapshot(
  mm: PerfAuxMmap,
  snapshot_size: number,
  fn: PerfAuxtraceFn,
): number {
  checkAuxMmap(mm)
  if (!mm.snapshot) throw new TypeError('mm: not a snapshot map')
  if (!Number.isSafeInteger(snapshot_size) || snapshot_size <= 0)
    throw new RangeError(`snapshot_size: ${shown(snapshot_size)} is not a positive byte count`)
  if (typeof fn !== 'function') fail('EINVAL', 'fn', `expected a function, got ${shown(fn)}`)
  const head = auxtrace_mmap__read_head(mm)
  const old = mm.prev
  if (head === old) return 0
  // a head below the last read is corrupt: fall back to the whole area
  const size = Math.min(head > old ? head - old : mm.len, mm.len, snapshot_size, head)
  mm.prev = head
  if (size === 0) return 0
  handOver(mm, head, size, fn)
  return 1
}
