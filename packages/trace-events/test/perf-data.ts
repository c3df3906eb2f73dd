/**
 * A minimal perf.data (file mode, "PERFILE2") holding tracepoint samples and a
 * HEADER_TRACING_DATA feature (test helper, from trace-files.md §4 and the UAPI
 * perf_event.h): one tracepoint attr (PERF_TYPE_TRACEPOINT, config = event id, sample_type
 * TID | TIME | CPU | PERIOD | RAW), COMM records, SAMPLE records whose RAW field is the event
 * payload, and the feature table with bit 1 (TRACING_DATA) set.
 */
const HEADER = 104
const ATTR = 128
const SAMPLE_TYPE = 0x2 | 0x4 | 0x80 | 0x100 | 0x400 // TID TIME CPU PERIOD RAW

export interface PerfSample {
  pid: number
  cpu: number
  time: number
  payload: Uint8Array
}

export function perfData(
  eventId: number,
  tracingData: Uint8Array,
  comms: readonly [number, string][],
  samples: readonly PerfSample[],
): Uint8Array {
  const records: Uint8Array[] = []
  for (const [pid, comm] of comms) {
    const name = new TextEncoder().encode(comm)
    const size = 8 + 8 + Math.ceil((name.length + 1) / 8) * 8
    const r = new Uint8Array(size)
    const dv = new DataView(r.buffer)
    dv.setUint32(0, 3, true) // PERF_RECORD_COMM
    dv.setUint16(6, size, true)
    dv.setUint32(8, pid, true)
    dv.setUint32(12, pid, true)
    r.set(name, 16)
    records.push(r)
  }
  for (const s of samples) {
    const raw = Math.ceil((4 + s.payload.length) / 8) * 8 - 4 // 4 + raw size: a multiple of 8
    const size = 8 + 8 + 8 + 8 + 8 + 4 + raw
    const r = new Uint8Array(size)
    const dv = new DataView(r.buffer)
    dv.setUint32(0, 9, true) // PERF_RECORD_SAMPLE
    dv.setUint16(4, 2, true) // PERF_RECORD_MISC_USER
    dv.setUint16(6, size, true)
    dv.setUint32(8, s.pid, true)
    dv.setUint32(12, s.pid, true)
    dv.setBigUint64(16, BigInt(s.time), true)
    dv.setUint32(24, s.cpu, true)
    dv.setBigUint64(32, 1n, true) // period
    dv.setUint32(40, raw, true)
    r.set(s.payload, 44)
    records.push(r)
  }
  const dataSize = records.reduce((n, r) => n + r.length, 0)
  const attrsOffset = HEADER
  const attrsSize = ATTR + 16
  const dataOffset = attrsOffset + attrsSize
  const featuresOffset = dataOffset + dataSize
  const blobOffset = featuresOffset + 16
  const out = new Uint8Array(blobOffset + tracingData.length)
  const dv = new DataView(out.buffer)
  out.set(new TextEncoder().encode('PERFILE2'), 0)
  dv.setBigUint64(8, BigInt(HEADER), true)
  dv.setBigUint64(16, BigInt(attrsSize), true)
  dv.setBigUint64(24, BigInt(attrsOffset), true)
  dv.setBigUint64(32, BigInt(attrsSize), true)
  dv.setBigUint64(40, BigInt(dataOffset), true)
  dv.setBigUint64(48, BigInt(dataSize), true)
  dv.setBigUint64(72, 1n << 1n, true) // HEADER_TRACING_DATA
  // the attr
  dv.setUint32(attrsOffset, 2, true) // PERF_TYPE_TRACEPOINT
  dv.setUint32(attrsOffset + 4, ATTR, true)
  dv.setBigUint64(attrsOffset + 8, BigInt(eventId), true)
  dv.setBigUint64(attrsOffset + 16, 1n, true) // sample_period
  dv.setBigUint64(attrsOffset + 24, BigInt(SAMPLE_TYPE), true)
  dv.setBigUint64(attrsOffset + 40, 1n << 20n, true) // exclude_guest
  let at = dataOffset
  for (const r of records) {
    out.set(r, at)
    at += r.length
  }
  dv.setBigUint64(featuresOffset, BigInt(blobOffset), true)
  dv.setBigUint64(featuresOffset + 8, BigInt(tracingData.length), true)
  out.set(tracingData, blobOffset)
  return out
}
