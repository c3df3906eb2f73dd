/**
 * `struct perf_event_header` and the shapes every record shares.
 *
 * @packageDocumentation
 */

import { fail } from '../errors.js'
import type { PerfSampleId } from './sample-id.js'

/** `struct perf_event_header`: 8 bytes, `size` includes the header. */
export interface PerfRecordHeader {
  /** `PERF_RECORD_*`. */
  readonly type: number
  /** `PERF_RECORD_MISC_*` bits and the cpumode value. */
  readonly misc: number
  /** Record size in bytes, header included; a multiple of 8, at least 8. */
  readonly size: number
}

/** The header fields every decoded record carries, with its literal `type`. */
export interface PerfDecodedHeader<T extends number> {
  /** `PERF_RECORD_*`. */
  type: T
  /** `header.misc`. */
  misc: number
  /** `header.size`. */
  size: number
}

/** Fields every emitter accepts besides the body. */
export interface PerfRecordFieldsBase {
  /** `header.misc`; default 0. */
  misc?: number
  /**
   * The `sample_id` trailer (non-SAMPLE records). Required when `ctx.sample_id_all` and the
   * trailer has fields; decoders set it (possibly `{}`) whenever `ctx.sample_id_all`.
   */
  sample_id?: PerfSampleId
}

/**
 * Read and check the 8-byte record header at `offset`.
 *
 * Throws a {@link PerfError} EINVAL when the header is not inside the view, `size` is below 8
 * or not a multiple of 8, or the record runs past the end of the view.
 *
 * @param view - the bytes (a contiguous copy of the record; a straddling record must be copied
 *   out of the ring first)
 * @param offset - the byte offset of the header
 * @returns the header
 */
export function decodeRecordHeader(view: DataView, offset: number): PerfRecordHeader {
  if (!(view instanceof DataView)) fail('EINVAL', 'view', 'expected a DataView')
  if (!Number.isInteger(offset) || offset < 0)
    fail('EINVAL', 'offset', `${String(offset)} is not a non-negative integer`)
  if (offset + 8 > view.byteLength) {
    fail(
      'EINVAL',
      // past the view: the offset is wrong; inside it: the bytes hold no whole header
      offset > view.byteLength ? 'offset' : 'header',
      `no 8-byte header at offset ${offset} of a ${view.byteLength}-byte view`,
    )
  }
  const type = view.getUint32(offset, true)
  const misc = view.getUint16(offset + 4, true)
  const size = view.getUint16(offset + 6, true)
  if (size < 8)
    fail('EINVAL', 'header.size', `${size} is smaller than the 8-byte header (type ${type})`)
  if (size % 8 !== 0) fail('EINVAL', 'header.size', `${size} is not a multiple of 8 (type ${type})`)
  if (offset + size > view.byteLength) {
    fail(
      'EINVAL',
      'header.size',
      `${size} at offset ${offset} runs past the end of the ${view.byteLength}-byte view (type ${type})`,
    )
  }
  return { type, misc, size }
}
