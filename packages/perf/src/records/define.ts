/**
 * The machinery shared by every record type: header, body, `sample_id` trailer, size limits
 * and bounds.
 *
 * @internal
 * @packageDocumentation
 */

import { PERF_RECORD_MAX_SIZE } from '../constants.js'
import { fail } from '../errors.js'
import { ByteReader, ByteWriter } from './codec.js'
import { checkContext, sampleIdSize } from './context.js'
import type { PerfRecordContext } from './context.js'
import type { PerfRecordFieldsBase, PerfRecordHeader } from './header.js'
import { readSampleId, writeSampleId } from './sample-id.js'

/** How one record type's body is written and read. @internal */
export interface RecordCodec<F extends PerfRecordFieldsBase> {
  /** `PERF_RECORD_` name without the prefix, for messages. */
  readonly name: string
  /** `PERF_RECORD_*`. */
  readonly type: number
  /** Whether the `sample_id` trailer applies (every type but SAMPLE). */
  readonly trailer: boolean
  /** Write (or measure) the body. */
  write(w: ByteWriter, f: F, ctx: PerfRecordContext): void
  /** Read the body; must consume the reader's range exactly or absorb it. */
  read(r: ByteReader, ctx: PerfRecordContext, misc: number): object
  /** The header misc to write (default `f.misc ?? 0`). */
  misc?(w: ByteWriter, f: F): number
}

function miscOf<F extends PerfRecordFieldsBase>(
  codec: RecordCodec<F>,
  w: ByteWriter,
  f: F,
): number {
  const misc = codec.misc ? codec.misc(w, f) : (f.misc ?? 0)
  if (typeof misc !== 'number' || !Number.isInteger(misc) || misc < 0 || misc > 0xffff) {
    w.missing('misc', `expected an integer in [0, 65535], got ${String(misc)}`)
  }
  return misc
}

function body<F extends PerfRecordFieldsBase>(
  codec: RecordCodec<F>,
  w: ByteWriter,
  f: F,
  ctx: PerfRecordContext,
): void {
  codec.write(w, f, ctx)
  if (codec.trailer && ctx.sample_id_all) writeSampleId(w, f.sample_id, ctx)
}

/**
 * The size of a record, header included; validates every field. @internal
 */
export function recordSize<F extends PerfRecordFieldsBase>(
  codec: RecordCodec<F>,
  f: F,
  ctx: PerfRecordContext,
): number {
  checkContext(ctx)
  if (typeof f !== 'object' || f === null || Array.isArray(f) || ArrayBuffer.isView(f))
    fail('EINVAL', codec.name, 'fields: expected an object')
  const w = new ByteWriter(null, 8, codec.name)
  miscOf(codec, w, f)
  body(codec, w, f, ctx)
  const size = w.pos
  if (size % 8 !== 0) fail('EINVAL', codec.name, `size ${size} is not a multiple of 8`)
  if (size > PERF_RECORD_MAX_SIZE) {
    fail(
      'E2BIG',
      codec.name,
      `${size} bytes do not fit the u16 header.size (max ${PERF_RECORD_MAX_SIZE})`,
    )
  }
  return size
}

/**
 * Write a record (header included) at `offset`; returns its size. Everything is validated
 * before the first byte is written. @internal
 */
export function recordWrite<F extends PerfRecordFieldsBase>(
  codec: RecordCodec<F>,
  view: DataView,
  offset: number,
  f: F,
  ctx: PerfRecordContext,
): number {
  if (!(view instanceof DataView)) fail('EINVAL', 'view', 'expected a DataView')
  if (!Number.isInteger(offset) || offset < 0)
    fail('EINVAL', 'offset', `${String(offset)} is not a non-negative integer`)
  const size = recordSize(codec, f, ctx)
  if (offset + size > view.byteLength) {
    fail(
      'ENOSPC',
      'view',
      `a ${size}-byte ${codec.name} record at offset ${offset} does not fit in ${view.byteLength} bytes`,
    )
  }
  const w = new ByteWriter(view, offset + 8, codec.name)
  view.setUint32(offset, codec.type, true)
  view.setUint16(offset + 4, miscOf(codec, w, f), true)
  view.setUint16(offset + 6, size, true)
  body(codec, w, f, ctx)
  return size
}

/** Decode the body and trailer of a record whose header is already checked. @internal */
export function recordDecode(
  codec: RecordCodec<PerfRecordFieldsBase>,
  view: DataView,
  offset: number,
  h: PerfRecordHeader,
  ctx: PerfRecordContext,
): object {
  const end = offset + h.size
  const trailer = codec.trailer ? sampleIdSize(ctx) : 0
  if (h.size - 8 < trailer) {
    fail(
      'EINVAL',
      `${codec.name}.sample_id`,
      `needs ${trailer} bytes but the record has ${h.size - 8} after the header`,
    )
  }
  const r = new ByteReader(view, offset + 8, end - trailer, codec.name)
  const rec: Record<string, unknown> = { type: h.type, misc: h.misc, size: h.size }
  Object.assign(rec, codec.read(r, ctx, h.misc))
  r.done()
  if (codec.trailer && ctx.sample_id_all) {
    rec['sample_id'] = readSampleId(new ByteReader(view, end - trailer, end, codec.name), ctx)
  }
  return rec
}
