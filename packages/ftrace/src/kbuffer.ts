/**
 * libtraceevent's kbuffer API (`kbuffer.h`, 1.7.1) under its C names: the sub-buffer parser
 * trace-cmd, perf and libtracefs use for ftrace pages, with the C semantics — the timestamp
 * adds every delta (a padding's too), a TIME_STAMP replaces it, `kbuffer_missed_events`
 * answers only while the current record is the page's first, `kbuffer_next_event` skips
 * time and padding records. It reads onering's pages, kernel pages (`trace_pipe_raw`, the
 * 6.10 mapping) and trace.dat pages alike, in place: a payload is a view into the page.
 *
 * Where C would read outside the page (a commit length, a record length or a stored
 * missed count past the sub-buffer it was given), this one stops at the end of the bytes:
 * the page then ends at the last whole record and {@link KBuffer.corrupt} says why.
 *
 * @packageDocumentation
 */
import type { OutParam } from '@onering/trace-events'

/** A value as an error message shows it: a number as itself, anything else by its type. */
const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v)

/** `enum kbuffer_endian`: `KBUFFER_ENDIAN_BIG`. */
export const KBUFFER_ENDIAN_BIG = 0
/** `enum kbuffer_endian`: `KBUFFER_ENDIAN_LITTLE`. */
export const KBUFFER_ENDIAN_LITTLE = 1
/** `enum kbuffer_endian`: `KBUFFER_ENDIAN_SAME_AS_HOST`. */
export const KBUFFER_ENDIAN_SAME_AS_HOST = 2
/** `enum kbuffer_long_size`: `KBUFFER_LSIZE_4` (a 32-bit kernel: 12-byte page header). */
export const KBUFFER_LSIZE_4 = 0
/** `enum kbuffer_long_size`: `KBUFFER_LSIZE_8` (a 64-bit kernel: 16-byte page header). */
export const KBUFFER_LSIZE_8 = 1
/** `enum kbuffer_long_size`: `KBUFFER_LSIZE_SAME_AS_HOST` (8 here: Node runs 64-bit). */
export const KBUFFER_LSIZE_SAME_AS_HOST = 2
/** `KBUFFER_TYPE_PADDING`: type_len of a padding record. */
export const KBUFFER_TYPE_PADDING = 29
/** `KBUFFER_TYPE_TIME_EXTEND`: type_len of a time-extend record. */
export const KBUFFER_TYPE_TIME_EXTEND = 30
/** `KBUFFER_TYPE_TIME_STAMP`: type_len of an absolute time-stamp record. */
export const KBUFFER_TYPE_TIME_STAMP = 31

const COMMIT_MASK = (1 << 27) - 1
const MISSING_EVENTS = 0x80000000
const MISSING_STORED = 0x40000000
const TWO27 = 2 ** 27
const TWO59 = 2 ** 59
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** `struct kbuffer_raw_info`: one raw record, as {@link kbuffer_raw_get} reports it. */
export interface KbufferRawInfo {
  /** The record's type_len (29 padding, 30 time extend, 31 time stamp, else data). */
  type: number
  /** Its length as kbuffer derives it (payload bytes; 0 for time records). */
  length: number
  /** Its delta (the 59-bit value of a time record). */
  delta: number
  /** Byte offset of the record to read next, from the start of the sub-buffer (C: a pointer). */
  next: number
}

/**
 * `struct kbuffer`: a cursor over one loaded sub-buffer. Make it with {@link kbuffer_alloc};
 * its state is read through the `kbuffer_*` functions.
 */
