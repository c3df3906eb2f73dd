/**
 * The perf side of `--cpu-profile`: the JS stack samples of a process as perf's `cpu-clock`
 * software event (`PERF_TYPE_SOFTWARE` / `PERF_COUNT_SW_CPU_CLOCK`, what `perf record -e
 * cpu-clock -c NS -g` records): one PERF_RECORD_SAMPLE per sample with IDENTIFIER, IP (the
 * leaf frame), TID (the process and the thread's OS tid), TIME, CPU (the thread's ring, as its
 * trace events), PERIOD (the sampling interval in ns, as the kernel's cpu-clock reports it)
 * and CALLCHAIN (`PERF_CONTEXT_USER`, then the frames' synthetic addresses leaf first, as the
 * kernel's user callchains); and the PERF_RECORD_MMAP of `//anon` covering those addresses,
 * which makes perf read the symbols from `/tmp/perf-<pid>.map` (`./perf-map.ts`).
 *
 * @packageDocumentation
 */
import {
  PERF_CONTEXT_USER,
  PERF_COUNT_SW_CPU_CLOCK,
  PERF_RECORD_MISC_USER,
  PERF_RECORD_MMAP,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_CALLCHAIN,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_TYPE_SOFTWARE,
  recordContext,
  sizeOfRecord,
  writeRecord,
} from '@onering/perf'
import type { PerfEventAttrInit, PerfRecordInput } from '@onering/perf'
import { FRAME_BASE, FrameTable } from './perf-map.js'

/** The sample fields of a `cpu-clock` sample. */
export const CPU_CLOCK_SAMPLE_TYPE: number =
  PERF_SAMPLE_IDENTIFIER |
  PERF_SAMPLE_IP |
  PERF_SAMPLE_TID |
  PERF_SAMPLE_TIME |
  PERF_SAMPLE_CPU |
  PERF_SAMPLE_PERIOD |
  PERF_SAMPLE_CALLCHAIN

/** The attr of the `cpu-clock` event sampled every `periodNs` (user space only, as `cpu-clock:u`). */
export function cpuClockAttr(periodNs: number, monotonic: boolean): PerfEventAttrInit {
  return {
    type: PERF_TYPE_SOFTWARE,
    config: BigInt(PERF_COUNT_SW_CPU_CLOCK),
    sample_type: CPU_CLOCK_SAMPLE_TYPE,
    sample_period: periodNs,
    sample_id_all: true,
    exclude_kernel: true,
    exclude_hv: true,
    exclude_guest: true,
    ...(monotonic ? { use_clockid: true, clockid: 1 } : {}),
  }
}

/** Bytes of a sample whose stack has `depth` frames. */
export function cpuClockSampleSize(depth: number): number {
  // header, identifier, ip, pid/tid, time, cpu/res, period, nr, PERF_CONTEXT_USER, frames
  return 8 + 8 * 6 + 8 + 8 + 8 * depth
}

const CONTEXT_USER_LO = Number(PERF_CONTEXT_USER & 0xffffffffn)
const CONTEXT_USER_HI = Number(PERF_CONTEXT_USER >> 32n)

function putU64(dv: DataView, at: number, v: number): void {
  dv.setUint32(at, v % 0x1_0000_0000, true)
  dv.setUint32(at + 4, Math.floor(v / 0x1_0000_0000), true)
}

/** Write one sample at `at` (see {@link cpuClockSampleSize}); returns its size. */
export function putCpuClockSample(
  dv: DataView,
  at: number,
  s: {
    id: number
    pid: number
    tid: number
    time: number
    cpu: number
    periodNs: number
    stack: readonly number[]
  },
): number {
  const size = cpuClockSampleSize(s.stack.length)
  dv.setUint32(at, PERF_RECORD_SAMPLE, true)
  dv.setUint16(at + 4, PERF_RECORD_MISC_USER, true)
  dv.setUint16(at + 6, size, true)
  putU64(dv, at + 8, s.id)
  putU64(dv, at + 16, FrameTable.address(s.stack[0]!))
  dv.setUint32(at + 24, s.pid, true)
  dv.setUint32(at + 28, s.tid, true)
  putU64(dv, at + 32, s.time)
  dv.setUint32(at + 40, s.cpu, true)
  dv.setUint32(at + 44, 0, true)
  putU64(dv, at + 48, s.periodNs)
  putU64(dv, at + 56, s.stack.length + 1)
  dv.setUint32(at + 64, CONTEXT_USER_LO, true)
  dv.setUint32(at + 68, CONTEXT_USER_HI, true)
  for (let k = 0; k < s.stack.length; k++)
    putU64(dv, at + 72 + 8 * k, FrameTable.address(s.stack[k]!))
  return size
}

/**
 * The PERF_RECORD_MMAP of the synthetic code range of process `pid`, with the `sample_id`
 * trailer of `firstAttr` (the file's first event, id `firstId`) at time 0 — perf applies it
 * before every sample.
 */
export function anonCodeMmap(
  pid: number,
  frames: FrameTable,
  firstAttr: PerfEventAttrInit,
  firstId: number,
): Uint8Array {
  const id = BigInt(firstId)
  const r: PerfRecordInput = {
    type: PERF_RECORD_MMAP,
    misc: PERF_RECORD_MISC_USER,
    pid,
    tid: pid,
    addr: BigInt(FRAME_BASE),
    len: BigInt(frames.length),
    pgoff: 0n,
    filename: '//anon',
    sample_id: { pid, tid: pid, time: 0n, id, stream_id: id, cpu: 0, res: 0, identifier: id },
  }
  const ctx = recordContext(firstAttr)
  const out = new Uint8Array(sizeOfRecord(r, ctx))
  writeRecord(new DataView(out.buffer), 0, r, ctx)
  return out
}
