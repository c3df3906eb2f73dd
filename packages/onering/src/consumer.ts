/**
 * The consumer thread of a recorded process (a worker the main thread's preload starts, unref'd
 * so it never keeps the app alive): it moves complete pages from every ring into one spool file
 * per ring while the app runs (streaming; nothing in flight-recorder mode) — every 20 ms, or
 * sooner (2 ms at the soonest) when the last interval filled more than a quarter of a ring —
 * answers the dump
 * and final-drain requests of the other threads, and rewrites `status.json` after each drain.
 * `onering record` assembles the files from the spools after the process exits, so a process
 * killed by SIGKILL still leaves every page drained so far.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { workerData } from 'node:worker_threads'
import { ring_buffer_time_stamp, TraceBuffer } from '@onering/ftrace'
import { ControlBlock, Request } from './control-block.js'
import { RingSpooler } from './ring-spooler.js'
import { SPOOL_FILES } from './session-config.js'
import type { SpoolStatus } from './session-config.js'

/** What the main thread passes in `workerData`. */
export interface ConsumerData {
  readonly consumer: true
  readonly buffer: SharedArrayBuffer
  readonly control: SharedArrayBuffer
  readonly rings: number
  readonly spoolDir: string
  readonly overwrite: boolean
  readonly maxSize: number
  readonly intervalMs: number
}

/**
 * How often an idle consumer looks at the rings it drains (only the rings threads hold: a
 * look at an empty ring is one reader-lock round trip).
 */
const IDLE_POLL_MS = 20
/** The soonest a busy consumer comes back. */
const BUSY_POLL_MS = 2
/**
 * The share of a ring the consumer lets fill between two drains: it comes back sooner when the
 * pages of the last drain, at the same rate, would fill more (a ring in produce-consume mode
 * refuses events when full), later — up to {@link IDLE_POLL_MS} — when they would not.
 */
const FILL_SHARE = 0.25

function run(data: ConsumerData): void {
  const buffer = TraceBuffer.attach(data.buffer)
  const control = new ControlBlock(data.control, data.rings)
  const spooler = new RingSpooler(buffer, data.spoolDir)
  const held = (ring: number): boolean => control.holder(ring) !== 0
  const statusPath = join(data.spoolDir, SPOOL_FILES.status)
  let capped = false
  const spooled = (): number => spooler.total
  const drain = (full: boolean): number => {
    if (capped) return 0
    const moved = spooler.drain(!full, held)
    if (data.maxSize > 0 && spooled() >= data.maxSize) capped = true
    return moved
  }
  const writeStatus = (final: boolean): void => {
    const c = buffer.counters()
    const status: SpoolStatus = {
      events: c.entries + c.readEvents,
      lost: c.overrun + c.droppedEvents + c.commitOverrun,
      threadsUnrecorded: control.unrecorded,
      bytes: spooled(),
      final,
      capped,
      rings: Array.from({ length: buffer.rb.cpus }, (_, r) => buffer.counters(r)),
      now: ring_buffer_time_stamp(buffer),
    }
    writeFileSync(statusPath, JSON.stringify(status))
  }
  let seen = 0
  let last = 0
  let sleep = IDLE_POLL_MS
  const target = Math.max(1, Math.floor(buffer.rb.subbufs * FILL_SHARE))
  let drained = performance.now()
  for (;;) {
    const seq = control.waitRequest(seen, sleep)
    const kinds = seq !== seen ? control.takeRequests() : 0
    let moved = 0
    if ((kinds & (Request.dump | Request.final)) !== 0) drain(false)
    else if (!data.overwrite) moved = drain(true)
    // pages keep coming: come back when, at the rate of the last interval, a quarter of a
    // ring would be full (one ring of the drain may have had all the pages)
    const t = performance.now()
    sleep =
      moved <= target
        ? IDLE_POLL_MS
        : Math.max(BUSY_POLL_MS, Math.min(IDLE_POLL_MS, ((t - drained) * target) / moved))
    drained = t
    const final = (kinds & Request.final) !== 0
    const now = Date.now()
    if (final || seq !== seen || now - last >= 1000) {
      writeStatus(final)
      last = now
    }
    if (seq !== seen) {
      control.acknowledge(seq)
      seen = seq
    }
    if (final) {
      spooler.close()
      return
    }
  }
}

const data = workerData as ConsumerData | undefined
if (data?.consumer === true) run(data)
