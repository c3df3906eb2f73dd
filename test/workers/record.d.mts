// Types of the helpers of record.mjs that TypeScript tests import (the workers use the .mjs as is).

/** Write record `seq` of writer `id` (its checksummed payload) at `off`; returns its length. */
export function encode(
  u8: Uint8Array,
  dv: DataView,
  off: number,
  id: number,
  seq: number,
  ts: number,
): number
/** Check a payload written by `encode`; null when intact, else what is wrong (fills `out`). */
export function verifyPayload(
  u8: Uint8Array,
  dv: DataView,
  off: number,
  len: number,
  out: { id: number; seq: number; ts: number },
): string | null