export class KBuffer {
  /** @internal page bytes are little-endian (after kbuffer's swap rule) */
  readonly little: boolean
  /** @internal the long size (`KBUFFER_FL_LONG_8`) */
  readonly long8: boolean
  /** @internal kbuffer_set_old_format was called */
  old = false
  /** @internal */ freed = false
  /** @internal the sub-buffer */ subbuffer: Uint8Array | null = null
  /** @internal */ dv: DataView = new DataView(new ArrayBuffer(0))
  /** @internal */ timestamp = 0
  /** @internal */ lostEvents = 0
  /** @internal byte offset of the data in the sub-buffer (16 or 12) */ start = 16
  /** @internal offsets below count from `start`, as kbuffer's */ index = 0
  /** @internal */ curr = 0
  /** @internal */ next = 0
  /** @internal */ size = 0
  /** @internal */ first = 0
  /**
   * Why the loaded page ended early: a record or a stored count that C would have read
   * outside the sub-buffer it was given. `null` for a sound page.
   */
  corrupt: string | null = null

  /** @internal use {@link kbuffer_alloc} */
  constructor(long8: boolean, little: boolean) {
    this.long8 = long8
    this.little = little
  }

  /** @internal read_4 */
  read4(at: number): number {
    return this.dv.getUint32(at, this.little)
  }

  /** @internal read_8 (as a number: exact below 2^53) */
  read8(at: number): number {
    const lo = this.dv.getUint32(at + (this.little ? 0 : 4), this.little)
    const hi = this.dv.getUint32(at + (this.little ? 4 : 0), this.little)
    return hi * 2 ** 32 + lo
  }

  /** @internal read_long: 8 bytes on a 64-bit kernel, 4 on a 32-bit one */
  readLong(at: number): number {
    return this.long8 ? this.read8(at) : this.read4(at)
  }
}

function checkKb(kbuf: unknown): KBuffer {
  if (!(kbuf instanceof KBuffer)) throw new TypeError('kbuf: expected a kbuffer from kbuffer_alloc')
  if (kbuf.freed) throw new TypeError('kbuf: the kbuffer was freed (kbuffer_free)')
  return kbuf
}

function checkTs(ts: unknown): void {
  if (ts !== undefined && ts !== null && (typeof ts !== 'object' || Array.isArray(ts)))
    throw new TypeError('ts: expected an out-parameter object ({ value }), or null')
}

/**
 * `kbuffer_alloc(size, endian)`: a kbuffer for pages of a kernel with `long` of `size`
 * (`KBUFFER_LSIZE_*`) and byte order `endian` (`KBUFFER_ENDIAN_*`).
 *
 * @throws RangeError for a value outside the enums (C returns NULL).
 */
export function kbuffer_alloc(size: number, endian: number): KBuffer {
  if (size !== KBUFFER_LSIZE_4 && size !== KBUFFER_LSIZE_8 && size !== KBUFFER_LSIZE_SAME_AS_HOST)
    throw new RangeError(`size: ${shown(size)} is not a KBUFFER_LSIZE_* value (0, 1, 2)`)
  if (
    endian !== KBUFFER_ENDIAN_BIG &&
    endian !== KBUFFER_ENDIAN_LITTLE &&
    endian !== KBUFFER_ENDIAN_SAME_AS_HOST
  )
    throw new RangeError(`endian: ${shown(endian)} is not a KBUFFER_ENDIAN_* value (0, 1, 2)`)
  const little =
    endian === KBUFFER_ENDIAN_LITTLE || (endian === KBUFFER_ENDIAN_SAME_AS_HOST && HOST_LITTLE)
  return new KBuffer(size !== KBUFFER_LSIZE_4, little)
}

/** `kbuffer_free(kbuf)`: later calls with it throw. */
export function kbuffer_free(kbuf: KBuffer): void {
  checkKb(kbuf).freed = true
  kbuf.subbuffer = null
}

/**
 * `translate_data`: decode the record at page offset `at` into `out` (type, delta, length,
 * payload offset in `out.next`), or return false when it does not lie inside the page.
 */
