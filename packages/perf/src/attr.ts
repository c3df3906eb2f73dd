/**
 * `struct perf_event_attr`: the object form completed with the kernel's defaults
 * ({@link makeAttr}) and its byte encoding at the kernel's offsets ({@link encodeAttr},
 * {@link decodeAttr}). The layout is in `attr-layout.ts` (re-exported here), the kernel's
 * validation rules (`perf_copy_attr` / `perf_event_open`) in `attr-validate.ts`.
 *
 * Field types: u64 fields that are addresses, opaque configuration or full 64-bit register
 * masks are `bigint`; every other field is a JS `number` and must be exact (< 2^53), which the
 * decoder checks. All multi-byte values are little-endian (x86-64, the machine the fixtures come
 * from).
 *
 * @packageDocumentation
 */
import {
  PERF_ATTR_SIZE_VER0,
  PERF_ATTR_SIZE_VER7,
  PERF_ATTR_SIZE_VER8,
  PERF_FORMAT_GROUP,
  PERF_FORMAT_ID,
  PERF_FORMAT_LOST,
  PERF_FORMAT_TOTAL_TIME_ENABLED,
  PERF_FORMAT_TOTAL_TIME_RUNNING,
} from './constants.js'
import { shown } from '@onering/trace-events/internal'
import { checkPlain, fail } from './errors.js'
import {
  PERF_ATTR_FLAG_BITS_BY_NAME,
  PERF_ATTR_PUBLISHED_SIZES,
  PERF_ATTR_SIZE_MAX,
  PerfEventAttrOffset,
} from './attr-layout.js'
import type {
  PerfAttrFlagName,
  PerfEventAttr,
  PerfEventAttrFlags,
  PerfEventAttrInit,
} from './attr-layout.js'

// the layout, with the codec (importers of attr.js, the tests among them, find it here)
export {
  PERF_ATTR_CLOCKIDS,
  PERF_ATTR_FLAG_BITS_BY_NAME,
  PERF_ATTR_PUBLISHED_SIZES,
  PERF_ATTR_SIZE_MAX,
  PerfEventAttrOffset,
} from './attr-layout.js'
export type {
  PerfAttrFlagName,
  PerfEventAttr,
  PerfEventAttrFlags,
  PerfEventAttrInit,
} from './attr-layout.js'

const TWO32 = 2 ** 32
const U64_MAX = (1n << 64n) - 1n
const FLAG_NAMES = Object.keys(PERF_ATTR_FLAG_BITS_BY_NAME) as PerfAttrFlagName[]

function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail('EINVAL', field, `expected an integer in [${min}, ${max}], got ${String(v)}`)
  }
  return v
}

function checkU64(field: string, v: unknown): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
    fail('EINVAL', field, `expected a bigint in [0, 2^64), got ${String(v)}`)
  }
  return v
}

function checkBool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail('EINVAL', field, `expected a boolean, got ${String(v)}`)
  return v
}

function union<T>(a: string, av: T | undefined, b: string, bv: T | undefined, dflt: T): T {
  if (av !== undefined && bv !== undefined && av !== bv) {
    fail('EINVAL', a, `${a} and ${b} share storage but were given different values`)
  }
  return av ?? bv ?? dflt
}

/**
 * Fill in every field of an attr: missing fields become 0 / false, `size` becomes
 * {@link PERF_ATTR_SIZE_VER7}, and each C union gets its value under both names. Checks each
 * field's type and range (u32, u16, s32, 0..3 for `precise_ip`, exact integers < 2^53 for the
 * u64 number fields); a wrong one is a {@link PerfError} EINVAL naming the field.
 *
 * @param init - the fields to set
 * @returns a complete attr
 */
