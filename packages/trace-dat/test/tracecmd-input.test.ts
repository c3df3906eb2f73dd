/**
 * trace-cmd's input API names over our reader. The oracle is `trace-cmd report` on the same
 * files (the committed ones made by trace-cmd from kernel pages, and the ones with instances laid
 * out by trace-cmd convert): the records `tracecmd_read_next_data` hands out, per buffer, are the
 * lines report prints, in its order, with its CPU, nanosecond timestamp and event name;
 * `tracecmd_read_data(cpu)` gives `report --cpu N`; `tracecmd_iterate_events` with a CPU set,
 * the same; a C read loop ported line by line (the README's) runs unchanged in shape. Without
 * trace-cmd the kernel files' own counts (74, 381 and 301 markers) are checked.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { decodeEvent } from '@onering/trace-events'
import {
  TraceDatError,
  tracecmd_buffer_instance_handle,
  tracecmd_buffer_instance_name,
  tracecmd_buffer_instances,
  tracecmd_close,
  tracecmd_cpus,
  tracecmd_free_record,
  tracecmd_get_tep,
  tracecmd_init_data,
  tracecmd_iterate_events,
  tracecmd_iterate_reset,
  tracecmd_open,
  tracecmd_open_head,
  tracecmd_peek_data,
  tracecmd_peek_next_data,
  tracecmd_read_cpu_first,
  tracecmd_read_data,
  tracecmd_read_next_data,
  zstdCompression,
} from '../src/index.js'
import type { TracecmdInput, TracecmdRecord } from '../src/index.js'
import { hasTraceCmd } from './trace-cmd-env.js'

const path = (n: string): string => fileURLToPath(new URL(`./fixtures/${n}`, import.meta.url))

/** `trace-cmd report -t [args]`: per event line, {buffer, cpu, ts, name}. */
function report(file: string, args: string[] = []): string[] {
  const r = spawnSync('trace-cmd', ['report', '-t', ...args, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
  expect(r.status).toBe(0)
  return r.stdout
    .trimEnd()
    .split('\n')
    .slice(1)
    .filter((l) => !l.startsWith('CPU:'))
    .map((l) => {
      const m = /^\s*(?:(\S+): )?.*?-\d+\s+\[(\d+)\]\s+(\d+)\.(\d{9}): (\S+):/.exec(l)!
      return `${m[1] ?? ''} ${Number(m[2])} ${m[3]}${m[4]} ${m[5]}`
    })
}

/** The same shape from a record: its buffer name, CPU, ns timestamp and event name. */
function line(h: TracecmdInput, r: TracecmdRecord): string {
  const id = r.data[0]! | (r.data[1]! << 8)
  const name = tracecmd_get_tep(h).get(id)!.name
  const ts = BigInt(r.ts)
  return `${h.buffer!.name} ${r.cpu} ${ts} ${name}`
}

/** Every record of a handle through tracecmd_read_next_data: the README's C loop, ported. */
function readAll(h: TracecmdInput): string[] {
  const out: string[] = []
  let record: TracecmdRecord | null
  while ((record = tracecmd_read_next_data(h)) !== null) {
    out.push(line(h, record))
    tracecmd_free_record(record)
  }
  return out
}

describe('trace-cmd input API: kernel files made by trace-cmd', () => {
  for (const name of ['kernel.v6.dat', 'kernel.v7.dat', 'kernel.v7z.dat']) {
    it(`${name}: tracecmd_read_next_data is report's order; tracecmd_read_data(cpu) is report --cpu`, async () => {
      const h = tracecmd_open(path(name), 0, { compression: await zstdCompression() })
      expect(tracecmd_cpus(h)).toBe(3)
      expect(tracecmd_buffer_instances(h)).toBe(0)
      const all = readAll(h)
      expect(tracecmd_read_next_data(h)).toBeNull()
      // the kernel pages: 74, 381 and 301 markers on CPUs 0, 1, 2
      expect([0, 1, 2].map((c) => all.filter((l) => l.startsWith(` ${c} `)).length)).toEqual([
        74, 381, 301,
      ])
      if (hasTraceCmd) expect(all).toEqual(report(path(name)))

      tracecmd_iterate_reset(h)
      for (const cpu of [0, 1, 2]) {
        const first = tracecmd_peek_data(h, cpu)
        const list: string[] = []
        for (let r = tracecmd_read_data(h, cpu); r !== null; r = tracecmd_read_data(h, cpu))
          list.push(line(h, r))
        expect(list[0]).toBe(line(h, first!))
        expect(list).toEqual(all.filter((l) => l.startsWith(` ${cpu} `)))
        if (hasTraceCmd) expect(list).toEqual(report(path(name), ['--cpu', String(cpu)]))
        // back to the first record of the CPU
        expect(line(h, tracecmd_read_cpu_first(h, cpu)!)).toBe(list[0])
        expect(line(h, tracecmd_read_data(h, cpu)!)).toBe(list[1])
      }
      // the missed count of CPU 2's first page (the kernel flagged 4699 lost events)
      expect(tracecmd_read_cpu_first(h, 2)!.missed_events).toBe(4699)
      tracecmd_close(h)
      expect(() => tracecmd_read_next_data(h)).toThrow(/already closed/)
    })
  }

  it('tracecmd_iterate_events: a CPU set, time order, the callback data, a stop value', () => {
    const h = tracecmd_open(path('kernel.v6.dat'))
    const seen: string[] = []
    const data = { calls: 0 }
    const ret = tracecmd_iterate_events(
      h,
      [0, 2],
      2,
      (handle, record, cpu, d) => {
        expect(handle).toBe(h)
        expect(record.cpu).toBe(cpu)
        d.calls++
        seen.push(line(handle, record))
        return 0
      },
      data,
    )
    expect(ret).toBe(0)
    expect(data.calls).toBe(74 + 301)
    tracecmd_iterate_reset(h)
    const all = readAll(h)
    expect(seen).toEqual(all.filter((l) => !l.startsWith(' 1 ')))
    // a non-zero return stops the iteration and is its result; the next call goes on from there
    tracecmd_iterate_reset(h)
    let n = 0
    expect(tracecmd_iterate_events(h, null, 0, () => (++n === 10 ? 42 : 0), null)).toBe(42)
    expect(line(h, tracecmd_peek_next_data(h)!)).toBe(all[10])
    if (hasTraceCmd) expect(seen).toEqual(report(path('kernel.v6.dat'), ['--cpu', '0,2']))
  })

  it('tracecmd_get_tep: the file formats decode the payload in place (the markers)', () => {
    const h = tracecmd_open(path('kernel.v7.dat'))
    const r = tracecmd_read_cpu_first(h, 0)!
    const f = tracecmd_get_tep(h).get(r.data[0]! | (r.data[1]! << 8))!
    expect(`${f.system}/${f.name}`).toBe('ftrace/print')
    const fields = decodeEvent(f, r.data, 0, r.size)
    expect(typeof fields['buf']).toBe('string')
    expect(r.data.buffer).toBe(h.file.buffers[0]!.cpus[0]!.data.buffer) // a view, not a copy
  })

  it('tracecmd_open_head, then tracecmd_init_data', () => {
    const h = tracecmd_open_head(path('kernel.v6.dat'))
    expect(tracecmd_cpus(h)).toBe(3)
    expect(() => tracecmd_read_next_data(h)).toThrow(/tracecmd_init_data/)
    expect(tracecmd_init_data(h)).toBe(0)
    expect(tracecmd_read_next_data(h)).not.toBeNull()
  })
})

describe('trace-cmd input API: instances', () => {
  for (const name of ['buffers.v6.dat', 'buffers.v7.dat']) {
    it(`${name}: tracecmd_buffer_instances / _name / _handle read each buffer as report lists it`, () => {
      const h = tracecmd_open(path(name))
      expect(tracecmd_buffer_instances(h)).toBe(2)
      const names = [0, 1].map((k) => tracecmd_buffer_instance_name(h, k))
      expect(names).toEqual(['a', 'longer-instance'])
      const handles = [0, 1].map((k) => tracecmd_buffer_instance_handle(h, k))
      expect(handles.map((x) => tracecmd_buffer_instances(x))).toEqual([0, 0])
      expect(tracecmd_cpus(handles[1]!)).toBe(2)
      const lines = [h, ...handles].map((x) => readAll(x))
      expect(lines.map((l) => l.length)).toEqual([12, 5, 7])
      if (hasTraceCmd) {
        const theirs = report(path(name))
        for (const [k, x] of [h, ...handles].entries())
          expect(lines[k]).toEqual(theirs.filter((l) => l.startsWith(`${x.buffer!.name} `)))
      }
      for (const x of handles) tracecmd_close(x)
      expect(() => tracecmd_buffer_instance_name(h, 2)).toThrow(RangeError)
      tracecmd_close(h)
    })
  }
})

describe('trace-cmd input API: bad arguments and bad files', () => {
  it('typed errors naming the argument', () => {
    const h = tracecmd_open(path('kernel.v6.dat'))
    expect(() => tracecmd_read_data(h, 3)).toThrow(/cpu: 3 is not a CPU/)
    expect(() => tracecmd_peek_data(h, -1)).toThrow(RangeError)
    expect(() => tracecmd_buffer_instance_handle(h, 0)).toThrow(/indx: 0/)
    expect(() => tracecmd_open(path('kernel.v6.dat'), 4)).toThrow(/flags: 4/)
    expect(() => tracecmd_cpus(JSON.parse('{}') as TracecmdInput)).toThrow(TypeError)
    expect(() => tracecmd_iterate_events(h, null, 0, 'x' as never, null)).toThrow(/callback/)
    expect(() => tracecmd_open(7 as never)).toThrow(/file: expected/)
    expect(() => tracecmd_open(path('kernel.v7z.dat'))).toThrow(TraceDatError)
    expect(() => tracecmd_open(new Uint8Array(40))).toThrow(TraceDatError)
  })
})
