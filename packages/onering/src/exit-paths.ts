/**
 * Where a recorded process ends, and what the recorder does there (bounded, never keeping the
 * process alive):
 *
 * - `exit` (the loop drained, `process.exit()`, an uncaught exception): the main thread asks the
 *   consumer for the final drain and waits for it at most {@link FINAL_DRAIN_MS}; a worker closes
 *   its ring's writer (the thread that created it frees the ring).
 * - `uncaughtExceptionMonitor` (it observes, it does not stop the crash): a dump, so a flight
 *   recorder keeps the moments before the crash even if the app's own handler goes on.
 * - SIGTERM / SIGINT (main thread): a handler is installed so the rings are drained before the
 *   default kill; when it is the only listener it re-raises the signal after the drain, so the
 *   process still dies of it. When the app has a listener of its own, the app decides.
 * - `--dump-on SIGNAL` (flight recorder): a dump per signal, nothing else.
 *
 * SIGKILL, `abort()` and the OOM killer run nothing: the spools hold every page drained so far.
 *
 * @packageDocumentation
 */
import { Request } from './control-block.js'
import type { ControlBlock } from './control-block.js'
import { unsubscribeAll } from './instrument.js'
import type { SessionConfig } from './session-config.js'
import type { Recorder } from './thread-recorder.js'

/** The longest an exit path waits for the consumer's final drain. */
export const FINAL_DRAIN_MS = 2000
/** The longest a dump waits. */
export const DUMP_MS = 1000

/** Install the exit paths of one recorded thread. */
export function installExitPaths(o: {
  rec: Recorder
  control: ControlBlock
  config: SessionConfig
  isMain: boolean
  /** Run first at the end of the thread (`--cpu-profile` writes its last chunk). */
  onEnd?: (() => void) | undefined
}): void {
  const { rec, control, config, isMain } = o
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    o.onEnd?.()
    unsubscribeAll()
    if (isMain) control.request(Request.final, FINAL_DRAIN_MS)
    else rec.buffer.close()
  }
  process.on('exit', end)
  process.on('uncaughtExceptionMonitor', () => {
    if (!ended) control.request(Request.dump, DUMP_MS)
  })
  if (!isMain) return
  for (const sig of config.dumpOn) {
    process.on(sig as NodeJS.Signals, () => {
      if (!ended) control.request(Request.dump, DUMP_MS)
    })
  }
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    if (config.dumpOn.includes(sig)) continue
    const handler = (): void => {
      if (process.listenerCount(sig) > 1) {
        // the app handles the signal: keep its choice, just drain what is there
        if (!ended) control.request(Request.dump, DUMP_MS)
        return
      }
      end()
      process.removeListener(sig, handler)
      process.kill(process.pid, sig)
    }
    process.on(sig, handler)
  }
}
