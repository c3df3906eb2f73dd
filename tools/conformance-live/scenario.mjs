/**
 * Seeded random ftrace scenarios: the settings of a private instance, then a sequence of steps
 * (marker writes, page reads, stats reads, resets, tracing on/off, overwrite switches, sleeps,
 * resizes, sub-buffer size changes). One scenario is a pure function of its seed and of what the
 * kernel offers (`caps`); `programText` is what the C helper reads.
 */
import { RB_FL_OVERWRITE, ring_buffer_alloc, ring_buffer_max_event_size } from '@onering/ftrace'
import { rng } from './helper-io.mjs'

/** Bytes of a `print` event besides the text: the common fields, ip, `\n` and NUL. */
export const PRINT_OVERHEAD = 16 + 2

const maxText = (() => {
  const b = ring_buffer_alloc(8192, RB_FL_OVERWRITE)
  return ring_buffer_max_event_size(b) - PRINT_OVERHEAD
})()

/**
 * A marker text length: small, any, around the type_len limit (112-byte payloads) or the max.
 * At least 2: the first two bytes name the write (`ftrace_live.c`); 1 and 2 make the same
 * event size (a 20-byte payload), so no size class is lost.
 */
function textLength(r) {
  const p = r()
  if (p < 0.45) return 2 + Math.floor(r() * 63)
  if (p < 0.65) return 2 + Math.floor(r() * (maxText - 1))
  if (p < 0.85) return 112 - PRINT_OVERHEAD - 6 + Math.floor(r() * 12)
  return maxText - Math.floor(r() * 8)
}

/** The real trace clocks a scenario may pick (those the instance's `trace_clock` lists). */
export const REAL_CLOCKS = ['local', 'global', 'mono', 'mono_raw', 'boot', 'x86-tsc']

/** `sleep US` steps: short gaps far below 2^27 ns, long ones far above (TIME_EXTEND). */
const SLEEP_SHORT_US = [200, 3000]
const SLEEP_LONG_US = [150000, 200000]
/** The most one scenario sleeps, so that a 300-scenario slice stays within a few minutes. */
const SLEEP_BUDGET_US = 450000

/** The sub-buffer order `buffer_subbuf_size_kb` makes of `kb` (trace.c: fls(pages - 1)). */
export function subbufOrder(kb) {
  const pages = Math.ceil((kb * 1024) / 4096)
  return pages <= 1 ? 0 : 32 - Math.clz32(pages - 1)
}

/**
 * The scenario of `seed`: `{ seed, steps }`, each step `{ op, arg }`, the settings first (marked
 * `setting: true`: clock, overwrite, the sub-buffer size when `caps.subbuf`, size); the kernel's
 * instance is fresh for every scenario. `caps`: `{ clocks, subbuf }`, the real clocks the
 * instance has (a subset of {@link REAL_CLOCKS}) and whether `buffer_subbuf_size_kb` is writable.
 */
