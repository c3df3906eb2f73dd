/**
 * The live kernel file: on Linux with a readable tracefs, write markers through `trace_marker`
 * and read `per_cpu/cpuN/trace_pipe_raw` with the same decoder onering's own pages use.
 * Elsewhere (no tracefs, not root) the test is skipped with a visible message.
 */
import { accessSync, closeSync, constants, openSync, readSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeRawStream } from '@onering/ftrace'

const ROOT = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((p) => {
  try {
    accessSync(`${p}/trace_marker`, constants.W_OK)
    accessSync(`${p}/per_cpu/cpu0/trace_pipe_raw`, constants.R_OK)
    return true
  } catch {
    return false
  }
})

if (ROOT === undefined)
  console.warn(
    '[live trace_pipe_raw] SKIPPED: no writable tracefs here (needs Linux, root and a mounted tracefs)',
  )

describe.skipIf(ROOT === undefined)('live trace_pipe_raw', () => {
  it('decodes markers written now, with the decoder used for onering pages', () => {
    const root = ROOT!
    const page = 4096
    writeFileSync(`${root}/tracing_on`, '1')
    const tag = `onering-live-${process.pid}-${Date.now()}`
    for (let k = 0; k < 10; k++) writeFileSync(`${root}/trace_marker`, `${tag} ${k}`)
    const seen: string[] = []
    const ncpu = 64
    for (let cpu = 0; cpu < ncpu; cpu++) {
      let fd: number
      try {
        fd = openSync(
          `${root}/per_cpu/cpu${cpu}/trace_pipe_raw`,
          constants.O_RDONLY | constants.O_NONBLOCK,
        )
      } catch {
        break
      }
      try {
        const buf = new Uint8Array(page)
        for (;;) {
          let n = 0
          try {
            n = readSync(fd, buf, 0, page, null)
          } catch {
            break
          }
          if (n < page) break
          decodeRawStream(buf, page, (ev) => {
            const text = new TextDecoder()
              .decode(buf.subarray(ev.offset + 16, ev.offset + ev.length))
              .replace(/\0.*$/s, '')
            if (text.startsWith(tag)) seen.push(text.trim())
          })
        }
      } finally {
        closeSync(fd)
      }
    }
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, k) => `${tag} ${k}`).sort())
  })
})