function translate(kb: KBuffer, at: number, out: KbufferRawInfo): boolean {
  const limit = kb.dv.byteLength
  if (at + 4 > limit) return false
  const w = kb.read4(at)
  let ptr = at + 4
  const typeLen = kb.little ? w & 31 : w >>> 27
  let delta = kb.little ? w >>> 5 : w & (TWO27 - 1)
  let length: number
  switch (typeLen) {
    case KBUFFER_TYPE_PADDING:
      if (ptr + 4 > limit) return false
      length = kb.read4(ptr) | 0
      break
    case KBUFFER_TYPE_TIME_STAMP:
    case KBUFFER_TYPE_TIME_EXTEND: {
      if (ptr + 4 > limit) return false
      const msb = typeLen === KBUFFER_TYPE_TIME_STAMP ? Math.floor(kb.timestamp / TWO59) * TWO59 : 0
      delta = kb.read4(ptr) * TWO27 + delta + msb
      ptr += 4
      length = 0
      break
    }
    case 0:
      if (ptr + 4 > limit) return false
      length = (((kb.read4(ptr) - 4) | 0) + 3) & ~3
      ptr += 4
      break
    default:
      length = typeLen * 4
  }
  out.type = typeLen
  out.delta = delta
  out.length = length
  out.next = ptr
  return true
}

const scratch: KbufferRawInfo = { type: 0, length: 0, delta: 0, next: 0 }

/** Stop the page: C would have read outside the bytes it was given. */
function stop(kb: KBuffer, why: string): number {
  kb.corrupt ??= why
  kb.curr = kb.size
  kb.next = kb.size
  kb.index = kb.size
  return -1
}

/** `update_pointers` / `old_update_pointers`: the record at `curr`; returns its type. */
function updatePointers(kb: KBuffer): number {
  const at = kb.start + kb.curr
  if (kb.old) return oldUpdatePointers(kb, at)
  if (!translate(kb, at, scratch))
    return stop(kb, `the record at data offset ${kb.curr} runs past the sub-buffer`)
  const end = scratch.next - kb.start + scratch.length
  if (scratch.length < 0 || kb.start + end > kb.dv.byteLength)
    return stop(kb, `the record at data offset ${kb.curr} runs past the sub-buffer`)
  if (scratch.type === KBUFFER_TYPE_TIME_STAMP) kb.timestamp = scratch.delta
  else kb.timestamp += scratch.delta
  kb.index = scratch.next - kb.start
  kb.next = kb.index + scratch.length
  return scratch.type
}

/** The 2.6.30-era format (`kbuffer_set_old_format`). */
function oldUpdatePointers(kb: KBuffer, at: number): number {
  const limit = kb.dv.byteLength
  if (at + 4 > limit)
    return stop(kb, `the record at data offset ${kb.curr} runs past the sub-buffer`)
  const w = kb.read4(at)
  let ptr = at + 4
  const type = kb.little ? w & 3 : (w >>> 29) & 3
  const len = kb.little ? (w >>> 2) & 7 : (w >>> 27) & 7
  let delta = kb.little ? w >>> 5 : w & (TWO27 - 1)
  let length: number
  switch (type) {
    case 0: // OLD_RINGBUF_TYPE_PADDING
      kb.next = kb.size
      return 0
    case 1: // OLD_RINGBUF_TYPE_TIME_EXTEND
      if (ptr + 4 > limit)
        return stop(kb, `the record at data offset ${kb.curr} runs past the sub-buffer`)
      delta = (kb.read4(ptr) * TWO27 + delta) % 2 ** 32
      ptr += 4
      length = 0
      break
    case 2: // OLD_RINGBUF_TYPE_TIME_STAMP: "should never happen"
      kb.curr = kb.size
      kb.next = kb.size
      kb.index = kb.size
      return -1
    default:
      if (len !== 0) length = len * 4
      else {
        if (ptr + 4 > limit)
          return stop(kb, `the record at data offset ${kb.curr} runs past the sub-buffer`)
        length = (kb.read4(ptr) - 4) | 0
        ptr += 4
      }
  }
  if (length < 0 || ptr + length > limit)
    return stop(kb, `the record at data offset ${kb.curr} runs past the sub-buffer`)
  kb.timestamp += delta
  kb.index = ptr - kb.start
  kb.next = kb.index + length
  return type
}

