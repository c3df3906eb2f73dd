/**
 * The ftrace record format as an `@onering/core` client: sub-buffers are
 * `struct buffer_data_page { u64 time_stamp; local_t commit; u8 data[]; }`, events are
 * `struct ring_buffer_event`, sized and encoded exactly as the kernel does.
 *
 * @packageDocumentation
 */
import { RecordFlag, RecordKind, registerClient, setU64 } from '@onering/core'
import type { ClientGeometry, DecodedRecord, RingClient, SubbufHandoffInfo } from '@onering/core'
import {
  BUF_PAGE_HDR_SIZE,
  RB_MISSED_EVENTS,
  RB_MISSED_STORED,
  RINGBUF_TYPE_DATA_TYPE_LEN_MAX,
  RINGBUF_TYPE_PADDING,
  RINGBUF_TYPE_TIME_EXTEND,
  RINGBUF_TYPE_TIME_STAMP,
  TS_MASK,
} from './constants.js'
import {
  eventLengthUnchecked,
  fixAbsoluteTimestampUnchecked,
  readTimeEventUnchecked,
  writeDataHeaderUnchecked,
  writePaddingUnchecked,
  writeTimeEventUnchecked,
} from './event.js'
import { badNumber, badView, shown } from '@onering/trace-events/internal'

/** Client flag (in `RingBuffer.clientFlags`): every event gets an absolute TIME_STAMP. */
export const FTRACE_FLAG_ABSOLUTE = 1

const TWO59 = 2 ** 59

function absolute(flags: number): boolean {
  return ((flags >>> 8) & FTRACE_FLAG_ABSOLUTE) !== 0
}

/** Decode one kernel event at `off` (data ends at `end`) into `out`. */
export function decodeEvent(dv: DataView, off: number, end: number, out: DecodedRecord): void {
  if (!(
    dv instanceof DataView &&
    Number.isInteger(off) &&
    Number.isInteger(end) &&
    off >= 0 &&
    off <= end &&
    end <= dv.byteLength &&
    typeof out === 'object' &&
    out !== null
  ))
    badDecodeArgs(dv, off, end, out)
  decodeEventUnchecked(dv, off, end, out)
}

/**
 * @internal {@link decodeEvent} for the engine and the page reader, which pass their own
 * bounded offsets (the read path).
 */
export function decodeEventUnchecked(
  dv: DataView,
  off: number,
  end: number,
  out: DecodedRecord,
): void {
  out.lost = 0
  out.delta = 0
  out.payloadLength = 0
  out.payloadOffset = off + 4
  const room = end - off
  if (room < 4) {
    out.kind = RecordKind.End
    out.size = room
    return
  }
  const w = dv.getUint32(off, true)
  const type = w & 31
  const delta = w >>> 5
  if (type >= 1 && type <= RINGBUF_TYPE_DATA_TYPE_LEN_MAX) {
    out.kind = RecordKind.Data
    out.size = 4 + 4 * type
    out.payloadLength = 4 * type
    out.delta = delta
  } else if (type === 0) {
    const len = room >= 8 ? dv.getUint32(off + 4, true) : 0
    out.kind = RecordKind.Data
    out.size = 4 + len
    out.payloadOffset = off + 8
    out.payloadLength = len - 4
    out.delta = delta
    if (len < 8 || (len & 3) !== 0) out.size = 0
  } else if (type === RINGBUF_TYPE_PADDING) {
    if (delta === 0) {
      out.kind = RecordKind.End
      out.size = room
      return
    }
    const len = room >= 8 ? dv.getUint32(off + 4, true) : 0
    out.kind = RecordKind.Padding
    out.size = 4 + len
    out.delta = delta
    if (len < 4 || (len & 3) !== 0) out.size = 0
  } else {
    out.kind = type === RINGBUF_TYPE_TIME_EXTEND ? RecordKind.TimeDelta : RecordKind.TimeAbsolute
    out.size = 8
    out.delta = room >= 8 ? readTimeEventUnchecked(dv, off) : 0
  }
  if (out.size === 0 || out.size > room) {
    out.kind = RecordKind.Corrupt
    out.size = 0
  }
}

