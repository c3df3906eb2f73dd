/**
 * `assembleTraceDat`: a trace.dat written from the spool files a recorder left (as a recorded
 * process killed before `finish` leaves them), read by trace-cmd and by our reader. An event
 * system with many long formats makes the metadata sections outgrow the byte writer's first
 * buffer (the growth that once lost data).
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ring_buffer_alloc, trace_event_write, tracing_mark_write } from '@onering/ftrace'
import { defineEvent, EventEncoder, EventIdAllocator } from '@onering/trace-events'
import type { EventDefinition } from '@onering/trace-events'
import {
  assembleTraceDat,
  readTraceDat,
  traceDatEvents,
  traceDatListing,
  TraceDatError,
  TraceDatRecorder,
} from '../src/index.js'
import { hasTraceCmd } from './trace-cmd-env.js'

const tmp = mkdtempSync(join(tmpdir(), 'onering-assemble-'))
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

const ids = new EventIdAllocator()
const defs: EventDefinition[] = Array.from({ length: 40 }, (_, k) =>
  defineEvent(
    {
      system: 'wide',
      name: `event_number_${k}_with_a_long_name`,
      fields: Array.from({ length: 12 }, (_, f) => ({
        name: `field_number_${f}`,
        type: 'u32' as const,
      })),
    },
    ids,
  ),
)

function spooled(dir: string, events: number): { cpus: string[]; pageSize: number } {
  const buffer = ring_buffer_alloc(1 << 16, 0, { cpus: 2 })
  const rec = new TraceDatRecorder(buffer, { definitions: defs, spoolDir: dir })
  const values = Array.from({ length: 12 }, () => 0)
  for (let k = 0; k < events; k++) {
    buffer.setCpu(k % 2)
    values[0] = k
    trace_event_write(buffer, new EventEncoder(defs[k % defs.length]!), values)
    if (k % 97 === 0) tracing_mark_write(buffer, `mark ${k}`)
    if (k % 200 === 0) rec.drain()
  }
  rec.drain(false)
  // the recorder is never finished: its spool files stay, as a killed process leaves them
  return { cpus: [0, 1].map((c) => join(dir, `cpu${c}.spool`)), pageSize: buffer.rb.subbufSize }
}

describe('assembleTraceDat', () => {
  const dir = mkdtempSync(join(tmp, 'spool-'))
  const { cpus, pageSize } = spooled(dir, 3000)

  it('writes every spooled event, with its formats and pids, for our reader and trace-cmd', () => {
    const path = join(tmp, 'assembled.dat')
    const r = assembleTraceDat(path, cpus, {
      pageSize,
      definitions: defs,
      comms: new Map([[process.pid, 'tester']]),
    })
    expect(r.events.reduce((a, b) => a + b, 0)).toBe(3000 + Math.ceil(3000 / 97))
    expect(r.missed).toEqual([0, 0])
    const file = readTraceDat(readFileSync(path))
    const evs = [...traceDatEvents(file)]
    expect(evs.filter((e) => e.format?.system === 'wide')).toHaveLength(3000)
    expect(evs.every((e) => e.comm === 'tester')).toBe(true)
    if (hasTraceCmd) {
      const tc = spawnSync('trace-cmd', ['report', path], { encoding: 'utf8', maxBuffer: 1 << 28 })
      expect(tc.status).toBe(0)
      expect(tc.stdout).not.toMatch(/FAILED TO PARSE|UNKNOWN EVENT/)
      expect(
        tc.stdout
          .trimEnd()
          .split('\n')
          .filter((l) => !l.startsWith('version =')),
      ).toEqual(traceDatListing(file))
    }
  })

  it('drops a page cut by a kill mid-append, and keeps the rest', () => {
    appendFileSync(cpus[1]!, new Uint8Array(100).fill(7))
    const r = assembleTraceDat(join(tmp, 'cut.dat'), cpus, { pageSize, definitions: defs })
    expect(r.truncated).toEqual([0, 100])
    expect(r.events.reduce((a, b) => a + b, 0)).toBe(3000 + Math.ceil(3000 / 97))
  })

  it('names an event id that has no definition, and refuses bad arguments', () => {
    expect(() => assembleTraceDat(join(tmp, 'x.dat'), cpus, { pageSize })).toThrow(TraceDatError)
    expect(() => assembleTraceDat(join(tmp, 'x.dat'), [], { pageSize })).toThrow(/^cpus: /)
    expect(() => assembleTraceDat(join(tmp, 'x.dat'), cpus, { pageSize: 1000 })).toThrow(
      /^options.pageSize: /,
    )
    expect(readdirSync(dir).filter((n) => n.endsWith('.spool'))).toHaveLength(2)
  })
})
