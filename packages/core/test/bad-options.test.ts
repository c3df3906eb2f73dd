/**
 * Options and arguments a JavaScript caller can get wrong that used to pass quietly or throw
 * JavaScript's own TypeErrors (issue "Reliability", point 6): each is now a TypeError or
 * RangeError naming the argument, and the buffer works afterwards.
 */
import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '../src/index.js'
import { drainCpu, expectArgError, payloadOf } from './helpers.js'

const bad = (v: unknown): never => v as never

function usable(rb: RingBuffer, cpu = 0): void {
  const w = rb.writer(cpu, { force: true })
  expect(w.write(payloadOf(3, 9))).toBe(true)
  w.close()
  expect(drainCpu(rb.reader(), cpu).at(-1)!.payload).toEqual(Array.from(payloadOf(3, 9)))
}

describe('options objects', () => {
  it('create refuses null, non-objects and unknown keys, naming them', () => {
    expectArgError(() => RingBuffer.create(bad(null)), TypeError, 'options')
    expectArgError(() => RingBuffer.create(bad('paged')), TypeError, 'options')
    expectArgError(() => RingBuffer.create(bad([])), TypeError, 'options')
    // the layout comes from the client: a `layout` option used to make a paged buffer quietly
    expectArgError(
      () => RingBuffer.create(bad({ layout: 'contiguous', size: 4096 })),
      TypeError,
      'options',
    )
    expectArgError(() => RingBuffer.create(bad({ cpu: 2 })), TypeError, 'options')
    expect(() => RingBuffer.create(bad({ layout: 'contiguous' }))).toThrow(
      /unknown option 'layout'/,
    )
    expect(RingBuffer.create(undefined).cpus).toBe(1)
  })

  it('attach refuses non-objects, unknown keys, a non-function clock and a non-client', () => {
    const rb = RingBuffer.create({ cpus: 2 })
    expectArgError(() => RingBuffer.attach(rb.sab, bad('x')), TypeError, 'options')
    expectArgError(() => RingBuffer.attach(rb.sab, bad(null)), TypeError, 'options')
    expectArgError(() => RingBuffer.attach(rb.sab, bad({ cpus: 2 })), TypeError, 'options')
    expectArgError(() => RingBuffer.attach(rb.sab, bad({ clock: 5 })), TypeError, 'clock')
    expectArgError(() => RingBuffer.attach(rb.sab, bad({ client: 5 })), TypeError, 'client')
    expectArgError(() => RingBuffer.attach(rb.sab, bad({ client: {} })), TypeError, 'client')
    usable(RingBuffer.attach(rb.sab), 1)
  })
})

describe('addressing', () => {
  it('areaOffset and subbufOffset refuse CPUs and ids outside the buffer', () => {
    for (const rb of [
      RingBuffer.create({ cpus: 2 }),
      RingBuffer.create({ cpus: 2, client: rawContiguousClient }),
    ]) {
      for (const cpu of [-1, 2, 1.5, Number.NaN, Infinity])
        for (const f of [() => rb.areaOffset(cpu), () => rb.subbufOffset(cpu)])
          expectArgError(f, RangeError, 'cpu')
      expectArgError(() => rb.areaOffset(bad('1')), TypeError, 'cpu')
      expectArgError(() => rb.subbufOffset(bad(1n)), TypeError, 'cpu')
      for (const id of [-1, rb.physicalSubbufs, 0.5, Number.NaN])
        expectArgError(() => rb.subbufOffset(0, id), RangeError, 'id')
      expect(rb.subbufOffset(1, rb.physicalSubbufs - 1) + rb.subbufSize).toBeLessThanOrEqual(
        rb.sab.byteLength,
      )
      expect(rb.areaOffset(1)).toBeLessThan(rb.sab.byteLength)
      usable(rb, 1)
    }
  })

  it('releaseSubbuf refuses what is not a lease', () => {
    const rb = RingBuffer.create({ cpus: 1 })
    for (const lease of [undefined, null, 5, 'x'])
      expectArgError(
        () => {
          rb.releaseSubbuf(bad(lease))
        },
        TypeError,
        'lease',
      )
    usable(rb)
  })
})
