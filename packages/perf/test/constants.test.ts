/**
 * Constants: spot checks against the reference, the _IOC encoding, and the control-page
 * offsets against the kernel fixtures.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as C from '../src/constants.js'

const FIXTURES = new URL('../../../test/fixtures/kernel/perf/', import.meta.url)

describe('constants', () => {
  it('record types 1..21 and the sample bits', () => {
    const names = [
      'MMAP',
      'LOST',
      'COMM',
      'EXIT',
      'THROTTLE',
      'UNTHROTTLE',
      'FORK',
      'READ',
      'SAMPLE',
      'MMAP2',
      'AUX',
      'ITRACE_START',
      'LOST_SAMPLES',
      'SWITCH',
      'SWITCH_CPU_WIDE',
      'NAMESPACES',
      'KSYMBOL',
      'BPF_EVENT',
      'CGROUP',
      'TEXT_POKE',
      'AUX_OUTPUT_HW_ID',
    ]
    const all = C as unknown as Record<string, number>
    names.forEach((n, i) => {
      expect(all[`PERF_RECORD_${n}`], n).toBe(i + 1)
    })
    const bits = [
      'IP',
      'TID',
      'TIME',
      'ADDR',
      'READ',
      'CALLCHAIN',
      'ID',
      'CPU',
      'PERIOD',
      'STREAM_ID',
      'RAW',
      'BRANCH_STACK',
      'REGS_USER',
      'STACK_USER',
      'WEIGHT',
      'DATA_SRC',
      'IDENTIFIER',
      'TRANSACTION',
      'REGS_INTR',
      'PHYS_ADDR',
      'AUX',
      'CGROUP',
      'DATA_PAGE_SIZE',
      'CODE_PAGE_SIZE',
      'WEIGHT_STRUCT',
    ]
    bits.forEach((n, i) => {
      expect(all[`PERF_SAMPLE_${n}`], n).toBe(2 ** i)
    })
    expect(C.PERF_SAMPLE_MAX).toBe(2 ** 25)
  })

  it('callchain markers are the u64 of the negative values', () => {
    expect(C.PERF_CONTEXT_HV).toBe(2n ** 64n - 32n)
    expect(C.PERF_CONTEXT_KERNEL).toBe(2n ** 64n - 128n)
    expect(C.PERF_CONTEXT_USER).toBe(2n ** 64n - 512n)
    expect(C.PERF_CONTEXT_GUEST).toBe(2n ** 64n - 2048n)
    expect(C.PERF_CONTEXT_GUEST_KERNEL).toBe(2n ** 64n - 2176n)
    expect(C.PERF_CONTEXT_GUEST_USER).toBe(2n ** 64n - 2560n)
    expect(C.PERF_CONTEXT_MAX).toBe(2n ** 64n - 4095n)
  })

  it('ioctl numbers follow _IOC(dir, "$", nr, size) with 8-byte pointers', () => {
    const IOC = (dir: number, nr: number, size: number): number =>
      ((dir << 30) | (size << 16) | (0x24 << 8) | nr) >>> 0
    const NONE = 0
    const W = 1
    const R = 2
    expect(C.PERF_EVENT_IOC_ENABLE).toBe(IOC(NONE, 0, 0))
    expect(C.PERF_EVENT_IOC_DISABLE).toBe(IOC(NONE, 1, 0))
    expect(C.PERF_EVENT_IOC_REFRESH).toBe(IOC(NONE, 2, 0))
    expect(C.PERF_EVENT_IOC_RESET).toBe(IOC(NONE, 3, 0))
    expect(C.PERF_EVENT_IOC_PERIOD).toBe(IOC(W, 4, 8))
    expect(C.PERF_EVENT_IOC_SET_OUTPUT).toBe(IOC(NONE, 5, 0))
    expect(C.PERF_EVENT_IOC_SET_FILTER).toBe(IOC(W, 6, 8))
    expect(C.PERF_EVENT_IOC_ID).toBe(IOC(R, 7, 8))
    expect(C.PERF_EVENT_IOC_SET_BPF).toBe(IOC(W, 8, 4))
    expect(C.PERF_EVENT_IOC_PAUSE_OUTPUT).toBe(IOC(W, 9, 4))
    expect(C.PERF_EVENT_IOC_QUERY_BPF).toBe(IOC(R | W, 10, 8))
    expect(C.PERF_EVENT_IOC_MODIFY_ATTRIBUTES).toBe(IOC(W, 11, 8))
    // the values the reference verified
    expect([
      C.PERF_EVENT_IOC_ENABLE,
      C.PERF_EVENT_IOC_SET_OUTPUT,
      C.PERF_EVENT_IOC_ID,
      C.PERF_EVENT_IOC_PAUSE_OUTPUT,
    ]).toEqual([0x2400, 0x2405, 0x80082407, 0x40042409])
  })

  it('control-page offsets match the kernel fixtures', () => {
    for (const name of ['samples', 'full', 'wrapped', 'backward', 'sideband']) {
      const b = readFileSync(new URL(`${name}.mmap`, FIXTURES))
      const dv = new DataView(b.buffer, b.byteOffset, 4096)
      const O = C.PerfMmapPageOffset
      expect(dv.getUint32(O.version, true)).toBe(0)
      expect(dv.getUint32(O.compat_version, true)).toBe(0)
      expect(dv.getBigUint64(O.capabilities, true)).toBe(BigInt(C.PERF_CAP_BIT0_IS_DEPRECATED))
      expect(dv.getUint32(O.size, true)).toBe(C.PERF_MMAP_PAGE_HEADER_SIZE)
      expect(dv.getBigUint64(O.data_offset, true)).toBe(4096n)
      expect(Number(dv.getBigUint64(O.data_size, true)) + 4096).toBe(b.length)
    }
    expect(C.PerfMmapPageOffset.aux_size + 8).toBe(C.PERF_MMAP_PAGE_STRUCT_SIZE)
  })
})