export function makeAttr(init: PerfEventAttrInit): PerfEventAttr {
  if (typeof init !== 'object' || init === null) fail('EINVAL', 'attr', 'expected an object')
  checkPlain('attr', init)
  const U32 = TWO32 - 1
  const SAFE = Number.MAX_SAFE_INTEGER
  const period = union('sample_period', init.sample_period, 'sample_freq', init.sample_freq, 0)
  const wakeup = union(
    'wakeup_events',
    init.wakeup_events,
    'wakeup_watermark',
    init.wakeup_watermark,
    0,
  )
  const config1 = union('config1', init.config1, 'bp_addr', init.bp_addr, 0n)
  const config2 = union('config2', init.config2, 'bp_len', init.bp_len, 0n)
  const flags = {} as PerfEventAttrFlags
  for (const name of FLAG_NAMES) flags[name] = checkBool(name, init[name] ?? false)
  return {
    type: checkInt('type', init.type ?? 0, 0, U32),
    size: checkInt('size', init.size ?? PERF_ATTR_SIZE_VER7, 0, U32),
    config: checkU64('config', init.config ?? 0n),
    sample_period: checkInt('sample_period', period, 0, SAFE),
    sample_freq: period,
    sample_type: checkInt('sample_type', init.sample_type ?? 0, 0, SAFE),
    read_format: checkInt('read_format', init.read_format ?? 0, 0, SAFE),
    ...flags,
    precise_ip: checkInt('precise_ip', init.precise_ip ?? 0, 0, 3),
    __reserved_1: checkInt('__reserved_1', init.__reserved_1 ?? 0, 0, 2 ** 26 - 1),
    wakeup_events: checkInt('wakeup_events', wakeup, 0, U32),
    wakeup_watermark: wakeup,
    bp_type: checkInt('bp_type', init.bp_type ?? 0, 0, U32),
    config1: checkU64('config1', config1),
    bp_addr: config1,
    config2: checkU64('config2', config2),
    bp_len: config2,
    branch_sample_type: checkInt('branch_sample_type', init.branch_sample_type ?? 0, 0, SAFE),
    sample_regs_user: checkU64('sample_regs_user', init.sample_regs_user ?? 0n),
    sample_stack_user: checkInt('sample_stack_user', init.sample_stack_user ?? 0, 0, U32),
    clockid: checkInt('clockid', init.clockid ?? 0, -(2 ** 31), 2 ** 31 - 1),
    sample_regs_intr: checkU64('sample_regs_intr', init.sample_regs_intr ?? 0n),
    aux_watermark: checkInt('aux_watermark', init.aux_watermark ?? 0, 0, U32),
    sample_max_stack: checkInt('sample_max_stack', init.sample_max_stack ?? 0, 0, 0xffff),
    __reserved_2: checkInt('__reserved_2', init.__reserved_2 ?? 0, 0, 0xffff),
    aux_sample_size: checkInt('aux_sample_size', init.aux_sample_size ?? 0, 0, U32),
    aux_start_paused: checkBool('aux_start_paused', init.aux_start_paused ?? false),
    aux_pause: checkBool('aux_pause', init.aux_pause ?? false),
    aux_resume: checkBool('aux_resume', init.aux_resume ?? false),
    __reserved_3: checkInt('__reserved_3', init.__reserved_3 ?? 0, 0, 2 ** 29 - 1),
    sig_data: checkU64('sig_data', init.sig_data ?? 0n),
    config3: checkU64('config3', init.config3 ?? 0n),
  }
}

function setU64(dv: DataView, off: number, v: number): void {
  const hi = Math.floor(v / TWO32)
  dv.setUint32(off, v - hi * TWO32, true)
  dv.setUint32(off + 4, hi, true)
}

function getU64Number(dv: DataView, off: number, field: string): number {
  const hi = dv.getUint32(off + 4, true)
  if (hi >= 2 ** 21)
    fail(
      'EINVAL',
      field,
      `value 0x${dv.getBigUint64(off, true).toString(16)} is not exact as a number`,
    )
  return hi * TWO32 + dv.getUint32(off, true)
}

/**
 * The size the kernel uses for an attr whose `size` field is `size`: 0 means
 * {@link PERF_ATTR_SIZE_VER0} (the ABI quirk in `perf_copy_attr`).
 *
 * @param size - the `size` field
 * @returns the effective size
 */
export function effectiveAttrSize(size: number): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > 0xffffffff)
    fail('EINVAL', 'size', `${shown(size)} is not a u32 attr size`)
  return size === 0 ? PERF_ATTR_SIZE_VER0 : size
}

/** @internal */
export function checkSize(size: number): number {
  const eff = effectiveAttrSize(size)
  if (eff < PERF_ATTR_SIZE_VER0)
    fail('E2BIG', 'size', `${size} is smaller than PERF_ATTR_SIZE_VER0 (64)`)
  if (eff <= PERF_ATTR_SIZE_VER8 && !PERF_ATTR_PUBLISHED_SIZES.includes(eff)) {
    fail(
      'E2BIG',
      'size',
      `${size} is not a published size (VER0..VER8: ${PERF_ATTR_PUBLISHED_SIZES.join(', ')})`,
    )
  }
  if (eff > PERF_ATTR_SIZE_MAX)
    fail('E2BIG', 'size', `${size} is larger than PAGE_SIZE (${PERF_ATTR_SIZE_MAX})`)
  return eff
}

/**
 * Encode an attr at the kernel's offsets. The result is {@link PERF_ATTR_SIZE_VER7} (128) bytes,
 * or `size` bytes when the effective size is larger (VER8: 136, with `config3`; a larger,
 * unknown size gets a zero tail, which the kernel accepts). The `size` field is written as
 * given (default VER7).
 *
 * Throws a {@link PerfError}: EINVAL for a field of the wrong type or range, or for a non-zero
 * field that lies past the declared `size` (the kernel would never read it); E2BIG for a `size`
 * that {@link validateAttr} would reject as E2BIG.
 *
 * @param attr - the attr (missing fields are 0)
 * @returns the encoded bytes
 */
