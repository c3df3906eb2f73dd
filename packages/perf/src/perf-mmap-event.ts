/**
 * A record a {@link PerfMmap} hands out: its header and its bytes, in place in the mapping or
 * in the map's `event_copy` when it wraps.
 *
 * @packageDocumentation
 */
import type { PerfRecordHeader } from './records/header.js'

/**
 * One record returned by {@link perf_mmap__read_event}.
 *
 * `bytes` is the whole record, header included (`bytes.length === header.size`). It is a
 * view **in place** into the mapping (no copy) unless the record wraps around the end of the
 * data area; then it is a view of the map's own `event_copy` buffer, into which the two
 * pieces were copied (`copied` is `true`). Either way the bytes are valid only until the
 * next `perf_mmap__read_event` or `perf_mmap__consume` on the same map: consuming lets the
 * producer overwrite the ring, and the next wrapping record reuses `event_copy`. Copy them
 * (`bytes.slice()`) to keep them. `header` is a plain value and stays valid.
 *
 * To decode the body, hand the bytes to the record decoders:
 * `decodeRecord(new DataView(ev.bytes.buffer, ev.bytes.byteOffset, ev.bytes.length), 0, ctx)`.
 */
export class PerfMmapEvent {
  /** `true` when the record wrapped and `bytes` is the map's copy. */
  readonly copied: boolean
  // The header and the view are made on first use (most loops read neither, or one):
  // `bytes` is `src_[off_, off_ + size_)`.
  private readonly type_: number
  private readonly misc_: number
  /** @internal */
  size_: number
  /** @internal */
  src_: Uint8Array
  /** @internal */
  off_: number
  /** @internal */
  bytes_: Uint8Array | null
  private header_: PerfRecordHeader | null = null

  /**
   * @param type - `header.type`
   * @param misc - `header.misc`
   * @param bytes - the record
   * @param copied - whether `bytes` is a copy
   */
  /** @internal records are made by the consumer ({@link perf_mmap__read_event}), not by users */
  constructor(type: number, misc: number, bytes: Uint8Array, copied: boolean) {
    this.type_ = type
    this.misc_ = misc
    this.size_ = bytes.length
    this.src_ = bytes
    this.off_ = 0
    this.bytes_ = bytes
    this.copied = copied
  }

  /** The record header (a plain value: it stays valid). */
  get header(): PerfRecordHeader {
    return (this.header_ ??= { type: this.type_, misc: this.misc_, size: this.size_ })
  }

  /** The record (header included): in place, or in the map's `event_copy`. */
  get bytes(): Uint8Array {
    return (this.bytes_ ??= this.src_.subarray(this.off_, this.off_ + this.size_))
  }
}

/**
 * A record in place at `off` of the data area `data` (the view is made on first use).
 * @internal
 */
export function inPlace(
  type: number,
  misc: number,
  data: Uint8Array,
  off: number,
  size: number,
): PerfMmapEvent {
  const ev = new PerfMmapEvent(type, misc, data, false)
  ev.size_ = size
  ev.off_ = off
  ev.bytes_ = null
  return ev
}
