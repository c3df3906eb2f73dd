/**
 * What every half of the live tester shares with its C helpers: the frame format they answer
 * in, the removal of a private instance, and the seeded generator of the scenarios.
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync, rmdirSync } from 'node:fs'

/**
 * Splits a helper's output into frames `{ kind, value, bytes }`: each frame is a line
 * `KIND VALUE LEN\n` followed by LEN bytes.
 */
export function parseFrames(out) {
  const frames = []
  let at = 0
  while (at < out.length) {
    const nl = out.indexOf(10, at)
    const [kind, value, n] = out.subarray(at, nl).toString().split(' ')
    const end = nl + 1 + Number(n)
    frames.push({ kind, value: Number(value), bytes: out.subarray(nl + 1, end) })
    at = end
  }
  return frames
}

/** The tracefs mount whose `instances/` this process may create instances in, or undefined. */
export function writableTracefs() {
  return ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((p) => {
    try {
      accessSync(`${p}/instances`, constants.W_OK)
      return true
    } catch {
      return false
    }
  })
}

/** rmdir with retries (EBUSY while the kernel still holds a file of the instance). */
export function removeInstance(dir) {
  for (let tries = 0; existsSync(dir) && tries < 200; tries++) {
    try {
      rmdirSync(dir)
    } catch {
      execFileSync('sleep', ['0.02'])
    }
  }
  if (existsSync(dir)) console.error(`conformance:live: could not remove ${dir}`)
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}