/** `__next_event` / `__old_next_event`: 0 on a data record, -1 at the end. */
function nextEvent(kb: KBuffer): number {
  let type: number
  do {
    kb.curr = kb.next
    if (kb.next >= kb.size) return -1
    type = updatePointers(kb)
    if (type < 0) return -1
  } while (
    kb.old
      ? type === 1 || type === 0
      : type === KBUFFER_TYPE_TIME_EXTEND ||
        type === KBUFFER_TYPE_TIME_STAMP ||
        type === KBUFFER_TYPE_PADDING
  )
  return 0
}

/**
 * `kbuffer_load_subbuffer(kbuf, subbuffer)`: load a sub-buffer (`struct buffer_data_page`:
 * time stamp, commit, data) and stand on its first data record. `subbuffer` is a view that
 * starts at the page (C: its address) and covers it; nothing is copied. Returns 0.
 *
 * @throws TypeError when `subbuffer` is not a Uint8Array or is shorter than the page header.
 */
export function kbuffer_load_subbuffer(kbuf: KBuffer, subbuffer: Uint8Array): number {
  const kb = checkKb(kbuf)
  const start = kb.long8 ? 16 : 12
  if (!(subbuffer instanceof Uint8Array))
    throw new TypeError('subbuffer: expected a Uint8Array starting at the sub-buffer')
  if (subbuffer.length < start)
    throw new RangeError(
      `subbuffer: ${subbuffer.length} bytes do not hold a ${start}-byte page header`,
    )
  load(kb, subbuffer)
  return 0
}

function load(kb: KBuffer, subbuffer: Uint8Array): void {
  if (kb.subbuffer !== subbuffer)
    kb.dv = new DataView(subbuffer.buffer, subbuffer.byteOffset, subbuffer.byteLength)
  kb.subbuffer = subbuffer
  kb.corrupt = null
  kb.timestamp = kb.read8(0)
  kb.curr = 0
  kb.start = kb.long8 ? 16 : 12
  const flags = kb.readLong(8)
  const lo = kb.long8 ? kb.dv.getUint32(kb.little ? 8 : 12, kb.little) : flags
  kb.size = lo & COMMIT_MASK
  if (kb.start + kb.size > subbuffer.length) {
    kb.corrupt = `commit length ${kb.size} exceeds the ${subbuffer.length - kb.start} data bytes`
    kb.size = subbuffer.length - kb.start
  }
  if ((lo & MISSING_EVENTS) !== 0) {
    const at = kb.start + kb.size
    if ((lo & MISSING_STORED) !== 0 && at + (kb.long8 ? 8 : 4) <= subbuffer.length)
      kb.lostEvents = kb.readLong(at)
    else {
      if ((lo & MISSING_STORED) !== 0)
        kb.corrupt ??= 'the stored missed count lies outside the sub-buffer'
      kb.lostEvents = -1
    }
  } else kb.lostEvents = 0
  kb.index = 0
  kb.next = 0
  nextEvent(kb)
  kb.first = kb.curr
}

function payload(kb: KBuffer): Uint8Array {
  const page = kb.subbuffer!
  return page.subarray(kb.start + kb.index, kb.start + kb.next)
}

/**
 * `kbuffer_read_event(kbuf, &ts)`: the payload of the current data record (a view into the
 * page, no copy), its timestamp in `ts.value`; null at the end of the page or before a load.
 */
export function kbuffer_read_event(kbuf: KBuffer, ts?: OutParam<number> | null): Uint8Array | null {
  const kb = checkKb(kbuf)
  checkTs(ts)
  if (kb.subbuffer === null || kb.curr >= kb.size) return null
  if (ts) ts.value = kb.timestamp
  return payload(kb)
}

