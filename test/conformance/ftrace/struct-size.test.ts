/**
 * The payload length of a trace event is `sizeof(struct trace_event_raw_<name>)` — the fields'
 * end rounded up to the struct's alignment — as the kernel reserves it
 * (`trace_event_buffer_reserve(…, sizeof(*entry) + __data_size)`), not the end of the last
 * field. The oracle is the live kernel: in a **private tracefs instance** a few common events
 * with only fixed-size fields (timers, scheduler, syscalls) are switched on while this test
 * sleeps and spawns; for every event record read back from `trace_pipe_raw`, an onering
 * definition of the same fields (`defineEvent`, built from the kernel's own `format` file) must
 * lay them out at the kernel's offsets and give the record's length. The instance is removed
 * afterwards; the top level is never written. Without tracefs the test is skipped with a
 * visible message — unless `CI` is set on Linux as root, where it fails.
 */
import { spawnSync } from 'node:child_process'
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
import {
  FIELD_IS_DYNAMIC,
  FIELD_IS_SIGNED,
  layoutEvent,
  parseEventFormat,
} from '@onering/trace-events'
import type { EventDefinition, EventFormat, FieldSpec } from '@onering/trace-events'
import { u32, walkPage } from './kernel-helpers.js'
import { tracefsMissing, tracefsRoot, withInstance } from '../../support/tracefs-instance.js'

const inCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase())
if (tracefsMissing !== undefined) {
  if (inCi && process.platform === 'linux' && process.getuid?.() === 0)
    throw new Error(`struct size: CI is set on Linux as root but ${tracefsMissing}`)
  console.warn(`[struct size] SKIPPED: ${tracefsMissing}`)
}

/** Events with fixed-size fields only, several of them 8-byte aligned with a 4-byte tail. */
const EVENTS = [
  'timer/hrtimer_start',
  'timer/hrtimer_cancel',
  'timer/hrtimer_expire_entry',
  'timer/hrtimer_expire_exit',
  'timer/timer_start',
  'sched/sched_switch',
  'sched/sched_wakeup',
  'sched/sched_waking',
  'syscalls/sys_enter_nanosleep',
  'syscalls/sys_exit_nanosleep',
  'syscalls/sys_enter_clock_nanosleep',
  'syscalls/sys_exit_clock_nanosleep',
  'raw_syscalls/sys_exit',
]

const INT: Record<number, [FieldSpec['type'], FieldSpec['type']]> = {
  1: ['u8', 's8'],
  2: ['u16', 's16'],
  4: ['u32', 's32'],
  8: ['u64', 's64'],
}

/** The onering definition of a kernel format's fields, or undefined when it has dynamic ones. */
function definitionOf(f: EventFormat): EventDefinition | undefined {
  const fields: FieldSpec[] = []
  for (const x of f.fields) {
    if ((x.flags & FIELD_IS_DYNAMIC) !== 0 || x.size === 0) return undefined
    const signed = (x.flags & FIELD_IS_SIGNED) !== 0 ? 1 : 0
    if (x.arrayLength > 0) {
      const t = /\bchar\b/.test(x.type) ? 'char' : INT[x.elementSize]?.[signed]
      if (t === undefined) return undefined
      fields.push({ name: x.name, type: t, array: x.arrayLength })
    } else {
      const t = INT[x.size]?.[signed]
      if (t === undefined) return undefined
      fields.push({ name: x.name, type: t })
    }
  }
  return layoutEvent({ system: f.system, name: f.name, fields }, f.id)
}

describe.skipIf(tracefsRoot === undefined)('payload length = sizeof(struct), live kernel', () => {
  it('every fixed-size event record the kernel wrote is as long as our definition says', async () => {
    const top = `${tracefsRoot!}/tracing_on`
    const topBefore = readFileSync(top, 'utf8')
    const lengths = new Map<number, Set<number>>()
    const formats = new Map<number, EventFormat>()
    await withInstance('structsize', (root) => {
      for (const e of EVENTS) {
        const dir = `${root}/events/${e}`
        if (!existsSync(dir)) continue
        const f = parseEventFormat(
          readFileSync(`${dir}/format`, 'utf8'),
          e.slice(0, e.indexOf('/')),
        )
        formats.set(f.id, f)
        writeFileSync(`${dir}/enable`, '1')
      }
      writeFileSync(`${root}/tracing_on`, '1')
      for (let k = 0; k < 5; k++) spawnSync('sleep', ['0.01'])
      writeFileSync(`${root}/tracing_on`, '0')
      const page = 4096
      const buf = new Uint8Array(page)
      for (let cpu = 0; existsSync(`${root}/per_cpu/cpu${cpu}`); cpu++) {
        const fd = openSync(
          `${root}/per_cpu/cpu${cpu}/trace_pipe_raw`,
          constants.O_RDONLY | constants.O_NONBLOCK,
        )
        try {
          for (;;) {
            let n = 0
            try {
              n = readSync(fd, buf, 0, page, null)
            } catch {
              break
            }
            if (n < page) break
            for (const r of walkPage(buf)) {
              if (r.type < 1 || r.type > 28) continue // time events, padding, long records
              const id = u32(buf, 16 + r.off + 4) & 0xffff
              const set = lengths.get(id) ?? new Set<number>()
              set.add(4 * r.type)
              lengths.set(id, set)
            }
          }
        } finally {
          closeSync(fd)
        }
      }
    })
    expect(readFileSync(top, 'utf8')).toBe(topBefore)

    let checked = 0
    let padded = 0
    for (const [id, seen] of lengths) {
      const f = formats.get(id)
      if (f === undefined) continue
      const def = definitionOf(f)
      if (def === undefined) continue
      // our layout puts every field where the kernel does
      expect(
        def.fields.map((x) => [x.name, x.offset]),
        f.name,
      ).toEqual(f.fields.map((x) => [x.name, x.offset]))
      // and the record is sizeof(struct), rounded to the ring's 4 bytes
      expect([...seen], f.name).toEqual([Math.ceil(def.structSize / 4) * 4])
      checked++
      if (def.structSize - def.fixedSize >= 4) padded++
    }
    console.log(
      `[struct size] ${checked} kinds of kernel records checked, ${padded} with a tail pad`,
    )
    expect(checked).toBeGreaterThan(2)
    // at least one event whose struct ends in padding, where the rule matters
    expect(padded).toBeGreaterThan(0)
  })
})
