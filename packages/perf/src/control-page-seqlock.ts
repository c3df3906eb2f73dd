/**
 * The seqlock of the control page's self-monitoring fields (`lock`, the seqcount): the reader
 * side of libperf's `perf_mmap__read_self` ({@link readSelf}) and the writer side of the
 * kernel's `perf_event_update_userpage` ({@link writeSelf}). A protocol, written out step by
 * step; the fields it covers are the `self` rows of `PERF_MMAP_PAGE_FIELDS`.
 *
 * @packageDocumentation
 */
import { PERF_MMAP_PAGE_STRUCT_SIZE, PerfMmapPageOffset } from './constants.js'
import { PERF_MMAP_PAGE_FIELDS } from './control-page-layout.js'
import type {
  PageField,
  PerfEventMmapPageFields,
  PerfMmapCapabilities,
} from './control-page-layout.js'
import { PerfEventMmapPage, decodeCapabilities } from './control-page.js'
import { shown } from '@onering/trace-events/internal'
import { checkPlain, fail } from './errors.js'

const O = PerfMmapPageOffset

/** The self-monitoring fields (written under `lock`), in struct order: what {@link writeSelf} stores. */
const SELF_FIELDS: readonly PageField[] = PERF_MMAP_PAGE_FIELDS.filter((f) => 'self' in f)

/** The self-monitoring fields of the control page, read under its seqlock. */
export interface PerfMmapSelf extends PerfMmapCapabilities {
  /** The (even) `lock` value the snapshot was taken under. */
  lock: number
  /** `index`: hardware counter + 1, 0 if rdpmc cannot be used. */
  index: number
  /** `offset` (signed). */
  offset: bigint
  /** `time_enabled`. */
  time_enabled: bigint
  /** `time_running`. */
  time_running: bigint
  /** `capabilities`. */
  capabilities: bigint
  /** `pmc_width`. */
  pmc_width: number
  /** `time_shift`. */
  time_shift: number
  /** `time_mult`. */
  time_mult: number
  /** `time_offset`. */
  time_offset: bigint
  /** `time_zero`. */
  time_zero: bigint
  /** `time_cycles`. */
  time_cycles: bigint
  /** `time_mask`. */
  time_mask: bigint
}

/** Options of {@link readSelf}. */
export interface ReadSelfOptions {
  /** Attempts before giving up (default 10000, like perf's `perf_read_tsc_conversion`). */
  maxTries?: number
}

/**
 * Read the self-monitoring fields of a control page consistently, under its seqlock, the way
 * libperf's `perf_mmap__read_self` and perf's `perf_read_tsc_conversion` do: load `lock`,
 * read the fields, load `lock` again, and retry while it was odd (an update in progress) or
 * changed. rdpmc/rdtsc are not available to JavaScript, so this returns the fields and leaves
 * the counter arithmetic to the caller (see `./time.js`).
 *
 * Never loops forever: after `maxTries` attempts it throws a `PerfError` `EINVAL`
 * (perf's `perf_read_tsc_conversion` returns `-EINVAL` after 10000).
 *
 * @param page - the page accessors, or the mapping bytes
 * @param options - retry bound
 * @returns a consistent snapshot
 */
export function readSelf(
  page: PerfEventMmapPage | Uint8Array,
  options: ReadSelfOptions = {},
): PerfMmapSelf {
  if (!(page instanceof PerfEventMmapPage) && !(page instanceof Uint8Array))
    fail('EINVAL', 'page', `expected a PerfEventMmapPage or its bytes, got ${shown(page)}`)
  checkPlain('options', options)
  if (page instanceof Uint8Array && page.length < PERF_MMAP_PAGE_STRUCT_SIZE)
    fail('EINVAL', 'page', `${page.length} bytes hold no perf_event_mmap_page`)
  const pc = page instanceof PerfEventMmapPage ? page : new PerfEventMmapPage(page)
  const maxTries = options.maxTries ?? 10_000
  if (typeof maxTries !== 'number' || !Number.isSafeInteger(maxTries) || maxTries < 1)
    fail('EINVAL', 'maxTries', `expected a positive integer, got ${String(maxTries)}`)
  let last = 0
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const seq = pc.lock
    last = seq
    if ((seq & 1) !== 0) continue
    const capabilities = pc.capabilities
    const snap: PerfMmapSelf = {
      lock: seq,
      index: pc.index,
      offset: pc.offset,
      time_enabled: pc.time_enabled,
      time_running: pc.time_running,
      capabilities,
      ...decodeCapabilities(capabilities),
      pmc_width: pc.pmc_width,
      time_shift: pc.time_shift,
      time_mult: pc.time_mult,
      time_offset: pc.time_offset,
      time_zero: pc.time_zero,
      time_cycles: pc.time_cycles,
      time_mask: pc.time_mask,
    }
    if (pc.lock === seq) return snap
  }
  return fail(
    'EINVAL',
    'lock',
    `no stable snapshot of perf_event_mmap_page after ${maxTries} tries (last lock ${last})`,
  )
}

/** The fields {@link writeSelf} may update. */
export type PerfMmapSelfUpdate = Partial<
  Pick<
    PerfEventMmapPageFields,
    | 'index'
    | 'offset'
    | 'time_enabled'
    | 'time_running'
    | 'capabilities'
    | 'pmc_width'
    | 'time_shift'
    | 'time_mult'
    | 'time_offset'
    | 'time_zero'
    | 'time_cycles'
    | 'time_mask'
  >
>

/**
 * The writer side of the seqlock (the kernel's `perf_event_update_userpage`): `++lock`,
 * store the fields, `++lock`. With a `SharedArrayBuffer` the increments are `Atomics.add`
 * (sequentially consistent, which covers the kernel's two `barrier()`s). For producers that
 * emulate the kernel (tests, onering's own perf producer); a single writer is assumed.
 *
 * @param page - the page accessors
 * @param fields - the fields to store; every value is validated before `lock` is touched
 */
export function writeSelf(page: PerfEventMmapPage, fields: PerfMmapSelfUpdate): void {
  if (!(page instanceof PerfEventMmapPage)) fail('EINVAL', 'page', 'expected a PerfEventMmapPage')
  if (typeof fields !== 'object' || fields === null)
    fail('EINVAL', 'update', `expected an object of fields, got ${shown(fields)}`)
  checkPlain('update', fields)
  // validate first, so a bad call never leaves lock odd
  const scratch = new PerfEventMmapPage(new Uint8Array(PERF_MMAP_PAGE_STRUCT_SIZE))
  assignSelf(scratch, fields)
  bumpLock(page)
  assignSelf(page, fields)
  bumpLock(page)
}

/** Store the fields `f` gives, in struct order; each setter checks its value (PerfError EINVAL). */
function assignSelf(pc: PerfEventMmapPage, f: PerfMmapSelfUpdate): void {
  const from = f as Record<string, unknown>
  const to = pc as unknown as Record<string, unknown>
  for (const { name } of SELF_FIELDS) {
    const v = from[name]
    if (v !== undefined) to[name] = v
  }
}

function bumpLock(pc: PerfEventMmapPage): void {
  if (pc.shared) {
    const u32 = new Uint32Array(pc.bytes.buffer, pc.bytes.byteOffset + O.lock, 1)
    Atomics.add(u32, 0, 1)
  } else {
    pc.lock = (pc.lock + 1) >>> 0
  }
}