export function generate(seed, caps = { clocks: [], subbuf: false }) {
  const r = rng(seed)
  const pick = (...xs) => xs[Math.floor(r() * xs.length)]
  const clocks = REAL_CLOCKS.filter((c) => caps.clocks.includes(c))
  const clock = clocks.length > 0 && r() < 0.6 ? pick(...clocks) : 'counter'
  const steps = [
    { op: 'clock', arg: clock, setting: true },
    { op: 'overwrite', arg: r() < 0.5 ? 1 : 0, setting: true },
  ]
  let subbufKb = 4
  if (caps.subbuf && r() < 0.5) {
    subbufKb = pick(4, 8, 16, 32)
    steps.push({ op: 'subbuf', arg: subbufKb, setting: true })
  }
  const sizes = [4, 8, 12, 16, 28, 64]
  steps.push({ op: 'size', arg: pick(...sizes), setting: true })
  // real clocks: some scenarios sleep between steps, within a budget
  let sleepBudget = clock !== 'counter' && r() < 0.35 ? SLEEP_BUDGET_US : 0
  const n = 5 + Math.floor(r() * 60)
  for (let k = 0; k < n; k++) {
    if (sleepBudget > 0 && r() < 0.12) {
      const [lo, hi] = r() < 0.5 ? SLEEP_SHORT_US : SLEEP_LONG_US
      const us = Math.min(sleepBudget, lo + Math.floor(r() * (hi - lo)))
      if (us >= lo) steps.push({ op: 'sleep', arg: us })
      sleepBudget -= us
    }
    const p = r()
    if (p < 0.5) {
      // a burst of writes of one size class
      const burst = r() < 0.3 ? 1 + Math.floor(r() * 80) : 1
      const len = textLength(r)
      const vary = r() < 0.5
      for (let j = 0; j < burst; j++) steps.push({ op: 'write', arg: vary ? textLength(r) : len })
    } else if (p < 0.71) steps.push({ op: 'read', arg: subbufKb * 1024 })
    else if (p < 0.85) steps.push({ op: 'stats', arg: '' })
    else if (p < 0.89) steps.push({ op: 'reset', arg: '' })
    else if (p < 0.93) steps.push({ op: 'on', arg: r() < 0.5 ? 0 : 1 })
    else if (p < 0.96) steps.push({ op: 'overwrite', arg: r() < 0.5 ? 0 : 1 })
    else if (p < 0.98) steps.push({ op: 'close', arg: '' })
    else if (caps.subbuf && p < 0.99) {
      // a sub-buffer size change discards the data in both; the read page goes back first
      subbufKb = pick(4, 8, 16, 32)
      steps.push({ op: 'close', arg: '' }, { op: 'subbuf', arg: subbufKb })
    } else {
      // a resize keeps the data (rb_update_pages) and succeeds while the read page holds a
      // sub-buffer: half of them give the read page back first, a quarter empty the ring
      if (r() < 0.5) steps.push({ op: 'close', arg: '' })
      if (r() < 0.25) steps.push({ op: 'reset', arg: '' })
      steps.push({ op: 'resize', arg: pick(...sizes) }, { op: 'stats', arg: '' })
    }
  }
  steps.push({ op: 'stats', arg: '' })
  // drain what is left, page by page
  for (let k = 0; k < 20; k++) steps.push({ op: 'read', arg: subbufKb * 1024 })
  steps.push({ op: 'stats', arg: '' })
  return { seed, steps }
}

/**
 * The scenario of a program text (one step a line, as `programText` writes it; the leading
 * clock, overwrite, subbuf and size lines are the settings), for `run.mjs --program`.
 */
export function parseProgram(text, seed = 0) {
  const steps = []
  let settings = true
  for (const line of text.split('\n')) {
    const [op, arg = ''] = line.trim().split(/\s+/)
    if (op === undefined || op === '') continue
    settings &&= ['clock', 'overwrite', 'subbuf', 'size'].includes(op)
    const value = arg === '' || Number.isNaN(Number(arg)) ? arg : Number(arg)
    steps.push(settings ? { op, arg: value, setting: true } : { op, arg: value })
  }
  return { seed, steps }
}

/** The program text of a scenario for the C helper (one step a line). */
export function programText(scn) {
  return scn.steps.map((s) => `${s.op} ${s.arg}`.trimEnd()).join('\n') + '\n'
}

/** The number of leading setting steps of a scenario. */
export function settingCount(scn) {
  const k = scn.steps.findIndex((s) => !s.setting)
  return k < 0 ? scn.steps.length : k
}

/**
 * Whether every `subbuf` step still follows its `close` (the shrinker keeps the pair whole, as
 * the generator writes it: the read page goes back before a sub-buffer size change).
 */
function wellFormed(steps) {
  return steps.every((s, i) => s.setting || s.op !== 'subbuf' || steps[i - 1]?.op === 'close')
}

/**
 * The smallest scenario found that still diverges: drops chunks of steps (never the settings)
 * while `diverges` holds, at most `budget` tries.
 */
export function shrink(scn, diverges, budget = 80) {
  let steps = scn.steps
  const first = settingCount(scn)
  let chunk = Math.max(1, (steps.length - first) >> 1)
  while (chunk >= 1 && budget > 0) {
    let removed = false
    for (let at = first; at < steps.length && budget > 0;) {
      const cand = [...steps.slice(0, at), ...steps.slice(at + chunk)]
      if (!wellFormed(cand)) {
        at += chunk
        continue
      }
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
