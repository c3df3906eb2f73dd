/**
 * Seeded random scenarios of the mmap face: the settings of a private instance, then a sequence
 * of steps on a mapped `trace_pipe_raw` (map/unmap, `get_reader`, marker writes, copied page
 * reads, stats, resets, tracing on/off, overwrite switches, and the resizes the kernel refuses
 * while mapped). One scenario is a pure function of its seed. The program text and the shrinker
 * are the ftrace half's (`scenario.mjs`): the first three steps are the settings there too.
 */
import { RB_FL_OVERWRITE, ring_buffer_alloc, ring_buffer_max_event_size } from '@onering/ftrace'
import { PRINT_OVERHEAD } from './scenario.mjs'

export { programText, shrink } from './scenario.mjs'

/** xorshift32 (Marsaglia), uniform in [0, 1); a seed of 0 is moved off the fixed point. */
function xorshift(seed) {
  let x = seed >>> 0 || 0x9e3779b9
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 2 ** 32
  }
}

const maxText = (() => {
  const b = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
  return ring_buffer_max_event_size(b) - PRINT_OVERHEAD
})()

/**
 * A marker text length: small, any, around the 112-byte `type_len` payload limit, the maximum,
 * or one that leaves a sub-buffer's tail just too short (so the writer pads and moves on).
 */
function textLength(r) {
  const p = r()
  if (p < 0.4) return 1 + Math.floor(r() * 64)
  if (p < 0.6) return 1 + Math.floor(r() * maxText)
  if (p < 0.75) return Math.max(1, 112 - PRINT_OVERHEAD - 6 + Math.floor(r() * 12))
  if (p < 0.9) return maxText - Math.floor(r() * 8)
  return Math.max(1, Math.floor(maxText / 2) - 8 + Math.floor(r() * 16))
}

/**
 * The mmap scenario of `seed`: `{ seed, steps }`, each step `{ op, arg }`. Settings first
 * (`clock counter`, `overwrite`, `size`), then 5–60 steps, most of them while mapped; `size`
 * (a resize) is only generated while mapped, where the kernel refuses it (`-EBUSY`). It ends
 * mapped with a drain of `get_reader` steps and a final `stats`.
 */
export function generateMmap(seed) {
  const r = xorshift(seed)
  const pick = (...xs) => xs[Math.floor(r() * xs.length)]
  const steps = [
    { op: 'clock', arg: 'counter', setting: true },
    { op: 'overwrite', arg: r() < 0.5 ? 1 : 0, setting: true },
    { op: 'size', arg: pick(4, 8, 12, 16, 28, 64), setting: true },
  ]
  let mapped = false
  const toggle = () => {
    steps.push({ op: mapped ? 'unmap' : 'map', arg: '' })
    mapped = !mapped
  }
  // usually map at once; sometimes write (and read) first, so the first map finds data
  if (r() < 0.7) toggle()
  const n = 5 + Math.floor(r() * 55)
  for (let k = 0; k < n; k++) {
    const p = r()
    if (p < 0.4) {
      const burst = r() < 0.3 ? 1 + Math.floor(r() * 40) : 1
      const len = textLength(r)
      const vary = r() < 0.5
      for (let j = 0; j < burst; j++) steps.push({ op: 'write', arg: vary ? textLength(r) : len })
    } else if (p < 0.62) {
      const times = r() < 0.2 ? 2 + Math.floor(r() * 3) : 1
      for (let j = 0; j < times; j++) steps.push({ op: 'get_reader', arg: '' })
    } else if (p < 0.69) steps.push({ op: 'read', arg: 4096 })
    else if (p < 0.78) steps.push({ op: 'stats', arg: '' })
    else if (p < 0.82) steps.push({ op: 'reset', arg: '' })
    else if (p < 0.85) steps.push({ op: 'on', arg: r() < 0.5 ? 0 : 1 })
    else if (p < 0.89) steps.push({ op: 'overwrite', arg: r() < 0.5 ? 0 : 1 })
    else if (p < 0.96) toggle()
    else if (mapped) steps.push({ op: 'size', arg: pick(4, 8, 16, 64) })
  }
  if (!mapped) toggle()
  steps.push({ op: 'stats', arg: '' })
  for (let k = 0; k < 12; k++) steps.push({ op: 'get_reader', arg: '' })
  steps.push({ op: 'stats', arg: '' })
  return { seed, steps }
}

/**
 * Whether `scn` is a program of this face: no resize (`size` after the settings) while not
 * mapped. Off the mapping the kernel keeps the data at a resize and onering discards it (the
 * package README's documented difference); the shrinker must not keep such a program.
 */
export function isMmapProgram(scn) {
  let mapped = false
  for (const s of scn.steps.slice(3)) {
    if (s.op === 'map') mapped = true
    else if (s.op === 'unmap') mapped = false
    else if (s.op === 'size' && !mapped) return false
  }
  return true
}
