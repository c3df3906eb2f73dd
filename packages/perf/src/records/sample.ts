/**
 * PERF_RECORD_SAMPLE: the body follows `sample_type` in the kernel's emission order
 * (`perf_output_sample`), which is not bit order: IDENTIFIER, IP, TID, TIME, ADDR, ID,
 * STREAM_ID, CPU, PERIOD, READ, CALLCHAIN, RAW, BRANCH_STACK, REGS_USER, STACK_USER,
 * WEIGHT / WEIGHT_STRUCT, DATA_SRC, TRANSACTION, REGS_INTR, PHYS_ADDR, CGROUP, DATA_PAGE_SIZE,
 * CODE_PAGE_SIZE, AUX. SAMPLE has no `sample_id` trailer.
 *
 * @packageDocumentation
 */

import {
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_ADDR,
  PERF_SAMPLE_AUX,
  PERF_SAMPLE_BRANCH_COUNTERS,
  PERF_SAMPLE_BRANCH_HW_INDEX,
  PERF_SAMPLE_BRANCH_STACK,
  PERF_SAMPLE_CALLCHAIN,
  PERF_SAMPLE_CGROUP,
  PERF_SAMPLE_CODE_PAGE_SIZE,
  PERF_SAMPLE_CPU,
  PERF_SAMPLE_DATA_PAGE_SIZE,
  PERF_SAMPLE_DATA_SRC,
  PERF_SAMPLE_ID,
  PERF_SAMPLE_IDENTIFIER,
  PERF_SAMPLE_IP,
  PERF_SAMPLE_PERIOD,
  PERF_SAMPLE_PHYS_ADDR,
  PERF_SAMPLE_RAW,
  PERF_SAMPLE_READ,
  PERF_SAMPLE_REGS_ABI_NONE,
  PERF_SAMPLE_REGS_INTR,
  PERF_SAMPLE_REGS_USER,
  PERF_SAMPLE_STACK_USER,
  PERF_SAMPLE_STREAM_ID,
  PERF_SAMPLE_TID,
  PERF_SAMPLE_TIME,
  PERF_SAMPLE_TRANSACTION,
  PERF_SAMPLE_WEIGHT,
  PERF_SAMPLE_WEIGHT_STRUCT,
} from '../constants.js'
import { align8, isArray, popcount64 } from './codec.js'
import type { ByteReader, ByteWriter } from './codec.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader } from './header.js'
import { readReadValues, writeReadValues } from './read-format.js'
import type { PerfReadFormatValues } from './read-format.js'

/** One `struct perf_branch_entry`. */
export interface PerfBranchEntry {
  /** Branch source. */
  from: bigint
  /** Branch target. */
  to: bigint
  /** The packed u64: mispred:1, predicted:1, in_tx:1, abort:1, cycles:16, type:4, spec:2, new_type:4, priv:3. */
  flags: bigint
}

/** PERF_SAMPLE_BRANCH_STACK: `u64 nr; [u64 hw_idx]; entries[nr]; [u64 counters[nr]]`. */
export interface PerfBranchStack {
  /** Present exactly when `branch_sample_type` has PERF_SAMPLE_BRANCH_HW_INDEX. */
  hw_idx?: bigint
  /** The branch entries (`nr` = length). */
  entries: readonly PerfBranchEntry[]
  /** Present exactly when `branch_sample_type` has PERF_SAMPLE_BRANCH_COUNTERS; one per entry. */
  counters?: readonly bigint[]
}

/** PERF_SAMPLE_REGS_USER / REGS_INTR: `u64 abi; u64 regs[popcount(mask)]` (no regs when abi is 0). */
export interface PerfSampleRegs {
  /** `PERF_SAMPLE_REGS_ABI_*` (a u64 in the record; decoders reject values ≥ 2^32). */
  abi: number
  /** The registers in mask-bit order; empty when `abi` is PERF_SAMPLE_REGS_ABI_NONE. */
  regs: readonly bigint[]
}

