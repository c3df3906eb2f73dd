/**
 * The ftrace event format: `struct ring_buffer_event { u32 type_len:5, time_delta:27;
 * u32 array[]; }`, little-endian, and the kernel's sizing rules (`rb_calculate_event_length`,
 * `rb_update_event`).
 *
 * @packageDocumentation
 */
import {
  RB_MAX_SMALL_DATA,
  RINGBUF_TYPE_PADDING,
  RINGBUF_TYPE_TIME_EXTEND,
  RINGBUF_TYPE_TIME_STAMP,
  TS_MASK,
} from './constants.js'
import { badNumber, badView } from '@onering/trace-events/internal'

const TWO27 = 2 ** 27
const TWO59 = 2 ** 59

/**
 * Bytes of a data event with a payload of `length` bytes, headers included, as
 * `rb_calculate_event_length`: payload 0 counts as 1; payloads over 112 bytes get a length
 * word; the total is aligned to 4, and a total of 12 becomes 16.
 */
export function eventLength(length: number): number {
  if (!(Number.isInteger(length) && length >= 0 && length <= 0xffffffff))
    badNumber('length', length, 'a payload length in [0, 2^32)')
  return eventLengthUnchecked(length)
}

/** @internal {@link eventLength} for the engine's own (valid) arguments: the write path. */
export function eventLengthUnchecked(length: number): number {
  let len = length === 0 ? 1 : length
  if (len > RB_MAX_SMALL_DATA) len += 4
  len = (len + 4 + 3) & ~3
  return len === 12 ? 16 : len
}

/** The event header word for `type_len` and `time_delta`. */
export function eventHeader(typeLen: number, delta: number): number {
  if (!(Number.isInteger(typeLen) && typeLen >= 0 && typeLen <= 31))
    badNumber('typeLen', typeLen, 'a type_len in [0, 31]')
  if (!(Number.isInteger(delta) && delta >= 0 && delta <= TS_MASK))
    badNumber('delta', delta, 'a time_delta in [0, 2^27)')
  return (typeLen | (delta << 5)) >>> 0
}

/** `time_delta` in the bits of a header word: an integer in [0, 2^27). */
function checkDelta(delta: number): void {
  if (!(Number.isInteger(delta) && delta >= 0 && delta <= TS_MASK))
    badNumber('delta', delta, 'a time_delta in [0, 2^27)')
}

/**
 * Write a data event header for an event of `total` bytes at `off` (as `rb_update_event`).
 * Returns the offset of the payload.
 */
export function writeDataHeader(dv: DataView, off: number, total: number, delta: number): number {
  if (!fits(dv, off, total)) badEvent(dv, off, total, 8)
  checkDelta(delta)
  return writeDataHeaderUnchecked(dv, off, total, delta)
}

/** @internal {@link writeDataHeader} for the engine's own (valid) arguments: the write path. */
export function writeDataHeaderUnchecked(
  dv: DataView,
  off: number,
  total: number,
  delta: number,
): number {
  const len = total - 4
  if (len > RB_MAX_SMALL_DATA) {
    dv.setUint32(off, (delta << 5) >>> 0, true)
    dv.setUint32(off + 4, len, true)
    return off + 8
  }
  dv.setUint32(off, ((len >>> 2) | (delta << 5)) >>> 0, true)
  return off + 4
}

/** Write an 8-byte TIME_EXTEND (`delta` < 2^59) or TIME_STAMP event at `off`. */
export function writeTimeEvent(dv: DataView, off: number, type: number, value: number): void {
  if (!fits(dv, off, 8)) badEvent(dv, off, 8, 8)
  if (type !== RINGBUF_TYPE_TIME_EXTEND && type !== RINGBUF_TYPE_TIME_STAMP)
    badNumber('type', type, 'RINGBUF_TYPE_TIME_EXTEND or RINGBUF_TYPE_TIME_STAMP')
  if (!(Number.isInteger(value) && value >= 0 && value < TWO59))
    badNumber('value', value, 'a 59-bit time in [0, 2^59)')
  writeTimeEventUnchecked(dv, off, type, value)
}

