/**
 * Seeded random ftrace scenarios: the settings of a private instance, then a sequence of steps
 * (marker writes, page reads, stats reads, resets, tracing on/off, overwrite switches). One
 * scenario is a pure function of its seed; `programText` is what the C helper reads.
 */
import { RB_FL_OVERWRITE, ring_buffer_alloc, ring_buffer_max_event_size } from '@onering/ftrace'

/** Bytes of a `print` event besides the text: the common fields, ip, `\n` and NUL. */
export const PRINT_OVERHEAD = 16 + 2

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

const maxText = (() => {
  const b = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
  return ring_buffer_max_event_size(b) - PRINT_OVERHEAD
})()

/** A marker text length: small, any, around the type_len limit (112-byte payloads) or the max. */
function textLength(r) {
  const p = r()
  if (p < 0.45) return 1 + Math.floor(r() * 64)
  if (p < 0.65) return 1 + Math.floor(r() * maxText)
  if (p < 0.85) return Math.max(1, 112 - PRINT_OVERHEAD - 6 + Math.floor(r() * 12))
  return maxText - Math.floor(r() * 8)
}

/**
 * The scenario of `seed`: `{ seed, steps }`, each step `{ op, arg }`. The first three steps are
 * the settings (clock, overwrite, size); the kernel's instance is fresh for every scenario.
 */
export function generate(seed) {
  const r = rng(seed)
  const pick = (...xs) => xs[Math.floor(r() * xs.length)]
  const steps = [
    { op: 'clock', arg: 'counter' },
    { op: 'overwrite', arg: r() < 0.5 ? 1 : 0 },
    { op: 'size', arg: pick(4, 8, 12, 16, 28, 64) },
  ]
  const n = 5 + Math.floor(r() * 60)
  for (let k = 0; k < n; k++) {
    const p = r()
    if (p < 0.5) {
      // a burst of writes of one size class
      const burst = r() < 0.3 ? 1 + Math.floor(r() * 80) : 1
      const len = textLength(r)
      const vary = r() < 0.5
      for (let j = 0; j < burst; j++) steps.push({ op: 'write', arg: vary ? textLength(r) : len })
    } else if (p < 0.72) steps.push({ op: 'read', arg: 4096 })
    else if (p < 0.87) steps.push({ op: 'stats', arg: '' })
    else if (p < 0.91) steps.push({ op: 'reset', arg: '' })
    else if (p < 0.95) steps.push({ op: 'on', arg: r() < 0.5 ? 0 : 1 })
    else if (p < 0.98) steps.push({ op: 'overwrite', arg: r() < 0.5 ? 0 : 1 })
    else steps.push({ op: 'close', arg: '' })
  }
  steps.push({ op: 'stats', arg: '' })
  // drain what is left, page by page
  for (let k = 0; k < 20; k++) steps.push({ op: 'read', arg: 4096 })
  steps.push({ op: 'stats', arg: '' })
  return { seed, steps }
}

/** The program text of a scenario for the C helper (one step a line). */
export function programText(scn) {
  return scn.steps.map((s) => `${s.op} ${s.arg}`.trimEnd()).join('\n') + '\n'
}

/**
 * The smallest scenario found that still diverges: drops chunks of steps (never the three
 * settings) while `diverges` holds, at most `budget` tries.
 */
export function shrink(scn, diverges, budget = 80) {
  let steps = scn.steps
  let chunk = Math.max(1, (steps.length - 3) >> 1)
  while (chunk >= 1 && budget > 0) {
    let removed = false
    for (let at = 3; at < steps.length && budget > 0;) {
      const cand = [...steps.slice(0, at), ...steps.slice(at + chunk)]
      budget--
      if (diverges({ seed: scn.seed, steps: cand })) {
        steps = cand
        removed = true
      } else at += chunk
    }
    if (!removed) chunk >>= 1
  }
  return { seed: scn.seed, steps }
}