/** PERF_SAMPLE_STACK_USER: `u64 size; u8 data[size]; u64 dyn_size` (no dyn_size when size is 0). */
export interface PerfSampleStackUser {
  /** The dumped stack (`size` = length; a multiple of 8 for the emitter). */
  data: Uint8Array
  /** Bytes of `data` actually valid; present exactly when `data` is non-empty. */
  dyn_size?: bigint
}

/** PERF_SAMPLE_WEIGHT_STRUCT on little-endian: u32 var1_dw, u16 var2_w, u16 var3_w. */
export interface PerfSampleWeightStruct {
  /** Low 32 bits. */
  var1_dw: number
  /** Next 16 bits. */
  var2_w: number
  /** High 16 bits. */
  var3_w: number
}

/**
 * Body of PERF_RECORD_SAMPLE. A field is present exactly when its `sample_type` bit is set
 * (`pid`/`tid` for TID; `cpu`/`res` for CPU, `res` defaulting to 0 on emit). Emitters throw
 * EINVAL for a required field that is missing and ignore fields `sample_type` does not call for.
 */
export interface PerfSampleFields {
  /** `header.misc` (cpumode, EXACT_IP); default 0. */
  misc?: number
  /** IDENTIFIER: the event id, first after the header. */
  identifier?: bigint
  /** IP: instruction pointer. */
  ip?: bigint
  /** TID: process id. */
  pid?: number
  /** TID: thread id. */
  tid?: number
  /** TIME: perf clock timestamp. */
  time?: bigint
  /** ADDR: data address. */
  addr?: bigint
  /** ID: event id. */
  id?: bigint
  /** STREAM_ID: id of the primary event. */
  stream_id?: bigint
  /** CPU: the CPU. */
  cpu?: number
  /** CPU: the reserved u32 after `cpu` (0 from the kernel). */
  res?: number
  /** PERIOD: the sample period. */
  period?: bigint
  /** READ: counter values in `read_format` layout. */
  read?: PerfReadFormatValues
  /** CALLCHAIN: instruction pointers and `PERF_CONTEXT_*` markers (`nr` = length). */
  callchain?: readonly bigint[]
  /**
   * RAW: the raw bytes. The record's `u32 size` counts padding so that 4 + size is a multiple of
   * 8; the emitter zero-pads, and the decoder returns all `size` bytes (padding included). An
   * empty array is emitted as the kernel's {size 4, u32 0}.
   */
  raw?: Uint8Array
  /** BRANCH_STACK. */
  branch_stack?: PerfBranchStack
  /** REGS_USER: registers per `sample_regs_user`. */
  regs_user?: PerfSampleRegs
  /** STACK_USER. */
  stack_user?: PerfSampleStackUser
  /** WEIGHT: u64 weight. */
  weight?: bigint
  /** WEIGHT_STRUCT: the split weight. */
  weight_struct?: PerfSampleWeightStruct
  /** DATA_SRC: `perf_mem_data_src`. */
  data_src?: bigint
  /** TRANSACTION: transaction flags and abort code. */
  transaction?: bigint
  /** REGS_INTR: registers per `sample_regs_intr`. */
  regs_intr?: PerfSampleRegs
  /** PHYS_ADDR: physical data address. */
  phys_addr?: bigint
  /** CGROUP: cgroup id. */
  cgroup?: bigint
  /** DATA_PAGE_SIZE: page size of `addr`. */
  data_page_size?: bigint
  /** CODE_PAGE_SIZE: page size of `ip`. */
  code_page_size?: bigint
  /**
   * AUX: the AUX snapshot. The record's `u64 size` is a multiple of 8; the emitter zero-pads
   * and the decoder returns all `size` bytes.
   */
  aux?: Uint8Array
}

/** A decoded PERF_RECORD_SAMPLE. */
export type PerfSampleRecord = PerfDecodedHeader<typeof PERF_RECORD_SAMPLE> & PerfSampleFields

