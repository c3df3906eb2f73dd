/**
 * Property test of the contiguous layout: random sequences of (nested) reserve / commit /
 * discard / consume / peek / flush over a small data area, so records wrap all the time. Checked
 * against an account of what was reserved: payloads intact, reservation order, nothing invented;
 * produce-consume: every committed record is read and every drop is reported as lost exactly
 * once, on the first record after it; overwrite: what is not read was counted as overrun.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '../src/index.js'
import type { RingRecord } from '../src/index.js'
import { payloadOf } from './helpers.js'

type Op =
  | { t: 'reserve'; len: number }
  | { t: 'commit' }
  | { t: 'discard' }
  | { t: 'consume' }
  | { t: 'peek' }
  | { t: 'flush' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      t: fc.constant('reserve' as const),
      len: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 24 }) },
        { weight: 2, arbitrary: fc.integer({ min: 25, max: 224 }) },
      ),
    }),
  },
  { weight: 24, arbitrary: fc.constant({ t: 'commit' as const }) },
  { weight: 7, arbitrary: fc.constant({ t: 'discard' as const }) },
  { weight: 20, arbitrary: fc.constant({ t: 'consume' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'peek' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'flush' as const }) },
)

interface Params {
  size: number
  overwrite: boolean
  batch: number
}

interface Res {
  id: number
  len: number
  /** Drops reported by the loss record in front of it. */
  carried: number
  state: 'open' | 'committed' | 'padded'
}

function fail(msg: string): never {
  throw new Error(msg)
}

function check(rec: RingRecord, byId: Map<number, Res>): Res {
  const id = rec.timestamp // explicit timestamps: the reservation id
  const res = byId.get(id) ?? fail(`record ${id} was never reserved`)
  if (res.state !== 'committed') fail(`record ${id} is ${res.state}`)
  if (rec.length !== res.len) fail(`record ${id}: length ${rec.length}, want ${res.len}`)
  const want = payloadOf(id, res.len)
  const got = rec.payload()
  for (let k = 0; k < res.len; k++)
    if (got[k] !== want[k]) fail(`record ${id}: payload byte ${k} differs`)
  return res
}

function run(p: Params, ops: Op[]): void {
  const rb = RingBuffer.create({
    client: rawContiguousClient,
    size: p.size,
    clock: 'counter',
    publishBatch: p.batch,
    mode: p.overwrite ? 'overwrite' : 'produce-consume',
  })
  const w = rb.writer(0)
  const r = rb.reader()
  const base = rb.subbufOffset(0)
  const byId = new Map<number, Res>()
  /** Accepted reservations not rewound, in ring order. */
  const ring: Res[] = []
  const open: Res[] = []
  let readIdx = 0
  let pending = 0
  let attempts = 0
  let lastRead = 0
  let lostSum = 0
  let consumed = 0
  let nextId = 1

  const consume = (rec: RingRecord): void => {
    const res = check(rec, byId)
    if (res.id <= lastRead) fail(`record ${res.id} after ${lastRead}`)
    if (!p.overwrite) {
      // every record before it in ring order is padding; their loss records count too
      let lost = 0
      while (ring[readIdx] !== res) {
        const skipped = ring[readIdx] ?? fail(`record ${res.id} is not next in ring order`)
        if (skipped.state !== 'padded') fail(`record ${skipped.id} (${skipped.state}) was skipped`)
        lost += skipped.carried
        readIdx++
      }
      readIdx++
      lost += res.carried
      if (rec.lost !== lost) fail(`record ${res.id}: lost ${rec.lost}, want ${lost}`)
    }
    lostSum += rec.lost
    lastRead = res.id
    consumed++
  }

  for (const op of ops) {
    switch (op.t) {
      case 'reserve': {
        const id = nextId++
        attempts++
        const off = w.reserve(op.len, id)
        if (off < 0) {
          pending++
          break
        }
        const res: Res = { id, len: op.len, carried: pending, state: 'open' }
        pending = 0
        byId.set(id, res)
        ring.push(res)
        open.push(res)
        const data = payloadOf(id, op.len)
        // one contiguous range, also across the end of the data area (the spill)
        expect(off - base + op.len).toBeLessThanOrEqual(2 * p.size)
        w.bytes.set(data, off)
        break
      }
      case 'commit':
        if (open.length === 0) break
        open.pop()!.state = 'committed'
        w.commit()
        break
      case 'discard': {
        if (open.length === 0) break
        const res = open.pop()!
        if (ring.at(-1) === res) {
          // the last one rewinds: its loss record goes with it, the drops are carried again
          ring.pop()
          pending += res.carried
          byId.delete(res.id)
        } else res.state = 'padded'
        w.discard()
        break
      }
      case 'consume': {
        const rec = r.consume(0)
        if (rec !== null) consume(rec)
        break
      }
      case 'peek': {
        const rec = r.peek(0)
        if (rec !== null) check(rec, byId)
        break
      }
      case 'flush':
        w.flush()
        break
    }
  }
  while (open.length > 0) {
    open.pop()!.state = 'committed'
    w.commit()
  }
  w.flush()
  const s0 = rb.stats(0)
  expect(s0.written + s0.discarded + s0.dropped).toBe(attempts)
  for (let rec = r.consume(0); rec !== null; rec = r.consume(0)) consume(rec)
  const s = rb.stats(0)
  const committed = [...byId.values()].filter((x) => x.state === 'committed').length
  expect(s.written).toBe(committed)
  expect(s.read).toBe(consumed)
  expect(s.written).toBe(s.read + s.overrun)
  expect(s.entries).toBe(0)
  expect(s.bytesWritten).toBe(s.bytesRead + s.bytesOverrun)
  expect(s.lost).toBe(lostSum)
  if (!p.overwrite) {
    expect(s.overrun).toBe(0)
    expect(consumed).toBe(committed)
    // drops are reported once; those after the last kept reservation are still pending
    expect(s.lost).toBe(s.dropped - pending)
  } else expect(s.lost).toBeLessThanOrEqual(s.overrun + s.dropped)
}

describe('contiguous ring, random operation sequences', () => {
  it('keeps records intact and in order and accounts for every loss', () => {
    fc.assert(
      fc.property(
        fc.record({
          size: fc.constantFrom(512, 1024),
          overwrite: fc.boolean(),
          batch: fc.constantFrom(1, 1, 2, 4),
        }),
        fc.array(opArb, { minLength: 1, maxLength: 400, size: 'max' }),
        (p, ops) => {
          run(p, ops)
        },
      ),
      { numRuns: 1500 },
    )
  })
})
