/**
 * A reader of ftrace sub-buffers (`struct buffer_data_page`), modelled on libtraceevent's
 * kbuffer: it parses pages from `trace_pipe_raw`, from the 6.10 ring-buffer mapping, and
 * onering's own pages, with the same code.
 *
 * Malformed input never loops, never recurses and never reads out of bounds: every step
 * advances by at least four bytes inside the commit length, and a bad event (or a header cut
 * off by the commit length) ends the page with {@link SubbufReader.corrupt} set.
 *
 * @packageDocumentation
 */
import { RecordKind, decodedRecord, getU64 } from '@onering/core'
import { badNumber } from '@onering/trace-events/internal'
import { BUF_PAGE_HDR_SIZE, COMMIT_MASK, RB_MISSED_EVENTS, RB_MISSED_STORED } from './constants.js'
import { decodeEventUnchecked } from './client.js'
import { fixAbsoluteTimestampUnchecked } from './event.js'

/** One event of a sub-buffer, as {@link SubbufReader.next} reports it (reused). */
export interface SubbufEvent {
  /** Absolute timestamp (page `time_stamp` plus the deltas before it). */
  timestamp: number
  /** Byte offset of the payload in the reader's bytes. */
  offset: number
  /** Payload length (`ring_buffer_event_length`: rounded up to 4). */
  length: number
  /** Bytes of the event, a leading TIME_EXTEND / TIME_STAMP included. */
  size: number
  /**
   * Offset of the event (its first header, a leading TIME_EXTEND / TIME_STAMP included) from
   * the start of the sub-buffer's data, i.e. in the units of the commit length and of the
   * mapping's `reader.read` (kbuffer's `kbuffer_curr_index`).
   */
  eventOffset: number
  /**
   * Events lost before this page, reported with its first event only: the stored count, -1
   * when the page says events were lost without a count, else 0 (`kbuffer_missed_events`;
   * unlike kbuffer, also when the page starts with a TIME_STAMP in absolute mode).
   */
  missed: number
}

/**
 * Iterates the events of one sub-buffer at a time.
 *
 * ```ts
 * const r = new SubbufReader(bytes, 4096)
 * for (let off = 0; off < bytes.length; off += 4096) {
 *   r.load(off)
 *   for (let ev = r.next(); ev; ev = r.next()) use(ev.timestamp, bytes.subarray(ev.offset, ev.offset + ev.length))
 * }
 * ```
 */
export class SubbufReader {
  /** The bytes holding the sub-buffers. */
  readonly bytes: Uint8Array
  /** Sub-buffer size in bytes (header included). */
  readonly subbufSize: number
  /** The page's `time_stamp`. */
  pageTimestamp = 0
  /** Data bytes of the page (`commit & COMMIT_MASK`). */
  dataBytes = 0
  /** The page's missed-events flags (`RB_MISSED_EVENTS`, `RB_MISSED_STORED`). */
  missedFlags = 0
  /** Missed count of the page: the stored count, -1 without one, 0 when none. */
  missedEvents = 0
  /** Set when the page holds a malformed event or header; iteration stopped there. */
  corrupt: string | null = null
  private readonly dv: DataView
  private readonly ev: SubbufEvent = {
    timestamp: 0,
    offset: 0,
    length: 0,
    size: 0,
    eventOffset: 0,
    missed: 0,
  }
  private readonly dec = decodedRecord()
  private base = 0
  private pos = 0
  private ts = 0
  private first = true

