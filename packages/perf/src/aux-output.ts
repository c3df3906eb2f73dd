/**
 * The producer side of the AUX area, under the kernel's names (kernel/events/ring_buffer.c):
 * `perf_aux_output_begin`, `perf_aux_output_flag`, `perf_aux_output_skip`,
 * `perf_aux_output_end`, plus {@link perf_aux_output_write} to copy bytes where a PMU would
 * write them. The caller plays the PMU driver: it opens a transaction on an event whose ring
 * has an AUX area (`mmap` at `aux_offset`), writes bytes at the head, and ends it with the
 * number of bytes written; the end publishes `aux_head` and writes a PERF_RECORD_AUX into the
 * event's normal ring.
 *
 * ```ts
 * const h = perf_aux_output_begin(event)       // null: no AUX area, disabled, or no space
 * if (h !== null) {
 *   perf_aux_output_write(h, bytes)            // cut to the space left, flagged TRUNCATED
 *   perf_aux_output_end(h)                     // size: the bytes written
 * }
 * ```
 *
 * @packageDocumentation
 */
import { PERF_AUX_FLAG_OVERWRITE, PERF_AUX_FLAG_TRUNCATED } from './constants.js'
import { shown } from '@onering/trace-events/internal'
import { PERF_ERRNO, fail } from './errors.js'
import { PerfEvent } from './event.js'
import { perf_event_emit, timeOf } from './event-output.js'
import type { PerfAuxArea } from './aux-area.js'
import { sizeOfAux, writeAux } from './records/aux.js'
import type { PerfAuxFields } from './records/aux.js'

/**
 * `struct perf_output_handle` of an AUX transaction: what `perf_aux_output_begin` returns.
 * Valid until {@link perf_aux_output_end}.
 */
export class PerfAuxHandle {
  /** The event the transaction writes for. */
  readonly event: PerfEvent
  /** The AUX area's bytes (`aux_size` of them); position `p` is at `data[p & (data.length - 1)]`. */
  readonly data: Uint8Array
  /** `handle->head`: the free-running AUX position where the transaction's bytes start. */
  head: number
  /**
   * `handle->size`: bytes the transaction may write (`CIRC_SPACE(aux_head, aux_tail,
   * aux_size)`); 0 in overwrite (snapshot) mode, where the writer ignores the tail.
   */
  size: number
  /** `handle->aux_flags`: `PERF_AUX_FLAG_*` set with {@link perf_aux_output_flag}. */
  aux_flags = 0
  /** `handle->wakeup`: the head at which the next wakeup is due. */
  wakeup: number
  /** Bytes written with {@link perf_aux_output_write} since `head`. */
  written = 0
  /** @internal */
  _area: PerfAuxArea | null

  /** @internal Use {@link perf_aux_output_begin}. */
  constructor(event: PerfEvent, area: PerfAuxArea, size: number) {
    this.event = event
    this.data = area.data
    this.head = area.head
    this.size = size
    this.wakeup = area.wakeup + area.watermark
    this._area = area
  }
}

function areaOf(handle: PerfAuxHandle, fn: string): PerfAuxArea {
  if (!(handle instanceof PerfAuxHandle))
    throw new TypeError(`handle: expected a PerfAuxHandle from perf_aux_output_begin`)
  const area = handle._area
  if (area === null) throw new TypeError(`${fn}: the AUX transaction already ended`)
  return area
}

function checkSize(size: number, field: string): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new RangeError(`${field}: ${shown(size)} is not a byte count`)
  return size
}

/**
 * `perf_aux_output_begin`: open an AUX transaction for `event`. Returns null, writing
 * nothing, when the event is disabled, its ring has no AUX area (or it was unmapped), or — in
 * the normal (writable) mode — the consumer left no space: then, as in the kernel, the event
 * is disabled and a wakeup is sent (`aux_tail` must move, and the event be re-enabled, before
 * the next transaction).
 *
 * @param event - the event (its own ring, or the one SET_OUTPUT redirected it to)
 * @returns the handle, or null
 * @throws TypeError when a transaction of the same AUX area is still open (the AUX area
 *   allows no nesting; the kernel WARNs)
 */
export function perf_aux_output_begin(event: PerfEvent): PerfAuxHandle | null {
  if (!(event instanceof PerfEvent)) fail('EBADF', 'event', 'not a perf event')
  const ring = event._ring
  const area = ring?._aux ?? null
  if (!event.enabled || ring === null || area === null || area.mmapCount === 0) return null
  if (area.nest !== 0)
    throw new TypeError('perf_aux_output_begin: an AUX transaction is already open (no nesting)')
  let size = 0
  if (!area.overwrite) {
    const tail = area.loadTail()
    // CIRC_SPACE(head, tail, size): one byte always stays free
    const used = area.head - tail
    if (used >= 0 && used < area.size) size = (tail - (area.head + 1)) & (area.size - 1)
    if (size === 0) {
      event.enabled = false
      ring._wakeAux()
      return null
    }
  }
  area.nest = 1
  return new PerfAuxHandle(event, area, size)
}

/**
 * Copy `bytes` into the AUX area at the transaction's write position (`head` + bytes written
 * so far + skipped), wrapping at the end of the area, as the PMU would write them. In the
 * normal mode what does not fit in `handle.size` is cut and the transaction is flagged
 * PERF_AUX_FLAG_TRUNCATED (what a driver does when the buffer is full); in overwrite mode
 * the area is written round and round.
 *
 * @param handle - an open transaction
 * @param bytes - the bytes
 * @returns the bytes copied
 */
