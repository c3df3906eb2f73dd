/**
 * The kernel-bytes oracle: every kernel record of a perf-made file, decoded, then encoded again
 * from a fresh object holding only the decoded fields (a structured clone: no view or raw
 * record bytes carried along), must be the file's bytes exactly.
 */
import { writeRecord } from '@onering/perf'
import type { PerfRecordInput } from '@onering/perf'
import { expect } from 'vitest'
import { PERF_RECORD_USER_TYPE_START, recordTypeName } from '../src/index.js'
import type { PerfDataReader } from '../src/index.js'

/** Re-encode every kernel record of `file`; returns the count per record type name. */
export function reencodeKernelRecords(file: PerfDataReader): Map<string, number> {
  const seen = new Map<string, number>()
  for (const r of file.records()) {
    if (r.type >= PERF_RECORD_USER_TYPE_START) continue
    expect(r.evsel, `record at ${r.offset}`).toBeDefined()
    expect(r.record.type).toBe(r.type)
    const fresh = structuredClone(r.record) as PerfRecordInput
    const out = new Uint8Array(r.size)
    const n = writeRecord(new DataView(out.buffer), 0, fresh, r.evsel!.ctx)
    expect(n, `${recordTypeName(r.type)} at ${r.offset}`).toBe(r.size)
    expect(out, `${recordTypeName(r.type)} at ${r.offset}`).toEqual(
      file.bytes.subarray(r.offset, r.offset + r.size),
    )
    const name = recordTypeName(r.type)
    seen.set(name, (seen.get(name) ?? 0) + 1)
  }
  return seen
}
