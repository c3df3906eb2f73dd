/**
 * Seeded random perf scenarios: the event's settings (a fixed-size `sample_type` subset with or
 * without RAW, a power-of-two number of data pages, forward read-write or `write_backward`
 * read-only, `wakeup_events` or `watermark` + `wakeup_watermark`), then a program of getppid
 * bursts, consumer steps, PAUSE_OUTPUT toggles, ENABLE / DISABLE / RESET and polls. One scenario is a
 * pure function of its seed; `perfProgramText` is what the C helper `perf_live` reads.
 */
import { rng } from './helper-io.mjs'

/** The `sample_type` bits a scenario draws from (all fixed-size but RAW). */
export const SAMPLE_BITS = {
  IP: 1 << 0,
  TID: 1 << 1,
  TIME: 1 << 2,
  ADDR: 1 << 3,
  ID: 1 << 6,
  CPU: 1 << 7,
  PERIOD: 1 << 8,
  STREAM_ID: 1 << 9,
  RAW: 1 << 10,
  IDENTIFIER: 1 << 16,
}

/** The bytes of the `sys_enter_getppid` entry (`struct syscall_trace_enter`, no argument). */
export const RAW_ENTRY = 16

/** The page size the helper maps with (the kernel's PAGE_SIZE here). */
export const PAGE_SIZE = 4096

/**
 * The size of one PERF_RECORD_SAMPLE of `sampleType` for `sys_enter_getppid`: the header, a u64
 * per fixed field, and RAW: its u32 size and the payload, `struct syscall_trace_enter` (the
 * common fields, `int nr`, no argument: 16 bytes on a 64-bit kernel) padded to 20 bytes so that
 * the u32 and the data end on 8 bytes.
 */
export function sampleSize(sampleType) {
  let n = 8
  for (const [name, bit] of Object.entries(SAMPLE_BITS))
    if (name !== 'RAW' && sampleType & bit) n += 8
  return sampleType & SAMPLE_BITS.RAW ? n + 4 + 20 : n
}

/**
 * The scenario of `seed`: `{ seed, open, steps }`. `open` holds the settings (`sampleType`,
 * `pages`, `backward`, `watermark`, `wakeup`, `bridge`); each step is `{ op, arg }`.
 */
export function generatePerf(seed) {
  const r = rng(seed)
  const pick = (...xs) => xs[Math.floor(r() * xs.length)]
  let sampleType = 0
  for (const bit of Object.values(SAMPLE_BITS)) if (r() < 0.5) sampleType |= bit
  const pages = pick(1, 1, 2, 2, 4, 8)
  const backward = r() < 0.3
  const watermark = r() < 0.4
  const dataSize = pages * PAGE_SIZE
  const wakeup = watermark ? Math.floor(r() * dataSize * 1.2) : pick(0, 1, 2, 5, 16, 100)
  // bridge: the replay emits through onering's tracepoint (tracepoint-event.ts) instead of
  // perf_event_output; its samples carry the emission's CLOCK_MONOTONIC time, so both sides use
  // use_clockid with CLOCK_MONOTONIC (1)
  const bridge = r() < 0.5
  const open = { sampleType, pages, backward, watermark, wakeup, bridge }
  const fill = Math.ceil(dataSize / sampleSize(sampleType))
  const steps = []
  const n = 5 + Math.floor(r() * 50)
  for (let k = 0; k < n; k++) {
    const p = r()
    if (p < 0.45) {
      const q = r()
      const burst =
        q < 0.5
          ? 1 + Math.floor(r() * 8)
          : q < 0.85
            ? 1 + Math.floor(r() * fill)
            : fill + Math.floor(r() * fill)
      steps.push({ op: 'getppid', arg: burst })
    } else if (p < 0.7 && !backward) {
      steps.push({ op: 'consume', arg: r() < 0.3 ? 'all' : 1 + Math.floor(r() * fill) })
    } else if (p < 0.82) steps.push({ op: 'pause', arg: r() < 0.5 ? 1 : 0 })
    else if (p < 0.86) steps.push({ op: 'enable', arg: '' })
    else if (p < 0.9) steps.push({ op: 'disable', arg: '' })
    else if (p < 0.96) steps.push({ op: 'poll', arg: '' })
    else if (p < 0.97) steps.push({ op: 'refresh', arg: Math.floor(r() * 12) })
    else steps.push({ op: 'reset', arg: '' })
  }
  // the last samples of the program, so that a pending LOST is written
  steps.push({ op: 'pause', arg: 0 }, { op: 'enable', arg: '' })
  if (!backward) steps.push({ op: 'consume', arg: 'all' })
  steps.push({ op: 'getppid', arg: 3 }, { op: 'poll', arg: '' })
  return { seed, open, steps }
}

/** The program text of a scenario for `perf_live` (one step a line, `open` first). */
export function perfProgramText(scn) {
  const o = scn.open
  const head = `open ${o.sampleType.toString(16)} ${o.pages} ${o.backward ? 1 : 0} ${o.watermark ? 1 : 0} ${o.wakeup} ${o.bridge ? 1 : -1}`
  return [head, ...scn.steps.map((s) => `${s.op} ${s.arg}`.trimEnd())].join('\n') + '\n'
}

/**
 * The smallest scenario found that still diverges: drops chunks of steps (never the settings)
 * while `diverges` holds, at most `budget` tries.
 */
export function shrinkPerf(scn, diverges, budget = 60) {
  let steps = scn.steps
  let chunk = Math.max(1, steps.length >> 1)
  while (chunk >= 1 && budget > 0) {
    let removed = false
    for (let at = 0; at < steps.length && budget > 0;) {
      const cand = [...steps.slice(0, at), ...steps.slice(at + chunk)]
      budget--
      if (diverges({ ...scn, steps: cand })) {
        steps = cand
        removed = true
      } else at += chunk
    }
    if (!removed) chunk >>= 1
  }
  return { ...scn, steps }
}
