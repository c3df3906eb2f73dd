/** Shared helpers of the event / mmap / ioctl tests. */
import { expect } from 'vitest'
import {
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PerfError,
  PerfMmap,
  perf_mmap__consume,
  perf_mmap__read_done,
  perf_mmap__read_event,
  perf_mmap__read_init,
} from '../src/index.js'
import type { PerfErrno, PerfEventAttrInit } from '../src/index.js'

/** A sampling attr with side-band COMM and a full sample_id trailer. */
export const ATTR: PerfEventAttrInit = {
  sample_type:
    PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_CPU,
  sample_period: 1,
  sample_id_all: true,
  comm: true,
}

/** `f` throws a PerfError with `errno`. */
export function expectErrno(f: () => unknown, errno: PerfErrno): void {
  expect(f).toThrow(PerfError)
  try {
    f()
  } catch (e) {
    expect((e as PerfError).errno).toBe(errno)
  }
}

/** A record read back: type, misc and a DataView of its bytes. */
export interface Rec {
  type: number
  misc: number
  size: number
  dv: DataView
}

/** Read everything the consumer sees (copies the records). */
export function readAll(map: PerfMmap): Rec[] {
  const out: Rec[] = []
  if (perf_mmap__read_init(map) < 0) return out
  for (let ev = perf_mmap__read_event(map); ev !== null; ev = perf_mmap__read_event(map)) {
    const copy = ev.bytes.slice()
    out.push({
      type: ev.header.type,
      misc: ev.header.misc,
      size: ev.header.size,
      dv: new DataView(copy.buffer),
    })
    perf_mmap__consume(map)
  }
  perf_mmap__read_done(map)
  return out
}

/** data_head of a mapping. */
export function dataHead(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, 4096).getBigUint64(1024, true)
}
