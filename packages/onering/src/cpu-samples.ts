/**
 * `--cpu-profile`, after the app exited: the profile chunks the threads of one process left in
 * their spool directory (`./cpu-profile.ts`) as one time-ordered list of stack samples — the
 * thread's OS tid, the time on the recording's clock (V8 stamps samples with CLOCK_MONOTONIC
 * microseconds, the clock of the trace events), and the stack as frame indices of a
 * {@link FrameTable}, leaf first, V8's `(root)` left out. `(idle)` samples (a thread V8 was
 * told is idle) are dropped: perf's `cpu-clock` counts a thread only while it runs.
 *
 * @packageDocumentation
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CpuProfileChunk } from './cpu-profile.js'
import { FrameTable } from './perf-map.js'
import { parseCpuProfileChunkName, SPOOL_FILES } from './session-config.js'

/** Frames kept per sample, leaf side (the kernel's default `perf_event_max_stack`). */
export const MAX_STACK = 127

/** The samples of one process. */
export interface CpuSamples {
  /** Every frame seen, with its synthetic address. */
  readonly frames: FrameTable
  /** Sample times, nanoseconds (ascending). */
  readonly times: readonly number[]
  /** The sampled thread of each sample. */
  readonly tids: readonly number[]
  /** The stack of each sample: frame indices, leaf first (shared between samples of one node). */
  readonly stacks: readonly (readonly number[])[]
  /** The ring (the file's CPU) of each sampled thread, by tid. */
  readonly ringOf: ReadonlyMap<number, number>
}

function threadRings(spoolDir: string): Map<number, number> {
  const rings = new Map<number, number>()
  let text: string
  try {
    text = readFileSync(join(spoolDir, SPOOL_FILES.threads), 'utf8')
  } catch {
    return rings
  }
  for (const line of text.split('\n')) {
    try {
      const t = JSON.parse(line) as { tid: number; ring: number }
      rings.set(t.tid, t.ring)
    } catch {
      // an empty or cut line
    }
  }
  return rings
}

/** The stack of every node of a chunk (frame indices, leaf first), undefined for `(root)`/`(idle)`. */
function nodeStacks(p: CpuProfileChunk, frames: FrameTable): Map<number, number[] | undefined> {
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const out = new Map<number, number[] | undefined>()
  for (const n of p.nodes) {
    const fn = n.callFrame.functionName
    if (n.callFrame.url === '' && (fn === '(root)' || fn === '(idle)')) {
      out.set(n.id, undefined)
      continue
    }
    const stack: number[] = []
    for (let id: number | undefined = n.id; id !== undefined && stack.length < MAX_STACK;) {
      const node = byId.get(id)
      if (node === undefined) break
      const f = node.callFrame
      if (!(f.url === '' && f.functionName === '(root)')) stack.push(frames.indexOf(f))
      id = parent.get(id)
    }
    out.set(n.id, stack)
  }
  return out
}

/** Read the CPU profile chunks of a spool directory (none: no samples). */
export function readCpuSamples(spoolDir: string): CpuSamples {
  const frames = new FrameTable()
  const chunks = readdirSync(spoolDir)
    .map((name) => ({ name, id: parseCpuProfileChunkName(name) }))
    .filter((c) => c.id !== undefined)
    .sort((a, b) => a.id!.tid - b.id!.tid || a.id!.seq - b.id!.seq)
  const all: { time: number; tid: number; stack: number[] }[] = []
  for (const c of chunks) {
    let p: CpuProfileChunk
    try {
      p = JSON.parse(readFileSync(join(spoolDir, c.name), 'utf8')) as CpuProfileChunk
    } catch {
      continue // a chunk cut by a kill mid-write: the others stand
    }
    const stacks = nodeStacks(p, frames)
    const samples = p.samples ?? []
    const deltas = p.timeDeltas ?? []
    let t = p.startTime
    for (let k = 0; k < samples.length; k++) {
      t += deltas[k] ?? 0
      const stack = stacks.get(samples[k]!)
      if (stack === undefined || stack.length === 0) continue
      all.push({ time: Math.round(t * 1000), tid: c.id!.tid, stack })
    }
  }
  all.sort((a, b) => a.time - b.time)
  return {
    frames,
    times: all.map((s) => s.time),
    tids: all.map((s) => s.tid),
    stacks: all.map((s) => s.stack),
    ringOf: threadRings(spoolDir),
  }
}
