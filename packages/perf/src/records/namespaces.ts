/**
 * PERF_RECORD_NAMESPACES: u32 pid, tid; u64 nr_namespaces; {u64 dev, inode}[nr]
 * (indexes NET_NS_INDEX 0 … CGROUP_NS_INDEX 6).
 *
 * @packageDocumentation
 */

import { PERF_RECORD_NAMESPACES } from '../constants.js'
import { isArray } from './codec.js'
import type { PerfRecordContext } from './context.js'
import { recordSize, recordWrite } from './define.js'
import type { RecordCodec } from './define.js'
import type { PerfDecodedHeader, PerfRecordFieldsBase } from './header.js'

/** One `struct perf_ns_link_info`. */
export interface PerfNsLinkInfo {
  /** Device of the namespace file. */
  dev: bigint
  /** Inode of the namespace file. */
  inode: bigint
}

/** Body of PERF_RECORD_NAMESPACES. */
export interface PerfNamespacesFields extends PerfRecordFieldsBase {
  /** Process id. */
  pid: number
  /** Thread id. */
  tid: number
  /** One entry per namespace, by `*_NS_INDEX` (`nr_namespaces` = length). */
  namespaces: readonly PerfNsLinkInfo[]
}

/** A decoded PERF_RECORD_NAMESPACES. */
export type PerfNamespacesRecord = PerfDecodedHeader<typeof PERF_RECORD_NAMESPACES> &
  PerfNamespacesFields

/** @internal */
export const namespacesCodec: RecordCodec<PerfNamespacesFields> = {
  name: 'NAMESPACES',
  type: PERF_RECORD_NAMESPACES,
  trailer: true,
  write(w, f) {
    w.u32('pid', f.pid)
    w.u32('tid', f.tid)
    if (!isArray(f.namespaces)) w.missing('namespaces', 'expected an array')
    w.u64n('nr_namespaces', f.namespaces.length)
    f.namespaces.forEach((ns, i) => {
      if (typeof ns !== 'object' || ns === null) w.missing(`namespaces[${i}]`, 'expected an object')
      w.u64(`namespaces[${i}].dev`, ns.dev)
      w.u64(`namespaces[${i}].inode`, ns.inode)
    })
  },
  read(r) {
    const pid = r.u32('pid')
    const tid = r.u32('tid')
    const nr = r.count('nr_namespaces', 16)
    const namespaces: PerfNsLinkInfo[] = []
    for (let i = 0; i < nr; i++) {
      namespaces.push({
        dev: r.u64(`namespaces[${i}].dev`),
        inode: r.u64(`namespaces[${i}].inode`),
      })
    }
    return { pid, tid, namespaces }
  },
}

/**
 * Size of a PERF_RECORD_NAMESPACES with these fields under `ctx` (header and `sample_id` trailer
 * included). Validates the fields; throws {@link PerfError} EINVAL for a bad field, E2BIG above
 * 65535 bytes.
 *
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the size in bytes, a multiple of 8
 */
export function sizeOfNamespaces(fields: PerfNamespacesFields, ctx: PerfRecordContext): number {
  return recordSize(namespacesCodec, fields, ctx)
}

/**
 * Write a PERF_RECORD_NAMESPACES (header, body, `sample_id` trailer) at `offset` of `view`.
 * Nothing is written unless every field is valid; ENOSPC if it does not fit in the view.
 *
 * @param view - the destination
 * @param offset - byte offset of the header
 * @param fields - the record's fields
 * @param ctx - the event's record context
 * @returns the bytes written (= {@link sizeOfNamespaces})
 */
export function writeNamespaces(
  view: DataView,
  offset: number,
  fields: PerfNamespacesFields,
  ctx: PerfRecordContext,
): number {
  return recordWrite(namespacesCodec, view, offset, fields, ctx)
}