/**
 * `kbuffer_next_event(kbuf, &ts)`: advance to the next data record and return its payload
 * (a view into the page), its timestamp in `ts.value`; null at the end of the page.
 */
export function kbuffer_next_event(kbuf: KBuffer, ts?: OutParam<number> | null): Uint8Array | null {
  const kb = checkKb(kbuf)
  checkTs(ts)
  if (kb.subbuffer === null) return null
  if (nextEvent(kb) < 0) return null
  if (ts) ts.value = kb.timestamp
  return payload(kb)
}

/** `kbuffer_timestamp(kbuf)`: the timestamp of the current record. */
export function kbuffer_timestamp(kbuf: KBuffer): number {
  return checkKb(kbuf).timestamp
}

/** `kbuffer_subbuf_timestamp(kbuf, subbuf)`: the `time_stamp` of a sub-buffer's header. */
export function kbuffer_subbuf_timestamp(kbuf: KBuffer, subbuf: Uint8Array): number {
  const kb = checkKb(kbuf)
  if (!(subbuf instanceof Uint8Array) || subbuf.length < 8)
    throw new TypeError('subbuf: expected a Uint8Array starting at a sub-buffer header')
  const dv = new DataView(subbuf.buffer, subbuf.byteOffset, 8)
  const lo = dv.getUint32(kb.little ? 0 : 4, kb.little)
  const hi = dv.getUint32(kb.little ? 4 : 0, kb.little)
  return hi * 2 ** 32 + lo
}

/** `kbuffer_ptr_delta(kbuf, ptr)`: the time delta of the record header `ptr` starts at. */
export function kbuffer_ptr_delta(kbuf: KBuffer, ptr: Uint8Array): number {
  const kb = checkKb(kbuf)
  if (!(ptr instanceof Uint8Array) || ptr.length < 4)
    throw new TypeError('ptr: expected a Uint8Array starting at a record header')
  const w = new DataView(ptr.buffer, ptr.byteOffset, 4).getUint32(0, kb.little)
  return kb.little ? w >>> 5 : w & (TWO27 - 1)
}

/**
 * `kbuffer_translate_data(swap, data, &size)`: the payload of the data record `data` starts
 * at (host byte order, or swapped with `swap`), its length in `size.value`; null for a
 * padding or time record.
 */
export function kbuffer_translate_data(
  swap: number | boolean,
  data: Uint8Array,
  size: OutParam<number>,
): Uint8Array | null {
  if (typeof swap !== 'boolean' && !Number.isInteger(swap))
    throw new TypeError(`swap: expected a boolean or an int, got ${shown(swap)}`)
  if (!(data instanceof Uint8Array)) throw new TypeError('data: expected a Uint8Array')
  if (typeof size !== 'object' || size === null || Array.isArray(size))
    throw new TypeError('size: expected an out-parameter object ({ value })')
  const kb = new KBuffer(true, swap ? !HOST_LITTLE : HOST_LITTLE)
  kb.dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (!translate(kb, 0, scratch)) throw new RangeError('data: the record runs past the bytes')
  if (scratch.type >= KBUFFER_TYPE_PADDING) return null
  if (scratch.length < 0 || scratch.next + scratch.length > data.length)
    throw new RangeError('data: the record runs past the bytes')
  size.value = scratch.length
  return data.subarray(scratch.next, scratch.next + scratch.length)
}

/**
 * `kbuffer_read_at_offset(kbuf, offset, &ts)`: reload the sub-buffer and stand on the first
 * data record at or after `offset` (from the start of the sub-buffer); its payload, or null.
 */
