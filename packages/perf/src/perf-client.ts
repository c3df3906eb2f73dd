/**
 * The perf record format as an `@onering/core` client on the contiguous layout: the per-CPU
 * client area is `struct perf_event_mmap_page` (data_head at 1024, data_tail at 1032, owned by
 * the engine), the data area is the data pages, records are whole perf records (header
 * included), and a PERF_RECORD_LOST carrying the event's id and `sample_id` goes in front of
 * the first record after drops.
 *
 * @packageDocumentation
 */
import { RecordKind, getU64, setU64 } from '@onering/core'
import type { ClientGeometry, DecodedRecord, RingClient } from '@onering/core'
import { PERF_RECORD_LOST, PerfMmapPageOffset } from './constants.js'
import type { PerfRecordContext } from './records/context.js'
import type { PerfSampleId } from './records/sample-id.js'
import { sizeOfLost, writeLost } from './records/lost.js'
import { shown } from '@onering/trace-events/internal'

/** `cap_bit0_is_deprecated`: always set by the kernel. */
const CAP_BIT0_IS_DEPRECATED = 1 << 1
/** `offsetof(struct perf_event_mmap_page, __reserved)`, the kernel's `size` field. */
const USER_PAGE_SIZE_FIELD = 96
/** The largest record: header.size is a u16, records are 8-byte aligned. */
export const PERF_RECORD_MAX_BYTES = 65528
/** Type 0 is no kernel record; the core's discard of a record that is not the last writes it. */
export const PERF_RECORD_PADDING = 0

/** What the client needs to know of an event that writes into a ring. */
export interface PerfOutputEvent {
  /** The event's record context (sample_type, sample_id_all, …). */
  readonly ctx: PerfRecordContext
  /** The event id (what PERF_EVENT_IOC_ID returns). */
  readonly id: bigint
  /** The `sample_id` trailer fields for a record written at `time`. */
  sampleId(time: number): PerfSampleId
}

/**
 * The perf client. Each worker that writes creates its own instance and registers the events
 * it writes for; the index {@link PerfClient.register} returns is the tag passed to
 * `writer.reserve(size, time, tag)`, so the LOST record in front of a record names its event.
 */
export class PerfClient implements RingClient {
  /** Stable id, stored in the buffer. */
  readonly id: string = 'onering.perf/1'
  /** Contiguous: the data pages. */
  readonly layout = 'contiguous' as const
  /** Records are 8-byte aligned. */
  readonly alignment: number = 8
  /** No sub-buffers. */
  readonly subbufHeaderBytes: number = 0
  /** No sub-buffers. */
  readonly commitOffset: number = 0
  /** A LOST record without `sample_id` trailer. */
  readonly lossRecordBytes: number = 24
  /** `data_head` in the control page. */
  readonly headOffset: number = PerfMmapPageOffset.data_head
  /** `data_tail` in the control page. */
  readonly tailOffset: number = PerfMmapPageOffset.data_tail
  /** The page size: the control page's size and the data pages' unit. */
  readonly pageSize: number
  private readonly events: PerfOutputEvent[] = []

  /** @param pageSize - the system page size the mapping imitates (4096). */
  constructor(pageSize = 4096) {
    if (
      !Number.isInteger(pageSize) ||
      pageSize < 2048 ||
      pageSize > 1 << 30 ||
      (pageSize & (pageSize - 1)) !== 0
    )
      throw new RangeError(`pageSize: ${shown(pageSize)} is not a power of two in [2048, 2^30]`)
    this.pageSize = pageSize
  }

  /** Register an event this worker writes for; returns its tag. */
  register(event: PerfOutputEvent): number {
    const e = event as Partial<PerfOutputEvent> | null
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.sampleId !== 'function' ||
      typeof e.id !== 'bigint'
    )
      throw new TypeError('event: expected a PerfOutputEvent (an event with ctx, id and sampleId)')
    this.events.push(event)
    return this.events.length - 1
  }

  /** The control page. */
  cpuAreaBytes(): number {
    return this.pageSize
  }

  /** Write the control page's constant fields, as `perf_event_init_userpage` does. */
  cpuAreaInit(dv: DataView, off: number, g: ClientGeometry): void {
    const O = PerfMmapPageOffset
    setU64(dv, off + O.capabilities, CAP_BIT0_IS_DEPRECATED)
    dv.setUint32(off + O.size, USER_PAGE_SIZE_FIELD, true)
    setU64(dv, off + O.data_offset, this.pageSize)
    setU64(dv, off + O.data_size, g.unitBytes)
  }

  /** Records up to 65528 bytes, and at most half the data area. */
  maxPayload(capacity: number): number {
    return Math.min(PERF_RECORD_MAX_BYTES, capacity / 2)
  }

  /** The payload is the whole record, header included: its size rounded to 8. */
  recordSize(length: number): number {
    return (length + 7) & ~7
  }

  /** The caller writes the header itself: the payload starts at the record. */
  writeRecord(_dv: DataView, off: number): number {
    return off
  }

  /** No sub-buffers, no end padding. */
  endPadding(): number {
    return 0
  }

  /** A discarded record that is not the last becomes a type-0 record of the same size. */
  discard(dv: DataView, off: number, size: number): void {
    dv.setUint32(off, PERF_RECORD_PADDING, true)
    dv.setUint16(off + 4, 0, true)
    dv.setUint16(off + 6, size, true)
  }

  /** Decode the header: LOST records report their count, type 0 is padding. */
  decode(dv: DataView, off: number, end: number, out: DecodedRecord): void {
    out.lost = 0
    out.delta = 0
    out.payloadOffset = off
    out.payloadLength = 0
    const room = end - off
    if (room < 8) {
      out.kind = RecordKind.End
      out.size = room
      return
    }
    const type = dv.getUint32(off, true)
    const size = dv.getUint16(off + 6, true)
    out.size = size
    out.payloadLength = size
    if (size < 8 || (size & 7) !== 0 || size > room) {
      out.kind = RecordKind.Corrupt
      out.size = 0
      return
    }
    if (type === PERF_RECORD_LOST && size >= 24) {
      out.kind = RecordKind.Loss
      out.lost = getU64(dv, off + 16)
    } else out.kind = type === PERF_RECORD_PADDING ? RecordKind.Padding : RecordKind.Data
  }

  /** A LOST record's size for the event with `tag` (its `sample_id` trailer included). */
  lossRecordSize(tag: number): number {
    const ev = this.events[tag]
    return ev === undefined
      ? this.lossRecordBytes
      : sizeOfLost({ id: 0n, lost: 0n, sample_id: ev.sampleId(0) }, ev.ctx)
  }

  /** PERF_RECORD_LOST {id, lost, sample_id} for the event with `tag`, as the kernel writes it. */
  writeLoss(dv: DataView, off: number, lost: number, ts: number, tag: number): void {
    const ev = this.events[tag]
    if (ev === undefined) {
      dv.setUint32(off, PERF_RECORD_LOST, true)
      dv.setUint16(off + 4, 0, true)
      dv.setUint16(off + 6, 24, true)
      setU64(dv, off + 8, 0)
      setU64(dv, off + 16, lost)
      return
    }
    writeLost(dv, off, { id: ev.id, lost: BigInt(lost), sample_id: ev.sampleId(ts) }, ev.ctx)
  }
}
