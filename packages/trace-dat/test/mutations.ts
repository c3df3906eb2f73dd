/**
 * The fast-check property the reader tests share: a real file with a few bytes overwritten
 * (within its first `span` bytes) and cut short anywhere is read and listed, or refused with a
 * TraceDatError — never another error, a hang or a read out of bounds.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import type { ReadTraceDatOptions } from '../src/index.js'
import { readTraceDat, TraceDatError, traceDatListing } from '../src/index.js'

/** Run the property on `bytes` with `flips` overwritten bytes at most. */
export function mutatedFileProperty(
  bytes: Uint8Array,
  options: { span?: number; flips: number; runs: number; read?: ReadTraceDatOptions },
): void {
  const span = Math.min(bytes.length, options.span ?? bytes.length)
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(span - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: options.flips,
      }),
      fc.nat(bytes.length),
      (flips, cut) => {
        const m = bytes.slice(0, Math.max(cut, 1))
        for (const [i, v] of flips) if (i < m.length) m[i] = v
        try {
          traceDatListing(readTraceDat(m, options.read))
        } catch (e) {
          expect(e).toBeInstanceOf(TraceDatError)
        }
      },
    ),
    { numRuns: options.runs },
  )
}
