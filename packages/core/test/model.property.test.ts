/**
 * Model-based property test of the paged ring with a per-CPU writer (see paged-model.ts):
 * random operation sequences run against the engine and a reference model; every observable
 * result is compared after every step.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { opArb, paramsArb, run } from './paged-model.js'

describe('paged ring against a reference model', () => {
  it('agrees on every observable result of random operation sequences', () => {
    let consumed = 0
    let steps = 0
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(opArb, { minLength: 1, maxLength: 400, size: 'max' }),
        (p, ops) => {
          steps += ops.length
          consumed += run(p, ops)
        },
      ),
      { numRuns: 3000 },
    )
    // the sequences really exercise the ring
    expect(steps).toBeGreaterThan(300_000)
    expect(consumed).toBeGreaterThan(20_000)
  })

  it('agrees on long runs that lap the ring many times', () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(opArb, { minLength: 1500, maxLength: 2500, size: 'max' }),
        (p, ops) => {
          run(p, ops)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('replays the sequences that found engine bugs', () => {
    // a nested writer left a sub-buffer unpublished and then reused its slot (lost records)
    run({ size: 480, spares: 1, overwrite: false, batch: 2 }, [
      { t: 'reserve', len: 0, ts: 0 },
      { t: 'discard' },
      { t: 'reserve', len: 0, ts: 0 },
      { t: 'commit' },
      { t: 'reserve', len: 25, ts: 0 },
      { t: 'reserve', len: 25, ts: 0 },
      { t: 'reserve', len: 145, ts: 1 },
      { t: 'reserve', len: 73, ts: 1 },
      { t: 'discard' },
      { t: 'commit' },
      { t: 'discard' },
      { t: 'consume' },
      { t: 'reserve', len: 101, ts: 1 },
    ])
    // overwriting a sub-buffer nested writers had not published yet (overrun undercounted)
    run({ size: 480, spares: 1, overwrite: true, batch: 3 }, [
      { t: 'reserve', len: 25, ts: 0 },
      { t: 'reserve', len: 17, ts: 0 },
      { t: 'reserve', len: 161, ts: 1 },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'reserve', len: 57, ts: 0 },
    ])
    // an iterator opened while a nested writer had claimed the oldest sub-buffer
    run({ size: 480, spares: 1, overwrite: true, batch: 1 }, [
      { t: 'reserve', len: 101, ts: 1 },
      { t: 'reserve', len: 25, ts: 1 },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'reserve', len: 81, ts: 0 },
      { t: 'reserve', len: 121, ts: 1 },
      { t: 'reserve', len: 1, ts: 1 },
      { t: 'iterate' },
      { t: 'consume' },
    ])
    // an iterator cycling forever when nested writers had reclaimed everything up to the frontier
    run({ size: 960, spares: 1, overwrite: true, batch: 3 }, [
      ...[0, 1, 9].map((len) => ({ t: 'reserve' as const, len, ts: 0 })),
      { t: 'commit' },
      { t: 'reserve', len: 1, ts: 0 },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'reserve', len: 0, ts: 0 },
      { t: 'discard' },
      ...[153, 0, 1, 41, 0].map((len) => ({ t: 'reserve' as const, len, ts: 0 })),
      { t: 'commit' },
      { t: 'commit' },
      { t: 'reserve', len: 9, ts: 1 },
      { t: 'commit' },
      { t: 'reserve', len: 145, ts: 0 },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'consume' },
      ...[25, 101, 97, 9, 1].map((len) => ({ t: 'reserve' as const, len, ts: 0 })),
      { t: 'reserve', len: 145, ts: 1 },
      { t: 'reserve', len: 33, ts: 0 },
      { t: 'iterate' },
      { t: 'peek' },
    ])
    // a record rewound after a failed switch had closed its sub-buffer (phantom record in a lease)
    run({ size: 720, spares: 2, overwrite: false, batch: 1 }, [
      { t: 'reserve', len: 41, ts: 0 },
      { t: 'reserve', len: 9, ts: 1 },
      { t: 'reserve', len: 0, ts: 0 },
      { t: 'reserve', len: 25, ts: 1 },
      { t: 'commit' },
      { t: 'discard' },
      { t: 'commit' },
      { t: 'reserve', len: 17, ts: 0 },
      { t: 'reserve', len: 73, ts: 0 },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'commit' },
      { t: 'reserve', len: 209, ts: 0 },
      { t: 'reserve', len: 1, ts: 1 },
      { t: 'reserve', len: 0, ts: 0 },
      { t: 'discard' },
      { t: 'consume' },
      { t: 'consume' },
      { t: 'consume' },
      { t: 'consume' },
      { t: 'take', full: false, copy: false },
      { t: 'commit' },
      { t: 'reserve', len: 101, ts: 0 },
      { t: 'take', full: false, copy: false },
      { t: 'commit' },
    ])
  })
})