function writeRegs(
  w: ByteWriter,
  name: string,
  regs: PerfSampleRegs | undefined,
  mask: bigint,
): void {
  if (typeof regs !== 'object' || regs === null) w.missing(name, 'required by sample_type')
  if (typeof regs.abi !== 'number' || regs.abi > 0xffffffff)
    w.missing(`${name}.abi`, `expected a u32 number, got ${String(regs.abi)}`)
  w.u64n(`${name}.abi`, regs.abi)
  if (!isArray(regs.regs)) w.missing(`${name}.regs`, 'expected an array')
  const n = regs.abi === PERF_SAMPLE_REGS_ABI_NONE ? 0 : popcount64(mask)
  if (regs.regs.length !== n) {
    w.missing(
      `${name}.regs`,
      `has ${regs.regs.length} registers; abi ${regs.abi} with this mask needs ${n}`,
    )
  }
  regs.regs.forEach((v, i) => {
    w.u64(`${name}.regs[${i}]`, v)
  })
}

function readRegs(r: ByteReader, name: string, mask: bigint): PerfSampleRegs {
  const abi = r.u64small(`${name}.abi`)
  const regs: bigint[] = []
  if (abi !== PERF_SAMPLE_REGS_ABI_NONE) {
    const n = popcount64(mask)
    for (let i = 0; i < n; i++) regs.push(r.u64(`${name}.regs[${i}]`))
  }
  return { abi, regs }
}

function writeSampleBody(w: ByteWriter, f: PerfSampleFields, ctx: PerfRecordContext): void {
  const st = ctx.sample_type
  if (st & PERF_SAMPLE_IDENTIFIER) w.u64('identifier', f.identifier)
  if (st & PERF_SAMPLE_IP) w.u64('ip', f.ip)
  if (st & PERF_SAMPLE_TID) {
    w.u32('pid', f.pid)
    w.u32('tid', f.tid)
  }
  if (st & PERF_SAMPLE_TIME) w.u64('time', f.time)
  if (st & PERF_SAMPLE_ADDR) w.u64('addr', f.addr)
  if (st & PERF_SAMPLE_ID) w.u64('id', f.id)
  if (st & PERF_SAMPLE_STREAM_ID) w.u64('stream_id', f.stream_id)
  if (st & PERF_SAMPLE_CPU) {
    w.u32('cpu', f.cpu)
    w.u32('res', f.res ?? 0)
  }
  if (st & PERF_SAMPLE_PERIOD) w.u64('period', f.period)
  if (st & PERF_SAMPLE_READ) writeReadValues(w, 'read', f.read, ctx)
  if (st & PERF_SAMPLE_CALLCHAIN) {
    const cc = f.callchain
    if (!isArray(cc)) w.missing('callchain', 'required by sample_type (an array)')
    w.u64n('callchain.nr', cc.length)
    cc.forEach((ip, i) => {
      w.u64(`callchain[${i}]`, ip)
    })
  }
  if (st & PERF_SAMPLE_RAW) {
    const raw = f.raw
    if (!(raw instanceof Uint8Array)) w.missing('raw', 'required by sample_type (a Uint8Array)')
    const size = align8(raw.length + 4) - 4
    w.u32('raw.size', size)
    w.bytes('raw', raw)
    w.zeros(size - raw.length)
  }
  if (st & PERF_SAMPLE_BRANCH_STACK) {
    const bs = f.branch_stack
    const bt = ctx.branch_sample_type
    if (typeof bs !== 'object' || bs === null) w.missing('branch_stack', 'required by sample_type')
    if (!isArray(bs.entries)) w.missing('branch_stack.entries', 'expected an array')
    w.u64n('branch_stack.nr', bs.entries.length)
    if (bt & PERF_SAMPLE_BRANCH_HW_INDEX) w.u64('branch_stack.hw_idx', bs.hw_idx)
    bs.entries.forEach((e, i) => {
      if (typeof e !== 'object' || e === null)
        w.missing(`branch_stack.entries[${i}]`, 'expected an object')
      w.u64(`branch_stack.entries[${i}].from`, e.from)
      w.u64(`branch_stack.entries[${i}].to`, e.to)
      w.u64(`branch_stack.entries[${i}].flags`, e.flags)
    })
    if (bt & PERF_SAMPLE_BRANCH_COUNTERS) {
      const c = bs.counters
      if (!isArray(c) || c.length !== bs.entries.length) {
        w.missing(
          'branch_stack.counters',
          'PERF_SAMPLE_BRANCH_COUNTERS needs one counter per entry',
        )
      }
      c.forEach((v, i) => {
        w.u64(`branch_stack.counters[${i}]`, v)
      })
    }
  }
  if (st & PERF_SAMPLE_REGS_USER) writeRegs(w, 'regs_user', f.regs_user, ctx.sample_regs_user)
  if (st & PERF_SAMPLE_STACK_USER) {
    const su = f.stack_user
    if (typeof su !== 'object' || su === null) w.missing('stack_user', 'required by sample_type')
    if (!(su.data instanceof Uint8Array)) w.missing('stack_user.data', 'expected a Uint8Array')
    if (su.data.length % 8 !== 0)
      w.missing('stack_user.data', `length ${su.data.length} is not a multiple of 8`)
    w.u64n('stack_user.size', su.data.length)
    w.bytes('stack_user.data', su.data)
    if (su.data.length > 0) w.u64('stack_user.dyn_size', su.dyn_size)
    else if (su.dyn_size !== undefined)
      w.missing('stack_user.dyn_size', 'cannot be emitted when size is 0')
  }
  if (st & PERF_SAMPLE_WEIGHT) w.u64('weight', f.weight)
  if (st & PERF_SAMPLE_WEIGHT_STRUCT) {
    const ws = f.weight_struct
    if (typeof ws !== 'object' || ws === null) w.missing('weight_struct', 'required by sample_type')
    w.u32('weight_struct.var1_dw', ws.var1_dw)
    w.u16('weight_struct.var2_w', ws.var2_w)
    w.u16('weight_struct.var3_w', ws.var3_w)
  }
  if (st & PERF_SAMPLE_DATA_SRC) w.u64('data_src', f.data_src)
  if (st & PERF_SAMPLE_TRANSACTION) w.u64('transaction', f.transaction)
  if (st & PERF_SAMPLE_REGS_INTR) writeRegs(w, 'regs_intr', f.regs_intr, ctx.sample_regs_intr)
  if (st & PERF_SAMPLE_PHYS_ADDR) w.u64('phys_addr', f.phys_addr)
  if (st & PERF_SAMPLE_CGROUP) w.u64('cgroup', f.cgroup)
  if (st & PERF_SAMPLE_DATA_PAGE_SIZE) w.u64('data_page_size', f.data_page_size)
  if (st & PERF_SAMPLE_CODE_PAGE_SIZE) w.u64('code_page_size', f.code_page_size)
  if (st & PERF_SAMPLE_AUX) {
    const aux = f.aux
    if (!(aux instanceof Uint8Array)) w.missing('aux', 'required by sample_type (a Uint8Array)')
    const size = align8(aux.length)
    w.u64n('aux.size', size)
    w.bytes('aux', aux)
    w.zeros(size - aux.length)
  }
}

