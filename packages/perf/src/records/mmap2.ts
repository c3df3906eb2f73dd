/**
 * PERF_RECORD_MMAP2: u32 pid, tid; u64 addr, len, pgoff; then either {u32 maj, min; u64 ino,
 * ino_generation} or, when misc has PERF_RECORD_MISC_MMAP_BUILD_ID, {u8 build_id_size; u8, u16
 * reserved; u8 build_id[20]}; u32 prot, flags; char filename[].
 *
 * @packageDocumentation
 */

import {
  PERF_MMAP2_BUILD_ID_MAX,
  PERF_RECORD_MISC_MMAP_BUILD_ID,
  PERF_RECORD_MMAP2,
} from '../constants.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** The fields of PERF_RECORD_MMAP2 common to both forms. */
export interface PerfMmap2Common extends PerfRecordFieldsBase {
  /** Process id. */
  pid: number
  /** Thread id. */
  tid: number
  /** Start address of the mapping. */
  addr: bigint
  /** Length of the mapping. */
  len: bigint
  /** File offset of the mapping. */
  pgoff: bigint
  /** `PROT_*` of the mapping. */
  prot: number
  /** `MAP_*` flags of the mapping. */
  flags: number
  /** Path (NUL-terminated, zero-padded to 8 in the record; decoded as UTF-8). */
  filename: string
}

/** The device/inode form of the MMAP2 union. */
export interface PerfMmap2Inode {
  /** Device major. */
  maj: number
  /** Device minor. */
  min: number
  /** Inode number. */
  ino: bigint
  /** Inode generation. */
  ino_generation: bigint
}

/**
 * The build-id form of the MMAP2 union (misc PERF_RECORD_MISC_MMAP_BUILD_ID, which the emitter
 * sets when `build_id` is given).
 */
export interface PerfMmap2BuildId {
  /** The build id, at most 20 bytes (`build_id_size` = length). */
  build_id: Uint8Array
}

/** Body of PERF_RECORD_MMAP2, in either form. */
export type PerfMmap2Fields = PerfMmap2Common & (PerfMmap2Inode | PerfMmap2BuildId)

/** A decoded PERF_RECORD_MMAP2. */
export type PerfMmap2Record = PerfDecodedHeader<typeof PERF_RECORD_MMAP2> & PerfMmap2Fields

function hasBuildId(f: PerfMmap2Fields): f is PerfMmap2Common & PerfMmap2BuildId {
  return 'build_id' in f && f.build_id !== undefined
}

/** @internal */
export const mmap2Codec: RecordCodec<PerfMmap2Fields> = {
  name: 'MMAP2',
  type: PERF_RECORD_MMAP2,
  trailer: true,
  misc(w, f) {
    const m = f.misc ?? 0
    if (typeof m !== 'number' || !Number.isInteger(m)) return m
    if (hasBuildId(f)) return m | PERF_RECORD_MISC_MMAP_BUILD_ID
    if (m & PERF_RECORD_MISC_MMAP_BUILD_ID)
      w.missing('build_id', 'misc has PERF_RECORD_MISC_MMAP_BUILD_ID but no build_id was given')
    return m
  },
  write(w, f) {
    w.u32('pid', f.pid)
    w.u32('tid', f.tid)
    w.u64('addr', f.addr)
    w.u64('len', f.len)
    w.u64('pgoff', f.pgoff)
    if (hasBuildId(f)) {
      const b = f.build_id
      if (!(b instanceof Uint8Array) || b.length > PERF_MMAP2_BUILD_ID_MAX) {
        w.missing('build_id', `expected a Uint8Array of at most ${PERF_MMAP2_BUILD_ID_MAX} bytes`)
      }
      w.u8('build_id_size', b.length)
      w.zeros(3)
      w.bytes('build_id', b)
      w.zeros(PERF_MMAP2_BUILD_ID_MAX - b.length)
    } else {
      w.u32('maj', f.maj)
      w.u32('min', f.min)
      w.u64('ino', f.ino)
      w.u64('ino_generation', f.ino_generation)
    }
    w.u32('prot', f.prot)
    w.u32('flags', f.flags)
    w.string('filename', f.filename)
  },
  read(r, _ctx, misc) {
    const pid = r.u32('pid')
    const tid = r.u32('tid')
    const addr = r.u64('addr')
    const len = r.u64('len')
    const pgoff = r.u64('pgoff')
    let form: PerfMmap2Inode | PerfMmap2BuildId
    if (misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
      const n = r.u8('build_id_size')
      if (n > PERF_MMAP2_BUILD_ID_MAX)
        r.invalid('build_id_size', `${n} is larger than ${PERF_MMAP2_BUILD_ID_MAX}`)
      r.skip('reserved', 3)
      const all = r.bytes('build_id', PERF_MMAP2_BUILD_ID_MAX)
      form = { build_id: all.slice(0, n) }
    } else {
      form = {
        maj: r.u32('maj'),
        min: r.u32('min'),
        ino: r.u64('ino'),
        ino_generation: r.u64('ino_generation'),
      }
    }
    const prot = r.u32('prot')
    const flags = r.u32('flags')
    const filename = r.string('filename')
    return { pid, tid, addr, len, pgoff, ...form, prot, flags, filename }
  },
}

/**
 * Size of a PERF_RECORD_MMAP2 with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfMmap2(fields: PerfMmap2Fields, ctx: PerfRecordContext): number {
  return recordSize(mmap2Codec, fields, ctx)
}

/**
 * Write a PERF_RECORD_MMAP2 (header, body, `sample_id` trailer) at `offset` of `view`. With
 * `build_id` the build-id form is written and misc gets PERF_RECORD_MISC_MMAP_BUILD_ID.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfMmap2})
 */
export function writeMmap2(
  view: DataView,
  offset: number,
  fields: PerfMmap2Fields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(mmap2Codec, view, offset, fields, ctx)
}
