/**
 * 64-bit little-endian integers as JS numbers (exact up to 2^53), without BigInt.
 *
 * @internal
 * @packageDocumentation
 */

const TWO32 = 4294967296

/** Write `v` (an integer, |v| < 2^53; negative values are two's complement) at `off`. */
export function setU64(dv: DataView, off: number, v: number): void {
  const hi = Math.floor(v / TWO32)
  dv.setUint32(off, v - hi * TWO32, true)
  dv.setUint32(off + 4, hi >>> 0, true)
}

/** Read an unsigned 64-bit value; exact below 2^53. */
export function getU64(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true)
}

/** Read a signed 64-bit value; exact for |v| < 2^53. */
export function getI64(dv: DataView, off: number): number {
  return dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true)
}