function readSampleBody(r: ByteReader, ctx: PerfRecordContext): PerfSampleFields {
  const st = ctx.sample_type
  const s: PerfSampleFields = {}
  if (st & PERF_SAMPLE_IDENTIFIER) s.identifier = r.u64('identifier')
  if (st & PERF_SAMPLE_IP) s.ip = r.u64('ip')
  if (st & PERF_SAMPLE_TID) {
    s.pid = r.u32('pid')
    s.tid = r.u32('tid')
  }
  if (st & PERF_SAMPLE_TIME) s.time = r.u64('time')
  if (st & PERF_SAMPLE_ADDR) s.addr = r.u64('addr')
  if (st & PERF_SAMPLE_ID) s.id = r.u64('id')
  if (st & PERF_SAMPLE_STREAM_ID) s.stream_id = r.u64('stream_id')
  if (st & PERF_SAMPLE_CPU) {
    s.cpu = r.u32('cpu')
    s.res = r.u32('res')
  }
  if (st & PERF_SAMPLE_PERIOD) s.period = r.u64('period')
  if (st & PERF_SAMPLE_READ) s.read = readReadValues(r, 'read', ctx)
  if (st & PERF_SAMPLE_CALLCHAIN) {
    const nr = r.count('callchain.nr', 8)
    const cc: bigint[] = []
    for (let i = 0; i < nr; i++) cc.push(r.u64(`callchain[${i}]`))
    s.callchain = cc
  }
  if (st & PERF_SAMPLE_RAW) {
    const size = r.u32('raw.size')
    s.raw = r.bytes('raw', size)
  }
  if (st & PERF_SAMPLE_BRANCH_STACK) {
    const bt = ctx.branch_sample_type
    const nrRaw = r.u64('branch_stack.nr')
    const bs: { hw_idx?: bigint; entries: PerfBranchEntry[]; counters?: bigint[] } = { entries: [] }
    if (bt & PERF_SAMPLE_BRANCH_HW_INDEX) bs.hw_idx = r.u64('branch_stack.hw_idx')
    const withCounters = (bt & PERF_SAMPLE_BRANCH_COUNTERS) !== 0
    const nr = r.checkCount('branch_stack.nr', nrRaw, withCounters ? 32 : 24)
    for (let i = 0; i < nr; i++) {
      bs.entries.push({
        from: r.u64(`branch_stack.entries[${i}].from`),
        to: r.u64(`branch_stack.entries[${i}].to`),
        flags: r.u64(`branch_stack.entries[${i}].flags`),
      })
    }
    if (withCounters) {
      const c: bigint[] = []
      for (let i = 0; i < nr; i++) c.push(r.u64(`branch_stack.counters[${i}]`))
      bs.counters = c
    }
    s.branch_stack = bs
  }
  if (st & PERF_SAMPLE_REGS_USER) s.regs_user = readRegs(r, 'regs_user', ctx.sample_regs_user)
  if (st & PERF_SAMPLE_STACK_USER) {
    const size = r.count('stack_user.size', 1)
    const data = r.bytes('stack_user.data', size)
    s.stack_user = size === 0 ? { data } : { data, dyn_size: r.u64('stack_user.dyn_size') }
  }
  if (st & PERF_SAMPLE_WEIGHT) s.weight = r.u64('weight')
  if (st & PERF_SAMPLE_WEIGHT_STRUCT) {
    s.weight_struct = {
      var1_dw: r.u32('weight_struct.var1_dw'),
      var2_w: r.u16('weight_struct.var2_w'),
      var3_w: r.u16('weight_struct.var3_w'),
    }
  }
  if (st & PERF_SAMPLE_DATA_SRC) s.data_src = r.u64('data_src')
  if (st & PERF_SAMPLE_TRANSACTION) s.transaction = r.u64('transaction')
  if (st & PERF_SAMPLE_REGS_INTR) s.regs_intr = readRegs(r, 'regs_intr', ctx.sample_regs_intr)
  if (st & PERF_SAMPLE_PHYS_ADDR) s.phys_addr = r.u64('phys_addr')
  if (st & PERF_SAMPLE_CGROUP) s.cgroup = r.u64('cgroup')
  if (st & PERF_SAMPLE_DATA_PAGE_SIZE) s.data_page_size = r.u64('data_page_size')
  if (st & PERF_SAMPLE_CODE_PAGE_SIZE) s.code_page_size = r.u64('code_page_size')
  if (st & PERF_SAMPLE_AUX) {
    const size = r.count('aux.size', 1)
    s.aux = r.bytes('aux', size)
  }
  return s
}

/** @internal */
export const sampleCodec: RecordCodec<PerfSampleFields> = {
  name: 'SAMPLE',
  type: PERF_RECORD_SAMPLE,
  trailer: false,
  write: writeSampleBody,
  read: readSampleBody,
}

/**
 * Size of a PERF_RECORD_SAMPLE with these fields under `ctx` (header included). Validates the
 * fields; throws {@link PerfError} EINVAL for a missing or bad field, E2BIG above 65535 bytes.
 *
 * @param fields - the sample's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfSample(fields: PerfSampleFields, ctx: PerfRecordContext): number {
  return recordSize(sampleCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_SAMPLE (header and body in `sample_type` emission order) at `offset` of
 * `view`. Nothing is written unless every field is valid; ENOSPC if it does not fit.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the sample's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfSample})
 */
export function writeSample(
  view: DataView,
  offset: number,
  fields: PerfSampleFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(sampleCodec, view, offset, fields, ctx)
}
