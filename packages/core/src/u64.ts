/**
 * 64-bit little-endian integers as JS numbers (exact up to 2^53), without BigInt.
 *
 * @internal
 * @packageDocumentation
 */

const TWO32 = 4294967296

/** An 8-byte field at `off` inside `dv`. */
function checkAt(dv: DataView, off: number): void {
  if (!(dv instanceof DataView)) throw new TypeError('dv: expected a DataView')
  if (typeof off !== 'number' || !(off >>> 0 === off && off <= dv.byteLength - 8))
    throw new RangeError(`off: expected the offset of 8 bytes inside the view, got ${String(off)}`)
}

/** Write `v` (an integer, |v| < 2^53; negative values are two's complement) at `off`. */
export function setU64(dv: DataView, off: number, v: number): void {
  checkAt(dv, off)
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -Number.MAX_SAFE_INTEGER || v >= 2 ** 64)
    throw new RangeError(`v: expected an integer in (-2^53, 2^64), got ${String(v)}`)
  const hi = Math.floor(v / TWO32)
  dv.setUint32(off, v - hi * TWO32, true)
  dv.setUint32(off + 4, hi >>> 0, true)
}

/** Read an unsigned 64-bit value; exact below 2^53. */
export function getU64(dv: DataView, off: number): number {
  checkAt(dv, off)
  return dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true)
}

/** Read a signed 64-bit value; exact for |v| < 2^53. */
export function getI64(dv: DataView, off: number): number {
  checkAt(dv, off)
  return dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true)
}