  /**
   * @param bytes - the sub-buffers (any `Uint8Array`, shared or not)
   * @param subbufSize - the sub-buffer size, a power of two from 256 to 1 MiB
   */
  constructor(bytes: Uint8Array, subbufSize: number) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array')
    if (
      !Number.isInteger(subbufSize) ||
      subbufSize < 256 ||
      subbufSize > 1 << 20 ||
      (subbufSize & (subbufSize - 1)) !== 0
    )
      badNumber('subbufSize', subbufSize, 'a power of two in [256, 1048576]')
    this.bytes = bytes
    this.subbufSize = subbufSize
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /**
   * Load the sub-buffer starting at byte `offset` of {@link SubbufReader.bytes}.
   *
   * @throws RangeError when the sub-buffer does not lie inside the bytes.
   */
  load(offset: number): this {
    if (!Number.isInteger(offset) || offset < 0 || offset + this.subbufSize > this.bytes.length)
      throw new RangeError(
        `offset: a sub-buffer at ${offset} does not fit in ${this.bytes.length} bytes`,
      )
    const dv = this.dv
    this.base = offset
    this.pageTimestamp = getU64(dv, offset)
    const commit = dv.getUint32(offset + 8, true)
    this.missedFlags = commit & (RB_MISSED_EVENTS | RB_MISSED_STORED)
    this.dataBytes = commit & COMMIT_MASK
    this.corrupt = null
    const capacity = this.subbufSize - BUF_PAGE_HDR_SIZE
    if (this.dataBytes > capacity) {
      this.corrupt = `commit ${this.dataBytes} exceeds the sub-buffer's ${capacity} data bytes`
      this.dataBytes = 0
    }
    this.missedEvents = 0
    if ((commit & RB_MISSED_EVENTS) !== 0) {
      this.missedEvents = -1
      if ((commit & RB_MISSED_STORED) !== 0 && this.dataBytes + 8 <= capacity)
        this.missedEvents = getU64(dv, offset + BUF_PAGE_HDR_SIZE + this.dataBytes)
    }
    this.pos = 0
    this.ts = this.pageTimestamp
    this.first = true
    return this
  }

  /** The next data event, or null at the end of the page (or at a malformed event). */
  next(): SubbufEvent | null {
    const d = this.dec
    const start = this.base + BUF_PAGE_HDR_SIZE
    const end = start + this.dataBytes
    // TIME_EXTEND / TIME_STAMP records right before the data event belong to it
    let prefix = 0
    let prefixStart = -1
    while (this.pos < this.dataBytes) {
      const at = start + this.pos
      decodeEventUnchecked(this.dv, at, end, d)
      // a header cut off by the commit length is malformed too
      if (d.kind === RecordKind.Corrupt || (d.kind === RecordKind.End && end - at < 4)) {
        this.corrupt = `malformed event at data offset ${this.pos}`
        this.pos = this.dataBytes
        return null
      }
      if (d.kind === RecordKind.End) {
        this.pos = this.dataBytes
        return null
      }
      const evStart = this.pos
      this.pos += d.size
      if (d.kind === RecordKind.TimeDelta || d.kind === RecordKind.TimeAbsolute) {
        this.ts =
          d.kind === RecordKind.TimeDelta
            ? this.ts + d.delta
            : fixAbsoluteTimestampUnchecked(d.delta, this.ts)
        if (prefixStart < 0) prefixStart = evStart
        prefix += d.size
        continue
      }
      // kbuffer adds a padding's delta too
      this.ts += d.delta
      if (d.kind !== RecordKind.Data) {
        prefix = 0
        prefixStart = -1
        continue
      }
      const ev = this.ev
      ev.timestamp = this.ts
      ev.offset = d.payloadOffset - (this.dv.byteOffset - this.bytes.byteOffset)
      ev.length = d.payloadLength
      ev.size = d.size + prefix
      ev.eventOffset = prefixStart < 0 ? evStart : prefixStart
      ev.missed = this.first ? this.missedEvents : 0
      this.first = false
      return ev
    }
    return null
  }
}

/**
 * Decode a stream of raw sub-buffers (a file saved from `per_cpu/cpuN/trace_pipe_raw`, or
 * `trace.dat` CPU data), calling `fn` for every event. Returns the number of pages read.
 *
 * @throws TypeError when a page is malformed (with its page index and reason).
 */
export function decodeRawStream(
  bytes: Uint8Array,
  subbufSize: number,
  fn: (ev: SubbufEvent, page: number) => void,
): number {
  if (typeof fn !== 'function')
    throw new TypeError('fn: expected a function called for every event')
  const r = new SubbufReader(bytes, subbufSize)
  if (bytes.length % subbufSize !== 0)
    throw new RangeError(
      `bytes: ${bytes.length} bytes are not whole ${subbufSize}-byte sub-buffers (a truncated stream?)`,
    )
  let pages = 0
  for (let off = 0; off + subbufSize <= bytes.length; off += subbufSize) {
    r.load(off)
    for (let ev = r.next(); ev !== null; ev = r.next()) fn(ev, pages)
    if (r.corrupt !== null) throw new TypeError(`bytes: page ${pages} is corrupt: ${r.corrupt}`)
    pages++
  }
  return pages
}
