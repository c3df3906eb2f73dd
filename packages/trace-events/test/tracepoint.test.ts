/**
 * Tracepoints: probe registration as `tracepoint_probe_register` / `_unregister` behave (EEXIST,
 * ENOENT, registration order, a probe array replaced rather than mutated while an emission runs)
 * and the per-id registry perf's `config` looks up.
 */
import { describe, expect, it } from 'vitest'
import { EventEncoder, findTracepoint, layoutEvent, tracepointOf } from '@onering/trace-events'
import type { TracepointProbe } from '@onering/trace-events'

const def = layoutEvent(
  { system: 'tp_test', name: 'ev', fields: [{ name: 'v', type: 'u32' }] },
  40000,
)

function encoded(v: number): { bytes: Uint8Array; length: number } {
  const enc = new EventEncoder(def)
  const bytes = new Uint8Array(32)
  enc.begin(bytes, new DataView(bytes.buffer), 4, 16, 77)
  enc.setNumber(0, v)
  return { bytes, length: enc.end() }
}

describe('Tracepoint', () => {
  it('is one per id, found by id, refusing another format on the same id', () => {
    const tp = tracepointOf(def)
    expect(tracepointOf(def)).toBe(tp)
    expect(
      tracepointOf(
        layoutEvent({ system: 'tp_test', name: 'ev', fields: [{ name: 'v', type: 'u32' }] }, 40000),
      ),
    ).toBe(tp)
    expect(findTracepoint(40000)).toBe(tp)
    expect(findTracepoint(40001)).toBeUndefined()
    expect(() =>
      tracepointOf(layoutEvent({ system: 'tp_test', name: 'other', fields: [] }, 40000)),
    ).toThrow(/^definition: id 40000 is already the tracepoint of tp_test:ev/)
    expect(() => findTracepoint(70000)).toThrow(RangeError)
    expect(tp.id).toBe(40000)
  })

  it('calls every probe in registration order with the payload, time and CPU', () => {
    const tp = tracepointOf(def)
    const calls: string[] = []
    const a: TracepointProbe = (d, o, n, t, c) => calls.push(`a ${d[o + 8]} ${o} ${n} ${t} ${c}`)
    const b: TracepointProbe = (d, o, n, t, c) => calls.push(`b ${d[o + 8]} ${o} ${n} ${t} ${c}`)
    const { bytes, length } = encoded(5)
    expect(tp.enabled).toBe(false)
    tp.emit(bytes, 4, length, 10, 0) // no probe: nothing
    tp.register(a)
    tp.register(b)
    expect(tp.enabled).toBe(true)
    expect(() => {
      tp.register(a)
    }).toThrow(/^probe: already registered .*EEXIST/)
    tp.emit(bytes, 4, length, 10, 1)
    tp.unregister(a)
    expect(() => {
      tp.unregister(a)
    }).toThrow(/^probe: not registered .*ENOENT/)
    tp.emit(bytes, 4, length, -1, 0)
    tp.unregister(b)
    expect(tp.enabled).toBe(false)
    expect(calls).toEqual(['a 5 4 12 10 1', 'b 5 4 12 10 1', 'b 5 4 12 -1 0'])
  })

  it('a probe that unregisters itself or registers another during an emission does not disturb it', () => {
    const tp = tracepointOf(def)
    const calls: string[] = []
    const late: TracepointProbe = () => calls.push('late')
    const once: TracepointProbe = () => {
      calls.push('once')
      tp.unregister(once)
      tp.register(late)
    }
    const always: TracepointProbe = () => calls.push('always')
    tp.register(once)
    tp.register(always)
    const { bytes, length } = encoded(1)
    tp.emit(bytes, 4, length, 0, 0)
    tp.emit(bytes, 4, length, 0, 0)
    tp.unregister(always)
    tp.unregister(late)
    expect(calls).toEqual(['once', 'always', 'always', 'late'])
  })

  it('rejects bad emissions with the argument named', () => {
    const tp = tracepointOf(def)
    const p: TracepointProbe = () => undefined
    tp.register(p)
    try {
      const { bytes, length } = encoded(1)
      expect(() => {
        tp.emit([] as unknown as Uint8Array, 0, length, 0, 0)
      }).toThrow(/^data:/)
      expect(() => {
        tp.emit(bytes, -1, length, 0, 0)
      }).toThrow(/^offset:/)
      expect(() => {
        tp.emit(bytes, 4, 40, 0, 0)
      }).toThrow(/^length:/)
      expect(() => {
        tp.emit(bytes, 4, length, 1.5, 0)
      }).toThrow(/^time:/)
      expect(() => {
        tp.emit(bytes, 4, length, 0, -1)
      }).toThrow(/^cpu:/)
      expect(() => {
        tp.register(1 as unknown as TracepointProbe)
      }).toThrow(/^probe:/)
    } finally {
      tp.unregister(p)
    }
  })
})