export function encodeAttr(attr: PerfEventAttrInit): Uint8Array {
  const a = makeAttr(attr)
  const eff = checkSize(a.size)
  const out = new Uint8Array(Math.max(PERF_ATTR_SIZE_VER7, eff))
  const dv = new DataView(out.buffer)
  const O = PerfEventAttrOffset
  dv.setUint32(O.type, a.type, true)
  dv.setUint32(O.size, a.size, true)
  dv.setBigUint64(O.config, a.config, true)
  setU64(dv, O.sample_period, a.sample_period)
  setU64(dv, O.sample_type, a.sample_type)
  setU64(dv, O.read_format, a.read_format)
  let lo = 0
  let hi = a.__reserved_1 * 64
  for (const name of FLAG_NAMES) {
    if (!a[name]) continue
    const bit = PERF_ATTR_FLAG_BITS_BY_NAME[name]
    if (bit < 32) lo = (lo | (1 << bit)) >>> 0
    else hi += 2 ** (bit - 32)
  }
  lo = (lo | (a.precise_ip << 15)) >>> 0
  dv.setUint32(O.flags, lo, true)
  dv.setUint32(O.flags + 4, hi, true)
  dv.setUint32(O.wakeup_events, a.wakeup_events, true)
  dv.setUint32(O.bp_type, a.bp_type, true)
  dv.setBigUint64(O.config1, a.config1, true)
  dv.setBigUint64(O.config2, a.config2, true)
  setU64(dv, O.branch_sample_type, a.branch_sample_type)
  dv.setBigUint64(O.sample_regs_user, a.sample_regs_user, true)
  dv.setUint32(O.sample_stack_user, a.sample_stack_user, true)
  dv.setInt32(O.clockid, a.clockid, true)
  dv.setBigUint64(O.sample_regs_intr, a.sample_regs_intr, true)
  dv.setUint32(O.aux_watermark, a.aux_watermark, true)
  dv.setUint16(O.sample_max_stack, a.sample_max_stack, true)
  dv.setUint16(O.__reserved_2, a.__reserved_2, true)
  dv.setUint32(O.aux_sample_size, a.aux_sample_size, true)
  const auxAction =
    (a.aux_start_paused ? 1 : 0) |
    (a.aux_pause ? 2 : 0) |
    (a.aux_resume ? 4 : 0) |
    (a.__reserved_3 << 3)
  dv.setUint32(O.aux_action, auxAction >>> 0, true)
  dv.setBigUint64(O.sig_data, a.sig_data, true)
  if (out.length >= PERF_ATTR_SIZE_VER8) dv.setBigUint64(O.config3, a.config3, true)
  else if (a.config3 !== 0n)
    fail('EINVAL', 'config3', `needs size >= PERF_ATTR_SIZE_VER8 (136), size is ${a.size}`)
  // A non-zero byte past the declared size would be invisible to the kernel: refuse it.
  for (let i = eff; i < out.length; i++) {
    if (out[i] !== 0) fail('EINVAL', fieldAt(i), `non-zero but past attr.size ${a.size}`)
  }
  return out
}

function fieldAt(off: number): string {
  let best = 'type'
  let bestOff = -1
  for (const [name, o] of Object.entries(PerfEventAttrOffset)) {
    if (o <= off && o > bestOff) {
      best = name
      bestOff = o
    }
  }
  return best
}

/**
 * Decode an attr the way the kernel reads one (`perf_copy_attr`): `size` 0 means VER0 (64);
 * the first `size` bytes are read and every field past them is 0. Any published size VER0..VER8
 * is accepted; a larger size is accepted up to `PAGE_SIZE` (4096) if every byte past VER8 is
 * zero. The decoded `size` is the raw field (0 stays 0); both names of each union are set.
 *
 * Throws a {@link PerfError}: E2BIG for a size below VER0, an unpublished size up to VER8, a size
 * above 4096 or a non-zero tail past VER8; EINVAL if `bytes` is shorter than the size (or than 8
 * bytes) or a number field (`sample_period`, `sample_type`, `read_format`,
 * `branch_sample_type`) is not exact below 2^53.
 *
 * @param bytes - the attr bytes
 * @returns the attr
 */