/** @internal {@link writeTimeEvent} for the engine's own (valid) arguments: the write path. */
export function writeTimeEventUnchecked(
  dv: DataView,
  off: number,
  type: number,
  value: number,
): void {
  const hi = Math.floor(value / TWO27)
  dv.setUint32(off, (type | ((value - hi * TWO27) << 5)) >>> 0, true)
  dv.setUint32(off + 4, hi >>> 0, true)
}

/** The 59-bit value of a TIME_EXTEND or TIME_STAMP event at `off`. */
export function readTimeEvent(dv: DataView, off: number): number {
  if (!fits(dv, off, 8)) badEvent(dv, off, 8, 8)
  return readTimeEventUnchecked(dv, off)
}

/** @internal {@link readTimeEvent} for the decoder, which bounds `off` itself. */
export function readTimeEventUnchecked(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, true) * TWO27 + (dv.getUint32(off, true) >>> 5)
}

/**
 * Restore the top five bits of a TIME_STAMP's 59-bit value from the previous timestamp,
 * adding 2^59 when the result went backwards (`rb_fix_abs_ts`).
 */
export function fixAbsoluteTimestamp(value: number, previous: number): number {
  // a 59-bit value read into a double may round up to 2^59 itself
  if (!(Number.isInteger(value) && value >= 0 && value <= TWO59))
    badNumber('value', value, 'a 59-bit TIME_STAMP value in [0, 2^59]')
  // timestamps pass 2^53 ns after 104 days of uptime: any non-negative integer
  if (!(Number.isInteger(previous) && previous >= 0))
    badNumber('previous', previous, 'a timestamp (a non-negative integer)')
  return fixAbsoluteTimestampUnchecked(value, previous)
}

/** @internal {@link fixAbsoluteTimestamp} for the decoders (values they read themselves). */
export function fixAbsoluteTimestampUnchecked(value: number, previous: number): number {
  const msb = Math.floor(previous / TWO59) * TWO59
  let ts = msb + value
  if (ts < previous) ts += TWO59
  return ts
}

/** Write a padding event of `total` bytes (≥ 8) with time delta `delta` at `off`. */
export function writePadding(dv: DataView, off: number, total: number, delta: number): void {
  if (!fits(dv, off, total)) badEvent(dv, off, total, 8)
  checkDelta(delta)
  writePaddingUnchecked(dv, off, total, delta)
}

/** @internal {@link writePadding} for the engine's own (valid) arguments. */
export function writePaddingUnchecked(
  dv: DataView,
  off: number,
  total: number,
  delta: number,
): void {
  dv.setUint32(off, (RINGBUF_TYPE_PADDING | (delta << 5)) >>> 0, true)
  dv.setUint32(off + 4, total - 4, true)
}

/** A delta that needs a TIME_EXTEND in front of the event. */
export function needsTimeExtend(delta: number): boolean {
  if (!(Number.isInteger(delta) && delta >= 0))
    badNumber('delta', delta, 'a time delta (a non-negative integer)')
  return delta > TS_MASK
}

/**
 * An event of `total` bytes (a multiple of 4, at least 8) at a 4-aligned `off` inside `dv`.
 * Integer compares only: the write and read paths call it per event.
 */
function fits(dv: DataView, off: number, total: number): boolean {
  return (
    dv instanceof DataView &&
    Number.isInteger(off) &&
    Number.isInteger(total) &&
    off >= 0 &&
    total >= 8 &&
    ((off | total) & 3) === 0 &&
    off + total <= dv.byteLength
  )
}

/** The typed error for arguments `fits` refused (cold). */
function badEvent(dv: unknown, off: unknown, total: unknown, min: number): never {
  if (!(dv instanceof DataView)) badView('dv', dv)
  if (!(Number.isInteger(off) && (off as number) >= 0 && ((off as number) & 3) === 0))
    badNumber('off', off, 'a 4-aligned byte offset')
  if (!(Number.isInteger(total) && (total as number) >= min && ((total as number) & 3) === 0))
    badNumber('total', total, `an event size (a multiple of 4, at least ${min})`)
  if ((off as number) + min > dv.byteLength)
    throw new RangeError(
      `off: ${String(off)} leaves no room for an event in ${dv.byteLength} bytes`,
    )
  throw new RangeError(
    `total: an event of ${String(total)} bytes at ${String(off)} does not fit in ${dv.byteLength} bytes`,
  )
}

export { RINGBUF_TYPE_TIME_EXTEND, RINGBUF_TYPE_TIME_STAMP }
