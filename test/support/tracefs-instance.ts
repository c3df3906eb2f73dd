/**
 * A private tracefs instance (`instances/<name>`) for tests that use the live kernel as an oracle.
 * Each instance has its own ring buffers, `trace_marker`, clock and settings; the top-level buffer
 * is never written, switched on or drained. The instance is removed afterwards, also when the
 * test fails. Where tracefs is missing or not writable, {@link tracefsRoot} is undefined and the
 * caller skips with a visible message.
 */
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs'

/** The mounted tracefs whose `instances/` we may create directories in, or undefined. */
export const tracefsRoot: string | undefined = [
  '/sys/kernel/tracing',
  '/sys/kernel/debug/tracing',
].find((p) => {
  try {
    accessSync(`${p}/instances`, constants.W_OK)
    return true
  } catch {
    return false
  }
})

/** Why live tracefs tests are skipped here (for the visible message), or undefined when they run. */
export const tracefsMissing: string | undefined =
  tracefsRoot === undefined
    ? 'no writable tracefs instances/ here (needs Linux, root and a mounted tracefs)'
    : undefined

/**
 * Creates `instances/onering-<tag>-<pid>`, runs `fn` with its path, and removes it. Tracing is
 * switched off in the instance before removal so the kernel frees its buffers at once.
 */
export async function withInstance<T>(
  tag: string,
  fn: (dir: string) => T | Promise<T>,
): Promise<T> {
  if (tracefsRoot === undefined) throw new Error(tracefsMissing)
  const dir = `${tracefsRoot}/instances/onering-${tag}-${process.pid}`
  mkdirSync(dir)
  try {
    return await fn(dir)
  } finally {
    try {
      writeFileSync(`${dir}/tracing_on`, '0')
    } catch {
      // already gone or not writable: rmdir below still removes the instance
    }
    for (let tries = 0; existsSync(dir) && tries < 50; tries++) {
      try {
        rmdirSync(dir)
      } catch {
        // EBUSY while a reader still holds a file of the instance: try again shortly
        await new Promise((r) => setTimeout(r, 20))
      }
    }
  }
}