/** The typed error for arguments `decodeEvent` refused (cold). */
function badDecodeArgs(dv: unknown, off: unknown, end: unknown, out: unknown): never {
  if (!(dv instanceof DataView)) badView('dv', dv)
  if (!(Number.isInteger(off) && (off as number) >= 0 && (off as number) <= dv.byteLength))
    badNumber('off', off, `a byte offset in [0, ${dv.byteLength}]`)
  if (!(
    Number.isInteger(end) &&
    (end as number) >= (off as number) &&
    (end as number) <= dv.byteLength
  ))
    badNumber('end', end, `a byte offset in [off, ${dv.byteLength}]`)
  throw new TypeError(`out: expected a DecodedRecord to fill, got ${shown(out)}`)
}

/**
 * The ftrace client. Sub-buffer header 16 bytes with the commit word at offset 8, 4-byte
 * event alignment, no loss records (losses are flagged in read pages instead), and a per-CPU
 * area of one sub-buffer for the mmap meta page (`struct trace_buffer_meta`).
 */
export const ftraceClient: RingClient = {
  id: 'onering.ftrace/1',
  layout: 'paged',
  alignment: 4,
  subbufHeaderBytes: BUF_PAGE_HDR_SIZE,
  commitOffset: 8,
  lossRecordBytes: 0,
  headOffset: 0,
  tailOffset: 0,
  cpuAreaBytes: (g: ClientGeometry) => g.unitBytes,
  maxPayload: (capacity, flags) => capacity - 8 - (absolute(flags) ? 8 : 0),
  recordSize(length, delta, flags) {
    const size = eventLengthUnchecked(length)
    if (absolute(flags) || (flags & RecordFlag.FullTimestamp) !== 0) return size + 8
    return delta > TS_MASK ? size + 8 : size
  },
  writeRecord(dv, off, _length, size, delta, ts, flags) {
    if (absolute(flags) || (flags & RecordFlag.FullTimestamp) !== 0) {
      writeTimeEventUnchecked(dv, off, RINGBUF_TYPE_TIME_STAMP, ts % TWO59)
      return writeDataHeaderUnchecked(dv, off + 8, size - 8, 0)
    }
    if (delta > TS_MASK) {
      writeTimeEventUnchecked(dv, off, RINGBUF_TYPE_TIME_EXTEND, delta)
      return writeDataHeaderUnchecked(dv, off + 8, size - 8, 0)
    }
    return writeDataHeaderUnchecked(dv, off, size, delta)
  },
  endPadding(dv, off, remaining) {
    if (remaining >= 8) {
      writePaddingUnchecked(dv, off, remaining, 1)
      return remaining
    }
    if (remaining >= 4) dv.setUint32(off, RINGBUF_TYPE_PADDING, true)
    return 0
  },
  discard(dv, off, size) {
    // a TIME_EXTEND / TIME_STAMP in front stays; the event becomes padding keeping its delta
    // (1 when it was 0), as rb_event_discard
    const type = dv.getUint32(off, true) & 31
    const prefix = type === RINGBUF_TYPE_TIME_EXTEND || type === RINGBUF_TYPE_TIME_STAMP ? 8 : 0
    const delta = dv.getUint32(off + prefix, true) >>> 5
    writePaddingUnchecked(dv, off + prefix, size - prefix, delta === 0 ? 1 : delta)
  },
  decode: decodeEventUnchecked,
  subbufBegin(dv, pageOffset, ts) {
    setU64(dv, pageOffset, ts)
    dv.setUint32(pageOffset + 12, 0, true)
  },
  subbufHandoff(dv: DataView, pageOffset: number, info: SubbufHandoffInfo) {
    let flags = 0
    if (info.lost > 0) {
      flags = RB_MISSED_EVENTS
      if (info.capacity - info.dataBytes >= 8) {
        setU64(dv, pageOffset + BUF_PAGE_HDR_SIZE + info.dataBytes, info.lost)
        flags |= RB_MISSED_STORED
      }
    }
    // local_t commit: the int flags are sign-extended to 64 bits
    dv.setUint32(pageOffset + 8, (info.dataBytes | flags) >>> 0, true)
    dv.setUint32(pageOffset + 12, flags !== 0 ? 0xffffffff : 0, true)
  },
  fixAbsolute: fixAbsoluteTimestampUnchecked,
}

registerClient(ftraceClient)