export function perf_aux_output_write(handle: PerfAuxHandle, bytes: Uint8Array): number {
  const area = areaOf(handle, 'perf_aux_output_write')
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array')
  let n = bytes.length
  if (!area.overwrite && handle.written + n > handle.size) {
    n = handle.size - handle.written
    handle.aux_flags |= PERF_AUX_FLAG_TRUNCATED
  }
  // in overwrite mode only the last aux_size bytes survive
  const skip = n > area.size ? n - area.size : 0
  if (n > skip) area.put(handle.head + handle.written + skip, bytes.subarray(skip, n))
  handle.written += n
  return n
}

/**
 * `perf_aux_output_flag`: add `PERF_AUX_FLAG_*` bits (TRUNCATED, PARTIAL, COLLISION, the PMU
 * format type) to the transaction's PERF_RECORD_AUX. OVERWRITE is not accepted: the end sets
 * it from the mode.
 *
 * @param handle - an open transaction
 * @param flags - the bits
 */
export function perf_aux_output_flag(handle: PerfAuxHandle, flags: number): void {
  areaOf(handle, 'perf_aux_output_flag')
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 0xffffffff)
    fail('EINVAL', 'flags', `${String(flags)} is not a u32 of PERF_AUX_FLAG_* bits`)
  if (flags & PERF_AUX_FLAG_OVERWRITE)
    fail('EINVAL', 'flags', 'PERF_AUX_FLAG_OVERWRITE is set by perf_aux_output_end, not passed')
  handle.aux_flags = (handle.aux_flags | flags) >>> 0
}

/**
 * `perf_aux_output_skip`: advance the head by `size` bytes (hardware alignment) and publish
 * it, without a PERF_RECORD_AUX. The skipped bytes are left as they are.
 *
 * @param handle - an open transaction
 * @param size - bytes to skip
 * @returns 0, or -ENOSPC (-28) when `size` exceeds the space left (`handle.size`)
 */
export function perf_aux_output_skip(handle: PerfAuxHandle, size: number): number {
  const area = areaOf(handle, 'perf_aux_output_skip')
  checkSize(size, 'size')
  if (handle.written !== 0)
    throw new TypeError('perf_aux_output_skip: bytes were written in this transaction already')
  if (size > handle.size) return -PERF_ERRNO.ENOSPC
  area.commitBytes(size)
  area.publishHead()
  const ring = handle.event._ring
  if (area.needWakeup()) {
    ring?._wakeAux()
    handle.wakeup = area.wakeup + area.watermark
  }
  handle.head = area.head
  handle.size -= size
  return 0
}

/**
 * `perf_aux_output_end`: commit `size` bytes written at `handle.head` and end the transaction.
 * The head moves by `size` (normal mode) and, when `size` ≠ 0 or a flag other than OVERWRITE
 * is set, a PERF_RECORD_AUX {aux_offset, aux_size: size, flags} with the event's `sample_id`
 * goes into the event's ring — `aux_offset` is the old head, or in overwrite mode the new one
 * (the kernel's driver-supplied head), with PERF_AUX_FLAG_OVERWRITE set. Then `aux_head` is
 * published. A wakeup is due when the head crosses an `aux_watermark` boundary or the record
 * is TRUNCATED, which also disables the event.
 *
 * @param handle - an open transaction
 * @param size - bytes written (default: what {@link perf_aux_output_write} wrote)
 * @param time - the `sample_id` time of the PERF_RECORD_AUX (default: the perf clock)
 * @throws RangeError when `size` exceeds the space of the transaction (normal mode)
 */
export function perf_aux_output_end(
  handle: PerfAuxHandle,
  size: number = handle.written,
  time?: bigint | number,
): void {
  const area = areaOf(handle, 'perf_aux_output_end')
  checkSize(size, 'size')
  if (!area.overwrite && size > handle.size)
    throw new RangeError(
      `size: ${size} exceeds the ${handle.size} bytes of space of the transaction`,
    )
  const event = handle.event
  let flags = handle.aux_flags
  let offset: number
  if (area.overwrite) {
    flags |= PERF_AUX_FLAG_OVERWRITE
    area.commitBytes(size)
    offset = area.head
  } else {
    flags &= ~PERF_AUX_FLAG_OVERWRITE
    offset = area.head
    area.commitBytes(size)
  }
  handle._area = null
  area.nest = 0
  // OVERWRITE alone tells nothing new: newer kernels do not emit it
  if (size !== 0 || (flags & ~PERF_AUX_FLAG_OVERWRITE) !== 0) {
    const t = timeOf(time)
    const rec: PerfAuxFields = {
      aux_offset: BigInt(offset),
      aux_size: BigInt(size),
      flags,
      sample_id: event.sampleId(t),
    }
    perf_event_emit(
      event,
      sizeOfAux(rec, event.ctx),
      (dv, off) => writeAux(dv, off, rec, event.ctx),
      t,
    )
  }
  area.publishHead()
  let wakeup = (flags & PERF_AUX_FLAG_TRUNCATED) !== 0
  if (area.needWakeup()) wakeup = true
  if (wakeup) {
    if (flags & PERF_AUX_FLAG_TRUNCATED) event.enabled = false
    event._ring?._wakeAux()
  }
}
