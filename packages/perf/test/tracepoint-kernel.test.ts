/**
 * The tracepoint bridge's PERF_RECORD_SAMPLE against real kernel bytes: the kernel's samples of
 * three tracepoints (test/fixtures/kernel/tracepoint, made by tools/capture/capture_tracepoint.c
 * with sample_type IDENTIFIER|IP|TID|TIME|ID|STREAM_ID|CPU|PERIOD|RAW, use_clockid
 * CLOCK_MONOTONIC, two events SET_OUTPUT into the first one's ring) are re-emitted through
 * onering tracepoints with the same attrs, the same payloads, times and CPU; the ring we write
 * must hold the kernel's bytes, except for the fields whose values cannot be the kernel's (IP,
 * the cpumode in `misc`, the process id and the event ids), which are checked apart.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { layoutEvent, tracepointOf } from '@onering/trace-events'
import type { EventDefinition } from '@onering/trace-events'
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_SET_OUTPUT,
  PERF_RECORD_MISC_USER,
  PERF_SAMPLE_RAW,
  PERF_TYPE_TRACEPOINT,
  PROT_READ,
  PROT_WRITE,
  close,
  decodeAttr,
  ioctl,
  mmap,
  munmap,
  perfRawSize,
  perf_event_open,
} from '../src/index.js'
import type { PerfEvent, PerfMapping } from '../src/index.js'

const dir = fileURLToPath(new URL('../../../test/fixtures/kernel/tracepoint/', import.meta.url))
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(dir + name))
const log = readFileSync(dir + 'tracepoints.log', 'utf8')

const NAMES = ['getppid', 'write', 'rename'] as const
type Name = (typeof NAMES)[number]
/**
 * The payload bytes of each event: `sizeof` the kernel's entry struct (what the kernel reserves
 * in perf_trace_buf): `struct syscall_trace_enter` is 16 bytes plus 8 per argument (0 for
 * getppid, 3 for write); `task_rename`'s fields end at 46, rounded to its int alignment: 48.
 */
const PAYLOAD: Record<Name, number> = { getppid: 16, write: 40, rename: 48 }
const kernelIds = new Map<Name, { tp: number; perf: bigint }>()
for (const m of log.matchAll(/^id (\w+) (\d+) (\d+)$/gm))
  kernelIds.set(m[1] as Name, { tp: Number(m[2]), perf: BigInt(m[3]!) })
const kernelPid = Number(/^pid (\d+)$/m.exec(log)![1])

/** An onering definition with the kernel event's id (its fields are not used: the payload is the kernel's). */
function definition(name: Name): EventDefinition {
  const [system, event] =
    name === 'rename' ? ['task', 'task_rename'] : ['syscalls', `sys_enter_${name}`]
  return layoutEvent(
    { system, name: event, fields: [{ name: 'x', type: 'int' }] },
    kernelIds.get(name)!.tp,
  )
}

interface KernelSample {
  name: Name
  at: number
  size: number
  misc: number
  time: number
  cpu: number
  raw: Uint8Array
}

const whole = file('tracepoints.mmap')
const wholeView = new DataView(whole.buffer, whole.byteOffset, whole.byteLength)
const head = Number(wholeView.getBigUint64(1024, true))
const dataOffset = Number(wholeView.getBigUint64(1040, true))
const data = whole.subarray(dataOffset, dataOffset + head)
const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength)

/** The kernel's samples, read at the offsets `sample_type` gives (u64 each, then RAW). */
function kernelSamples(): KernelSample[] {
  const byPerfId = new Map([...kernelIds].map(([n, v]) => [v.perf, n]))
  const out: KernelSample[] = []
  for (let o = 0; o < data.length;) {
    const size = dataView.getUint16(o + 6, true)
    expect(dataView.getUint32(o, true)).toBe(9)
    const name = byPerfId.get(dataView.getBigUint64(o + 8, true))!
    const rawSize = dataView.getUint32(o + 72, true)
    out.push({
      name,
      at: o,
      size,
      misc: dataView.getUint16(o + 4, true),
      time: Number(dataView.getBigUint64(o + 32, true)),
      cpu: dataView.getUint32(o + 56, true),
      raw: data.slice(o + 76, o + 76 + rawSize),
    })
    o += size
  }
  return out
}

const opened: PerfEvent[] = []
const maps: PerfMapping[] = []
afterEach(() => {
  for (const m of maps.splice(0)) munmap(m)
  for (const e of opened.splice(0)) close(e)
})

