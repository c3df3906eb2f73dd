/**
 * The live kernel file: on Linux with a writable tracefs, write markers through a **private
 * instance**'s `trace_marker` and read its `per_cpu/cpuN/trace_pipe_raw` with the same decoder
 * onering's own pages use. The top-level buffer is never switched on or drained; the instance is
 * removed afterwards. Elsewhere (no tracefs, not root) the test is skipped with a visible message.
 */
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
} from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeRawStream } from '@onering/ftrace'
import { tracefsMissing, tracefsRoot, withInstance } from '../../support/tracefs-instance.js'

if (tracefsMissing !== undefined) console.warn(`[live trace_pipe_raw] SKIPPED: ${tracefsMissing}`)

describe.skipIf(tracefsRoot === undefined)('live trace_pipe_raw (private instance)', () => {
  it('decodes markers written now, with the decoder used for onering pages', async () => {
    const top = `${tracefsRoot!}/tracing_on`
    const topBefore = readFileSync(top, 'utf8')
    await withInstance('live', (root) => {
      const page = 4096
      writeFileSync(`${root}/tracing_on`, '1')
      const tag = `onering-live-${process.pid}-${Date.now()}`
      for (let k = 0; k < 10; k++) writeFileSync(`${root}/trace_marker`, `${tag} ${k}`)
      const seen: string[] = []
      for (let cpu = 0; existsSync(`${root}/per_cpu/cpu${cpu}`); cpu++) {
        const fd = openSync(
          `${root}/per_cpu/cpu${cpu}/trace_pipe_raw`,
          constants.O_RDONLY | constants.O_NONBLOCK,
        )
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
    // The top level was left as it was.
    expect(readFileSync(top, 'utf8')).toBe(topBefore)
  })
})
