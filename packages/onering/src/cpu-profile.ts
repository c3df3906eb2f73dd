/**
 * `onering record --cpu-profile`, inside a recorded thread: V8's sampling profiler through the
 * inspector's `Profiler` domain (a `node:inspector` Session of this very thread — its replies
 * come back synchronously, so it also works in an `exit` listener), sampling the thread's JS
 * stack every interval. The profile V8 accumulates is handed to the spool directory as a
 * `cpuprofile-<tid>-<seq>.json` chunk (V8's own `Profiler.Profile`: nodes, samples,
 * timeDeltas, start and end time in CLOCK_MONOTONIC microseconds) every {@link CHUNK_MS} and
 * when the thread ends, so the memory a long run holds is one chunk's worth per thread.
 * `onering record` turns the chunks into perf samples after the app exited
 * (`./cpu-samples.ts`).
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join } from 'node:path'
import { cpuProfileChunkName } from './session-config.js'

/** How often a thread hands its profile to the spool and starts a new one (when it runs JS). */
export const CHUNK_MS = 10_000
/** The environment variable that overrides {@link CHUNK_MS} (for tests of the chunking). */
export const CHUNK_MS_ENV = 'ONERING_CPU_PROFILE_CHUNK_MS'

/** The part of V8's `Profiler.Profile` the recorder keeps. */
export interface CpuProfileChunk {
  /** The call tree: each node a frame, its `children` the frames it called. */
  readonly nodes: readonly {
    readonly id: number
    readonly callFrame: {
      readonly functionName: string
      readonly url: string
      readonly lineNumber: number
      readonly columnNumber: number
    }
    readonly children?: readonly number[]
  }[]
  /** Start, CLOCK_MONOTONIC microseconds. */
  readonly startTime: number
  /** End, CLOCK_MONOTONIC microseconds. */
  readonly endTime: number
  /** The leaf node of each sample. */
  readonly samples?: readonly number[]
  /** Microseconds from the previous sample (the first: from `startTime`). */
  readonly timeDeltas?: readonly number[]
}

/** A thread's running profiler. */
export interface ThreadProfiler {
  /** Stop sampling and write the last chunk (idempotent). */
  readonly stop: () => void
}

/**
 * Start sampling this thread's JS stacks every `intervalUs` microseconds; chunks go to
 * `spoolDir` as `cpuprofile-<tid>-<seq>.json`. Returns undefined when the inspector is not
 * available (a Node built without it, or `--inspect` already holding the profiler).
 */
export function startThreadProfiler(
  spoolDir: string,
  tid: number,
  intervalUs: number,
): ThreadProfiler | undefined {
  const session = new Session()
  let seq = 0
  let stopped = false
  const post = (method: string, params?: object): unknown => {
    const out: { reply?: unknown; error?: Error } = {}
    session.post(method, params, (err: Error | null, r: unknown) => {
      if (err !== null) out.error = err
      out.reply = r
    })
    if (out.error !== undefined) throw out.error
    return out.reply
  }
  const flush = (): void => {
    const r = post('Profiler.stop') as { profile?: CpuProfileChunk } | undefined
    const p = r?.profile
    if (p !== undefined && (p.samples?.length ?? 0) > 0)
      writeFileSync(join(spoolDir, cpuProfileChunkName(tid, seq++)), JSON.stringify(p))
  }
  try {
    session.connect()
    post('Profiler.enable')
    post('Profiler.setSamplingInterval', { interval: intervalUs })
    post('Profiler.start')
  } catch (err) {
    process.emitWarning(`onering: --cpu-profile is off in this thread: ${String(err)}`)
    return undefined
  }
  const timer = setInterval(
    () => {
      if (stopped) return
      try {
        flush()
        post('Profiler.start')
      } catch {
        stopped = true
      }
    },
    Number(process.env[CHUNK_MS_ENV]) || CHUNK_MS,
  )
  timer.unref()
  return {
    stop: () => {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      try {
        flush()
        session.disconnect()
      } catch {
        // the thread is being torn down: the chunks written so far stand
      }
    },
  }
}