describe('PERF_TYPE_TRACEPOINT samples, compared with the kernel bytes', () => {
  const samples = kernelSamples()

  it('the fixture holds the 10 calls the capture program logged, on its thread', () => {
    expect(samples.map((s) => s.name)).toEqual([
      ...Array<Name>(4).fill('getppid'),
      ...Array<Name>(3).fill('write'),
      ...Array<Name>(3).fill('rename'),
    ])
    const calls = [...log.matchAll(/^call (\w+) (\d+) (\d+)$/gm)]
    samples.forEach((s, k) => {
      expect(s.time).toBeGreaterThanOrEqual(Number(calls[k]![2]))
      expect(s.time).toBeLessThanOrEqual(Number(calls[k]![3]))
    })
  })

  it('RAW size: the payload rounded so that u32 + data ends on 8 bytes, zero padded', () => {
    for (const s of samples) {
      const n = PAYLOAD[s.name]
      expect(s.raw.length).toBe(perfRawSize(n))
      expect([...s.raw.subarray(n)].every((b) => b === 0)).toBe(true)
      expect((4 + s.raw.length) % 8).toBe(0)
    }
    expect([0, 1, 4, 5, 12, 16, 40, 48].map(perfRawSize)).toEqual([4, 4, 4, 12, 12, 20, 44, 52])
  })

  it('our ring holds the kernel records byte for byte (IP, cpumode, pid and ids aside)', () => {
    const attrs = NAMES.map((n) => decodeAttr(file(`${n}.attr`)))
    const tps = NAMES.map((n) => tracepointOf(definition(n)))
    const events = attrs.map((a, k) => {
      expect(a.type).toBe(PERF_TYPE_TRACEPOINT)
      expect(a.sample_type & PERF_SAMPLE_RAW).not.toBe(0)
      expect(a.config).toBe(BigInt(tps[k]!.id))
      const ev = perf_event_open(a, 0, -1)
      opened.push(ev)
      return ev
    })
    const m = mmap(events[0]!, whole.length, PROT_READ | PROT_WRITE)
    maps.push(m)
    ioctl(events[1]!, PERF_EVENT_IOC_SET_OUTPUT, events[0]!)
    ioctl(events[2]!, PERF_EVENT_IOC_SET_OUTPUT, events[0]!)
    for (const ev of events) ioctl(ev, PERF_EVENT_IOC_ENABLE)
    for (const s of samples) {
      const k = NAMES.indexOf(s.name)
      tps[k]!.emit(s.raw, 0, PAYLOAD[s.name], s.time, s.cpu)
    }
    for (const ev of events) ioctl(ev, PERF_EVENT_IOC_DISABLE)
    // a disabled event writes nothing
    tps[0]!.emit(samples[0]!.raw, 0, 16, samples[0]!.time, 0)

    const mine = new DataView(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength)
    expect(Number(mine.getBigUint64(1024, true))).toBe(head)
    // the kernel's bytes with the fields that cannot be the kernel's set to what we write
    const expected = data.slice()
    const ev = new DataView(expected.buffer)
    for (const s of samples) {
      const id = events[NAMES.indexOf(s.name)]!.id
      ev.setUint16(s.at + 4, PERF_RECORD_MISC_USER, true) // raised in user space
      ev.setBigUint64(s.at + 8, id, true) // IDENTIFIER
      ev.setBigUint64(s.at + 16, 0n, true) // IP: no code address
      expect(ev.getUint32(s.at + 24, true)).toBe(kernelPid)
      ev.setUint32(s.at + 24, process.pid, true) // pid; tid stays: it is the payload's common_pid
      ev.setBigUint64(s.at + 40, id, true) // ID
      ev.setBigUint64(s.at + 48, id, true) // STREAM_ID
    }
    const got = m.bytes.subarray(4096, 4096 + head)
    for (let o = 0; o < head; o += 8)
      expect([o, [...got.subarray(o, o + 8)]]).toEqual([o, [...expected.subarray(o, o + 8)]])
    // the misc the kernel gave: USER for the syscall tracepoints (user regs), KERNEL for task_rename
    expect(samples.map((s) => s.misc)).toEqual([2, 2, 2, 2, 2, 2, 2, 1, 1, 1])
    expect(events.map((e) => e.count)).toEqual([4n, 3n, 3n])
  })

  it('an unknown tracepoint id is EINVAL; sample_type bits we cannot fill are EOPNOTSUPP', () => {
    const a = decodeAttr(file('getppid.attr'))
    expect(() => perf_event_open({ ...a, config: 65000n }, 0, -1)).toThrow(/config/)
    tracepointOf(definition('getppid'))
    expect(() => perf_event_open({ ...a, sample_type: a.sample_type | (1 << 5) }, 0, -1)).toThrow(
      /sample_type/,
    )
  })
})