export function kbuffer_read_at_offset(
  kbuf: KBuffer,
  offset: number,
  ts?: OutParam<number> | null,
): Uint8Array | null {
  const kb = checkKb(kbuf)
  if (!Number.isInteger(offset) || offset < -(2 ** 31) || offset >= 2 ** 31)
    throw new RangeError(`offset: ${shown(offset)} is not an int`)
  checkTs(ts)
  if (kb.subbuffer === null) return null
  const start = kb.long8 ? 16 : 12
  const want = offset < start ? 0 : offset - start
  load(kb, kb.subbuffer)
  let data = kbuffer_read_event(kb, ts)
  while (kb.curr < want) {
    data = kbuffer_next_event(kb, ts)
    if (data === null) break
  }
  return data
}

/** `kbuffer_subbuffer_size(kbuf)`: data bytes of the page (its commit length). */
export function kbuffer_subbuffer_size(kbuf: KBuffer): number {
  return checkKb(kbuf).size
}

/** `kbuffer_curr_index(kbuf)`: offset of the current record from the start of the data. */
export function kbuffer_curr_index(kbuf: KBuffer): number {
  return checkKb(kbuf).curr
}

/** `kbuffer_curr_offset(kbuf)`: offset of the current record from the start of the page. */
export function kbuffer_curr_offset(kbuf: KBuffer): number {
  const kb = checkKb(kbuf)
  return kb.curr + kb.start
}

/** `kbuffer_event_size(kbuf)`: payload bytes of the current record. */
export function kbuffer_event_size(kbuf: KBuffer): number {
  const kb = checkKb(kbuf)
  return kb.next - kb.index
}

/**
 * `kbuffer_curr_size(kbuf)`: bytes of the current record, its header(s) and any time record
 * in front of it included.
 */
export function kbuffer_curr_size(kbuf: KBuffer): number {
  const kb = checkKb(kbuf)
  return kb.next - kb.curr
}

/**
 * `kbuffer_missed_events(kbuf)`: while the current record is the page's first one, the events
 * lost before the page (the stored count, -1 when the page says events were lost without a
 * count); else 0. A page opening with a TIME_STAMP therefore reports 0, as in C.
 */
export function kbuffer_missed_events(kbuf: KBuffer): number {
  const kb = checkKb(kbuf)
  return kb.curr !== 0 ? 0 : kb.lostEvents
}

/** `kbuffer_set_old_format(kbuf)`: read the 2.6.30-era record format from now on. */
export function kbuffer_set_old_format(kbuf: KBuffer): void {
  checkKb(kbuf).old = true
}

/** `kbuffer_start_of_data(kbuf)`: offset of the page's first data record from the page start. */
export function kbuffer_start_of_data(kbuf: KBuffer): number {
  const kb = checkKb(kbuf)
  return kb.first + kb.start
}

/**
 * `kbuffer_raw_get(kbuf, subbuf, info)`: the raw record at `info.next` (an offset into
 * `subbuf`; C: a pointer), any type; sets `info` and moves `info.next` past it. Returns
 * `info`, or null when `info.next` lies outside the page's data.
 */
export function kbuffer_raw_get(
  kbuf: KBuffer,
  subbuf: Uint8Array,
  info: KbufferRawInfo,
): KbufferRawInfo | null {
  const kb = checkKb(kbuf)
  if (!(subbuf instanceof Uint8Array))
    throw new TypeError('subbuf: expected a Uint8Array starting at the sub-buffer')
  if (typeof info !== 'object' || info === null || !Number.isInteger(info.next))
    throw new TypeError('info: expected a kbuffer_raw_info with an integer next offset')
  const start = kb.long8 ? 16 : 12
  if (subbuf.length < start) return null
  const r = new KBuffer(kb.long8, kb.little)
  r.dv = new DataView(subbuf.buffer, subbuf.byteOffset, subbuf.byteLength)
  r.timestamp = kb.timestamp
  const size = (kb.long8 ? r.dv.getUint32(kb.little ? 8 : 12, kb.little) : r.read4(8)) & COMMIT_MASK
  const ptr = info.next
  if (ptr < 0 || ptr >= start + size) return null
  if (!translate(r, ptr, scratch)) return null
  info.type = scratch.type
  info.delta = scratch.delta
  info.length = scratch.length
  info.next = scratch.next + scratch.length
  return info
}

