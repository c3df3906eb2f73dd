/** `onering script` on files trace-cmd made (from real kernel pages, zstd-compressed too). */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { onering } from './support.js'
import { hasTraceCmd } from './trace-cmd-env.js'

const fixtures = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'trace-dat',
  'test',
  'fixtures',
)

describe('onering script on trace-cmd files', () => {
  for (const name of ['kernel.v6.dat', 'kernel.v7z.dat']) {
    const file = join(fixtures, name)
    it(`${name}: the listing is trace-cmd report's, the JSON names events as trace-cmd does`, () => {
      const r = onering(['script', file])
      expect(r.status).toBe(0)
      if (hasTraceCmd) {
        const tc = spawnSync('trace-cmd', ['report', file], {
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        })
        expect(r.stdout).toBe(tc.stdout)
      }
      const objs = onering(['script', '--json', file])
        .stdout.trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              event: string
              cpu: number
              comm: string
              fields: Record<string, unknown>
            },
        )
      expect(objs.length).toBe(r.stdout.split('\n').filter((l) => / \[\d{3}\] /.test(l)).length)
      expect(objs[0]!.event).toBe('print')
      expect(objs[0]!.fields['buf']).toBe('basic 0\n')
    })
  }
})