export function decodeAttr(bytes: Uint8Array): PerfEventAttr {
  if (!(bytes instanceof Uint8Array)) fail('EINVAL', 'bytes', 'expected a Uint8Array')
  if (bytes.length < 8) fail('EINVAL', 'bytes', `${bytes.length} bytes is too short for an attr`)
  const raw = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const size = raw.getUint32(PerfEventAttrOffset.size, true)
  const eff = checkSize(size)
  if (bytes.length < eff) fail('EINVAL', 'bytes', `${bytes.length} bytes but attr.size is ${size}`)
  for (let i = PERF_ATTR_SIZE_VER8; i < eff; i++) {
    if (bytes[i] !== 0)
      fail('E2BIG', 'size', `${size} is larger than PERF_ATTR_SIZE_VER8 and byte ${i} is not zero`)
  }
  const buf = new Uint8Array(PERF_ATTR_SIZE_VER8)
  buf.set(bytes.subarray(0, Math.min(eff, PERF_ATTR_SIZE_VER8)))
  const dv = new DataView(buf.buffer)
  const O = PerfEventAttrOffset
  const lo = dv.getUint32(O.flags, true)
  const hi = dv.getUint32(O.flags + 4, true)
  const flags = {} as PerfEventAttrFlags
  for (const name of FLAG_NAMES) {
    const bit = PERF_ATTR_FLAG_BITS_BY_NAME[name]
    flags[name] = bit < 32 ? ((lo >>> bit) & 1) === 1 : ((hi >>> (bit - 32)) & 1) === 1
  }
  const period = getU64Number(dv, O.sample_period, 'sample_period')
  const wakeup = dv.getUint32(O.wakeup_events, true)
  const config1 = dv.getBigUint64(O.config1, true)
  const config2 = dv.getBigUint64(O.config2, true)
  const auxAction = dv.getUint32(O.aux_action, true)
  return {
    type: dv.getUint32(O.type, true),
    size,
    config: dv.getBigUint64(O.config, true),
    sample_period: period,
    sample_freq: period,
    sample_type: getU64Number(dv, O.sample_type, 'sample_type'),
    read_format: getU64Number(dv, O.read_format, 'read_format'),
    ...flags,
    precise_ip: (lo >>> 15) & 3,
    __reserved_1: hi >>> 6,
    wakeup_events: wakeup,
    wakeup_watermark: wakeup,
    bp_type: dv.getUint32(O.bp_type, true),
    config1,
    bp_addr: config1,
    config2,
    bp_len: config2,
    branch_sample_type: getU64Number(dv, O.branch_sample_type, 'branch_sample_type'),
    sample_regs_user: dv.getBigUint64(O.sample_regs_user, true),
    sample_stack_user: dv.getUint32(O.sample_stack_user, true),
    clockid: dv.getInt32(O.clockid, true),
    sample_regs_intr: dv.getBigUint64(O.sample_regs_intr, true),
    aux_watermark: dv.getUint32(O.aux_watermark, true),
    sample_max_stack: dv.getUint16(O.sample_max_stack, true),
    __reserved_2: dv.getUint16(O.__reserved_2, true),
    aux_sample_size: dv.getUint32(O.aux_sample_size, true),
    aux_start_paused: (auxAction & 1) !== 0,
    aux_pause: (auxAction & 2) !== 0,
    aux_resume: (auxAction & 4) !== 0,
    __reserved_3: auxAction >>> 3,
    sig_data: dv.getBigUint64(O.sig_data, true),
    config3: dv.getBigUint64(O.config3, true),
  }
}

/**
 * Bytes of the `read_format` values for a group of `nr` events
 * (`__perf_event_read_size`): {value, [id], [lost]} per event, plus [time_enabled],
 * [time_running] and, with PERF_FORMAT_GROUP, the u64 nr. Without GROUP, `nr` is ignored.
 *
 * @param read_format - `PERF_FORMAT_*` bits
 * @param nr - events in the group, leader included
 * @returns the size in bytes
 */
export function readFormatSize(read_format: number, nr: number = 1): number {
  if (
    typeof read_format !== 'number' ||
    !Number.isInteger(read_format) ||
    read_format < 0 ||
    read_format > 0xffffffff
  )
    fail('EINVAL', 'read_format', `${shown(read_format)} is not a set of PERF_FORMAT_* bits`)
  if (typeof nr !== 'number' || !Number.isInteger(nr) || nr < 1 || nr > 0xffff)
    fail('EINVAL', 'nr', `${shown(nr)} is not a group size in [1, 65535]`)
  let entry = 8
  let size = 0
  if (read_format & PERF_FORMAT_TOTAL_TIME_ENABLED) size += 8
  if (read_format & PERF_FORMAT_TOTAL_TIME_RUNNING) size += 8
  if (read_format & PERF_FORMAT_ID) entry += 8
  if (read_format & PERF_FORMAT_LOST) entry += 8
  let n = 1
  if (read_format & PERF_FORMAT_GROUP) {
    n = nr
    size += 8
  }
  return size + n * entry
}
