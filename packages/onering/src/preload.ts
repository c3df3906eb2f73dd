/**
 * The preload `onering record` puts in `NODE_OPTIONS` (`--require <dist/preload.cjs>`), so it
 * runs first in every thread and every Node child of the recorded command. It reads the
 * session settings from the environment ({@link CONFIG_ENV}) and does nothing without them.
 *
 * - Main thread: creates the process's ftrace buffer (one ring per thread, a fixed count) and
 *   the control block, shares both with every later worker through `setEnvironmentData`, makes
 *   the spool directory, starts the consumer thread and claims ring 0.
 * - Worker: attaches to the shared buffer and claims a free ring; the thread that created the
 *   worker recovers and frees that ring when the worker exits.
 * - Every recorded thread: subscribes the instrumentation and publishes its recorder on
 *   `globalThis` for the user API.
 *
 * @packageDocumentation
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as wt from 'node:worker_threads'
import { RB_FL_OVERWRITE, ring_buffer_alloc, TraceBuffer } from '@onering/ftrace'
import { ControlBlock, SHARED_KEY } from './control-block.js'
import { startThreadProfiler } from './cpu-profile.js'
import type { ConsumerData } from './consumer.js'
import { installExitPaths } from './exit-paths.js'
import { RECORDER_KEY } from './handoff.js'
import { instrument } from './instrument.js'
import type { WorkerLike } from './instrument.js'
import { WORKER_EXIT, WORKER_START } from './node-events.js'
import type { EventGroup } from './node-events.js'
import { CONFIG_ENV, SPOOL_FILES, spoolDirOf } from './session-config.js'
import type { SessionConfig, SpoolProcess } from './session-config.js'
import { Recorder } from './thread-recorder.js'

interface Shared {
  readonly buffer: SharedArrayBuffer
  readonly control: SharedArrayBuffer
  readonly rings: number
  readonly spoolDir: string
}

function threadName(): string {
  if (wt.isMainThread) return 'node'
  return `worker-${wt.threadId}`
}

function start(config: SessionConfig): void {
  if ((wt.workerData as Partial<ConsumerData> | undefined)?.consumer === true) return
  let shared: Shared | undefined
  let consumer: wt.Worker | undefined
  if (wt.isMainThread) {
    const spoolDir = spoolDirOf(config.dir, process.pid)
    mkdirSync(spoolDir, { recursive: true })
    const tb = ring_buffer_alloc(config.bufferSize, config.overwrite ? RB_FL_OVERWRITE : 0, {
      cpus: config.rings,
      clock: config.clock,
    })
    const control = ControlBlock.create(config.rings)
    shared = { buffer: tb.sab, control: control.sab, rings: config.rings, spoolDir }
    const meta: SpoolProcess = {
      pid: process.pid,
      ppid: process.ppid,
      pageSize: tb.rb.subbufSize,
      rings: config.rings,
      clock: config.clock,
      argv: process.argv,
      startedMs: Date.now(),
      ...((config.cpuProfileUs ?? 0) > 0 ? { cpuProfileUs: config.cpuProfileUs } : {}),
    }
    writeFileSync(join(spoolDir, SPOOL_FILES.process), JSON.stringify(meta))
    wt.setEnvironmentData(SHARED_KEY, shared)
    const data: ConsumerData = {
      consumer: true,
      buffer: shared.buffer,
      control: shared.control,
      rings: shared.rings,
      spoolDir,
      overwrite: config.overwrite,
      maxSize: config.maxSize,
      intervalMs: config.intervalMs,
    }
    consumer = new wt.Worker(config.consumer, {
      workerData: data,
      stdout: true,
      stderr: false,
      name: 'onering-consumer',
    })
    consumer.unref()
    consumer.on('error', (err) => {
      process.emitWarning(`onering: the consumer thread failed: ${String(err)}`)
    })
  } else {
    shared = wt.getEnvironmentData(SHARED_KEY) as Shared | undefined
    if (shared === undefined) return
  }
  const control = new ControlBlock(shared.control, shared.rings)
  const ring = control.claim(wt.threadId)
  if (ring < 0) return
  const buffer = TraceBuffer.attach(shared.buffer)
  const rec = new Recorder(buffer, ring, shared.spoolDir)
  appendFileSync(
    join(shared.spoolDir, SPOOL_FILES.threads),
    JSON.stringify({ tid: rec.tid, ring, name: threadName(), threadId: wt.threadId }) + '\n',
  )
  const groups = new Set<EventGroup>(config.events)
  const workerExit = rec.encoder(WORKER_EXIT)
  const vExit: [number, number] = [0, 0]
  const onWorker = (w: WorkerLike): void => {
    if (w === consumer) return
    const id = w.threadId
    w.once('exit', (code) => {
      const r = control.ringOf(id)
      if (groups.has('worker')) {
        vExit[0] = id
        vExit[1] = code
        rec.write(workerExit, vExit)
      }
      if (r < 0) return
      try {
        buffer.rb.recoverWriter(r)
      } catch {
        // the ring's writer was closed cleanly, or is busy: nothing to recover
      }
      control.release(r)
    })
  }
  instrument(rec, groups, onWorker, config.intervalMs)
  if (!wt.isMainThread && groups.has('worker'))
    rec.write(rec.encoder(WORKER_START), [wt.threadId, ring, threadName()])
  ;(globalThis as Record<symbol, unknown>)[RECORDER_KEY] = rec
  rec.marks = groups.has('marks')
  const profiler =
    (config.cpuProfileUs ?? 0) > 0
      ? startThreadProfiler(shared.spoolDir, rec.tid, config.cpuProfileUs!)
      : undefined
  installExitPaths({ rec, control, config, isMain: wt.isMainThread, onEnd: profiler?.stop })
}

const raw = process.env[CONFIG_ENV]
if (raw !== undefined && raw !== '') {
  try {
    start(JSON.parse(raw) as SessionConfig)
  } catch (err) {
    process.emitWarning(`onering: recording is off in this process: ${String(err)}`)
  }
}
