// The ratios `npm run bench` prints are real numbers, and each one it promises is there
// (issue "Reliability", point 12: the memory-ceiling ratios printed NaN and the postMessage
// ratio was silently left out).
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script of the bench, typed by its JSDoc only
import { computeRatios } from '../../tools/bench/ratios.mjs'

interface Ratio {
  label: string
  value: number
  better: string
}
const compute = computeRatios as (results: { find: () => unknown }, sizes: number[]) => Ratio[]

/** Results in which every case the ratios ask for exists. */
const everyCase = { find: (): unknown => ({ nsPerEvent: 25, eventsPerSec: 4e7 }) }
const SIZES = [16, 64, 256, 1024]

describe('bench ratios', () => {
  it('are all finite and positive, and include the peer and memory-ceiling ratios', () => {
    const ratios = compute(everyCase, SIZES)
    expect(ratios.length).toBeGreaterThan(20)
    for (const r of ratios) expect(Number.isFinite(r.value) && r.value > 0, r.label).toBe(true)
    const labels = ratios.map((r) => r.label)
    expect(labels).toContainEqual(expect.stringMatching(/^onering \/ postMessage per event/))
    expect(labels).toContainEqual(expect.stringMatching(/^onering \/ ringbuf\.js/))
    expect(labels.filter((l) => l.includes('memory ceiling'))).toHaveLength(4)
  })

  it('throws on a figure that is not a positive number instead of printing NaN', () => {
    const broken = { find: () => ({ nsPerEvent: 0, eventsPerSec: 0 }) }
    expect(() => compute(broken, SIZES)).toThrow(TypeError)
  })
})
