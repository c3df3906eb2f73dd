/**
 * The core's own record formats, used when no compatibility client is chosen.
 *
 * Paged records (8-byte aligned): a header of two little-endian u32 words,
 * `word0 = type << 28 | length`, `word1 = time delta`, then the payload.
 * Contiguous records (8-byte aligned): `word0 = type << 28 | length`, `word1 = 0`,
 * then the absolute u64 timestamp, then the payload.
 *
 * @packageDocumentation
 */
import { RecordKind, RecordFlag, registerClient } from './client.js'
import type { DecodedRecord, RingClient, SubbufHandoffInfo } from './client.js'
import { getU64, setU64 } from './u64.js'

const T_END = 0
const T_DATA = 1
const T_PAD = 2
const T_EXTEND = 3
const T_ABS = 4
const T_LOSS = 5
const LEN_MASK = 0x0fffffff
const TWO32 = 4294967296

function align8(n: number): number {
  return (n + 7) & ~7
}

function putHeader(dv: DataView, off: number, type: number, len: number, word1: number): void {
  dv.setUint32(off, ((type << 28) | len) >>> 0, true)
  dv.setUint32(off + 4, word1 >>> 0, true)
}

/** Offset of the u32 flags word in a raw paged sub-buffer header (bit 31: records lost). */
export const RAW_SUBBUF_FLAGS_OFFSET = 12

/**
 * Raw paged client: 16-byte sub-buffer header `{u64 timestamp, u32 commit, u32 lost}`,
 * 8-byte record headers carrying 32-bit time deltas, with time-extend records for larger
 * gaps and absolute-timestamp records on request.
 */
export const rawPagedClient: RingClient = {
  id: 'onering.raw.paged/1',
  layout: 'paged',
  alignment: 8,
  subbufHeaderBytes: 16,
  commitOffset: 8,
  lossRecordBytes: 0,
  headOffset: 0,
  tailOffset: 0,
  cpuAreaBytes: () => 0,
  maxPayload: (capacity) => Math.min(capacity - 24, LEN_MASK),
  recordSize(len, delta, flags) {
    let size = 8 + align8(len)
    if ((flags & RecordFlag.FullTimestamp) !== 0) size += 16
    else if (delta >= TWO32) size += 8
    return size
  },
  writeRecord(dv, off, len, _size, delta, ts, flags) {
    if ((flags & RecordFlag.FullTimestamp) !== 0) {
      putHeader(dv, off, T_ABS, 8, 0)
      setU64(dv, off + 8, ts)
      off += 16
      delta = 0
    } else if (delta >= TWO32) {
      const hi = Math.floor(delta / TWO32)
      putHeader(dv, off, T_EXTEND, hi & LEN_MASK, delta - hi * TWO32)
      off += 8
      delta = 0
    }
    putHeader(dv, off, T_DATA, len, delta)
    return off + 8
  },
  endPadding(dv, off, remaining) {
    if (remaining < 8) return 0
    putHeader(dv, off, T_PAD, remaining - 8, 0)
    return remaining
  },
  discard(dv, off, size) {
    // Keep a time extend or absolute timestamp in front of the record and the record's own
    // delta (in the padding header): the records after it carry deltas relative to its time.
    const type = dv.getUint32(off, true) >>> 28
    const prefix = type === T_EXTEND ? 8 : type === T_ABS ? 16 : 0
    putHeader(dv, off + prefix, T_PAD, size - prefix - 8, dv.getUint32(off + prefix + 4, true))
  },
  decode(dv, off, end, out) {
    decodeRaw(dv, off, end, out, 8)
  },
  subbufBegin(dv, pageOffset, ts) {
    setU64(dv, pageOffset, ts)
    dv.setUint32(pageOffset + RAW_SUBBUF_FLAGS_OFFSET, 0, true)
  },
  subbufHandoff(dv: DataView, pageOffset: number, info: SubbufHandoffInfo) {
    dv.setUint32(pageOffset + 8, info.dataBytes, true)
    dv.setUint32(
      pageOffset + RAW_SUBBUF_FLAGS_OFFSET,
      info.lost > 0 ? (0x80000000 | Math.min(info.lost, 0x7fffffff)) >>> 0 : 0,
      true,
    )
  },
}

/**
 * Raw contiguous client: 16-byte record headers with an absolute u64 timestamp, a loss
 * record written in front of the first record after drops, head and tail positions at
 * offsets 0 and 8 of a 64-byte per-CPU control area.
 */
export const rawContiguousClient: RingClient = {
  id: 'onering.raw.contiguous/1',
  layout: 'contiguous',
  alignment: 8,
  subbufHeaderBytes: 0,
  commitOffset: 0,
  lossRecordBytes: 16,
  headOffset: 0,
  tailOffset: 8,
  cpuAreaBytes: () => 64,
  maxPayload: (capacity) => Math.min(capacity / 2 - 32, LEN_MASK),
  recordSize: (len) => 16 + align8(len),
  writeRecord(dv, off, len, _size, _delta, ts) {
    putHeader(dv, off, T_DATA, len, 0)
    setU64(dv, off + 8, ts)
    return off + 16
  },
  endPadding: () => 0,
  discard(dv, off, size) {
    putHeader(dv, off, T_PAD, size - 8, 0)
  },
  decode(dv, off, end, out) {
    decodeRaw(dv, off, end, out, 16)
  },
  writeLoss(dv, off, lost) {
    putHeader(dv, off, T_LOSS, 0, 0)
    setU64(dv, off + 8, lost)
  },
}

function decodeRaw(dv: DataView, off: number, end: number, out: DecodedRecord, hdr: number): void {
  out.lost = 0
  out.delta = 0
  out.payloadLength = 0
  out.payloadOffset = off + hdr
  if (end - off < 8) {
    out.kind = RecordKind.End
    out.size = end - off
    return
  }
  const w0 = dv.getUint32(off, true)
  const type = w0 >>> 28
  const len = w0 & LEN_MASK
  switch (type) {
    case T_END:
      out.kind = RecordKind.End
      out.size = end - off
      return
    case T_DATA:
      out.kind = RecordKind.Data
      out.size = hdr + align8(len)
      out.payloadLength = len
      out.delta = hdr === 8 ? dv.getUint32(off + 4, true) : getU64(dv, off + 8)
      break
    case T_PAD:
      out.kind = RecordKind.Padding
      out.size = 8 + len
      // paged: a discarded record keeps its time delta (end padding has 0)
      out.delta = hdr === 8 ? dv.getUint32(off + 4, true) : 0
      break
    case T_EXTEND:
      out.kind = RecordKind.TimeDelta
      out.size = 8
      out.delta = len * TWO32 + dv.getUint32(off + 4, true)
      break
    case T_ABS:
      out.kind = RecordKind.TimeAbsolute
      out.size = 16
      out.delta = end - off >= 16 ? getU64(dv, off + 8) : 0
      break
    case T_LOSS:
      out.kind = RecordKind.Loss
      out.size = 16
      out.lost = end - off >= 16 ? getU64(dv, off + 8) : 0
      break
    default:
      out.kind = RecordKind.Corrupt
      out.size = 0
      return
  }
  if (out.size > end - off || (out.size & 7) !== 0 || out.size === 0) {
    out.kind = RecordKind.Corrupt
    out.size = 0
  }
}

registerClient(rawPagedClient)
registerClient(rawContiguousClient)