// ---- libtraceevent 1.8 additions (the mapped reader of libtracefs uses them) --------------

/** `kbuffer_dup(kbuf)`: a new kbuffer with the same settings and the same loaded sub-buffer. */
export function kbuffer_dup(kbuf: KBuffer): KBuffer {
  const kb = checkKb(kbuf)
  const d = new KBuffer(kb.long8, kb.little)
  d.old = kb.old
  if (kb.subbuffer !== null) load(d, kb.subbuffer)
  return d
}

/** `kbuffer_subbuffer(kbuf)`: the loaded sub-buffer (the view given to the load), or null. */
export function kbuffer_subbuffer(kbuf: KBuffer): Uint8Array | null {
  return checkKb(kbuf).subbuffer
}

/**
 * `kbuffer_refresh(kbuf)`: re-read the commit length of the loaded sub-buffer (a writer may
 * have added events to it since the load); when standing at the old end, move onto the first
 * new record. Returns 0, or -1 when nothing is loaded.
 */
export function kbuffer_refresh(kbuf: KBuffer): number {
  const kb = checkKb(kbuf)
  const page = kb.subbuffer
  if (page === null) return -1
  const old = kb.size
  const lo = kb.long8 ? kb.dv.getUint32(kb.little ? 8 : 12, kb.little) : kb.read4(8)
  kb.size = Math.min(lo & COMMIT_MASK, page.length - kb.start)
  if (kb.size !== old && kb.curr === kb.next) nextEvent(kb)
  return 0
}

/**
 * `kbuffer_read_buffer(kbuf, buffer, len)`: copy the unread records of the loaded sub-buffer,
 * from the current one, as a sub-buffer of its own into `buffer` (at most `len` bytes): the
 * header's time stamp is the current record's timestamp, the first record's delta is zeroed,
 * the commit is the bytes copied. Moves the kbuffer past what it copied. Returns the data
 * offset after the last record copied, 0 at the end of the page, -1 when not even the first
 * record fits.
 */
export function kbuffer_read_buffer(kbuf: KBuffer, buffer: Uint8Array, len: number): number {
  const kb = checkKb(kbuf)
  if (!(buffer instanceof Uint8Array)) throw new TypeError('buffer: expected a Uint8Array')
  if (!Number.isInteger(len) || len < 0 || len >= 2 ** 31)
    throw new RangeError(`len: ${shown(len)} is not a byte count`)
  if (len > buffer.length)
    throw new RangeError(`buffer: ${buffer.length} bytes are fewer than len (${len})`)
  if (kb.subbuffer === null || kb.curr >= kb.size) return 0
  if (len < kb.start || len < kb.next - kb.curr + kb.start) return -1
  const out = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  const setU64 = (at: number, v: number): void => {
    const hi = Math.floor(v / 2 ** 32)
    out.setUint32(at + (kb.little ? 0 : 4), v - hi * 2 ** 32, kb.little)
    out.setUint32(at + (kb.little ? 4 : 0), hi >>> 0, kb.little)
  }
  setU64(0, kb.timestamp)
  let room = len - kb.start
  const saveCurr = kb.curr
  let lastNext = kb.next
  while (room >= kb.next - saveCurr) {
    lastNext = kb.next
    if (kbuffer_next_event(kb) === null) break
  }
  room = lastNext - saveCurr
  if (room === 0) return 0
  buffer.set(kb.subbuffer.subarray(kb.start + saveCurr, kb.start + lastNext), kb.start)
  const w = out.getUint32(kb.start, kb.little)
  out.setUint32(kb.start, kb.little ? w & 31 : w & ~(TWO27 - 1), kb.little)
  if (kb.long8) setU64(8, room)
  else out.setUint32(8, room, kb.little)
  return lastNext
}
