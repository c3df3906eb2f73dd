/**
 * The feature sections of perf.data (linux `tools/perf/util/header.c`, `write_*` /
 * `process_*`): the ones perf 6.1's tools read — TRACING_DATA (the tracing-data block of
 * `@onering/trace-events`, version "0.6"), HOSTNAME, OSRELEASE, VERSION, ARCH, NRCPUS, CPUDESC,
 * CPUID, TOTAL_MEM, CMDLINE, EVENT_DESC, SAMPLE_TIME, CLOCKID, CLOCK_DATA — decoded and encoded;
 * every section's bytes are also kept as they are.
 *
 * @packageDocumentation
 */
import type { PerfEventAttr, PerfEventAttrInit } from '@onering/perf'
import { readTracingData, TracingDataError, writeTracingData } from '@onering/trace-events'
import type { TracingData } from '@onering/trace-events'
import { checkBytes, checkInt, checkObject, checkString, checkU64 } from './check.js'
import { fileAttrBytes, readFileAttr } from './file-attr.js'
import { FileCursor } from './file-cursor.js'
import { featureName, PERF_FILE_ATTR_SIZE_61, PerfFeature } from './file-format.js'
import type { PerfFileHeader, PerfFileSection } from './file-header.js'
import { headerStringBytes, headerStringListBytes } from './header-string.js'

/** One event of the EVENT_DESC feature: its attr, name and sample ids. */
export interface PerfEventDesc {
  /** The attr. */
  readonly attr: PerfEventAttr
  /** The event's name (`cpu-clock`, `sched:sched_switch`). */
  readonly name: string
  /** Its sample ids (one per CPU/thread fd). */
  readonly ids: readonly bigint[]
}

/** NRCPUS: CPUs the machine has and CPUs online. */
export interface PerfNrCpus {
  /** `nr_cpus_avail`. */
  readonly available: number
  /** `nr_cpus_online`. */
  readonly online: number
}

/** CLOCK_DATA: one instant read on the wall clock and on the events' clock. */
export interface PerfClockData {
  /** The events' `clockid` (1 = CLOCK_MONOTONIC, the kernel's `mono`). */
  readonly clockid: number
  /** CLOCK_REALTIME at that instant, in ns. */
  readonly wallNs: bigint
  /** The clock `clockid` at that instant, in ns. */
  readonly clockNs: bigint
}

/** The decoded features of a file (those present). */
export interface PerfDataFeatures {
  /** TRACING_DATA: event formats, kallsyms, printk formats, cmdlines. */
  readonly tracingData?: TracingData
  /** HOSTNAME. */
  readonly hostname?: string
  /** OSRELEASE (`uname -r`). */
  readonly osRelease?: string
  /** VERSION: the recording tool's version. */
  readonly version?: string
  /** ARCH (`uname -m`). */
  readonly arch?: string
  /** NRCPUS. */
  readonly nrCpus?: PerfNrCpus
  /** CPUDESC: the CPU model string. */
  readonly cpuDesc?: string
  /** CPUID: the vendor,family,model,stepping string. */
  readonly cpuId?: string
  /** TOTAL_MEM in kB. */
  readonly totalMem?: bigint
  /** CMDLINE: the recording command line, word by word. */
  readonly cmdline?: readonly string[]
  /** EVENT_DESC: every event's attr, name and ids. */
  readonly eventDesc?: readonly PerfEventDesc[]
  /** SAMPLE_TIME: the first and last sample times. */
  readonly sampleTime?: { readonly first: bigint; readonly last: bigint }
  /** CLOCKID: the resolution of the events' clock in ns (`clockid_res_ns`; 1 for `mono`). */
  readonly clockResNs?: bigint
  /** CLOCK_DATA. */
  readonly clockData?: PerfClockData
}

/** What the writer takes for EVENT_DESC: an attr (written at size 128), a name and the ids. */
export interface PerfEventDescInit {
  /** The attr. */
  readonly attr: PerfEventAttrInit
  /** The name perf shows. */
  readonly name: string
  /** The sample ids. */
  readonly ids: readonly bigint[]
}

/** The features a writer takes: {@link PerfDataFeatures} with EVENT_DESC from attr inits. */
export type PerfDataFeaturesInit = Omit<PerfDataFeatures, 'eventDesc'> & {
  /** EVENT_DESC. */
  readonly eventDesc?: readonly PerfEventDescInit[]
}

/** Where each feature section is and its decoded contents. */
export interface PerfDataFeatureSections {
  /** The decoded features. */
  readonly features: PerfDataFeatures
  /** Every set feature bit's section, by bit. */
  readonly sections: ReadonlyMap<number, PerfFileSection>
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

function decodeOne(bit: number, c: FileCursor, out: Mutable<PerfDataFeatures>): void {
  const str = (): string => c.headerString(featureName(bit))
  switch (bit) {
    case PerfFeature.TRACING_DATA:
      try {
        out.tracingData = readTracingData(c.bytes.subarray(c.at, c.end)).data
      } catch (e) {
        if (e instanceof TracingDataError)
          c.fail(c.at + e.offset, `tracing data, ${e.section}: ${e.message}`)
        throw e
      }
      return
    case PerfFeature.HOSTNAME:
      out.hostname = str()
      return
    case PerfFeature.OSRELEASE:
      out.osRelease = str()
      return
    case PerfFeature.VERSION:
      out.version = str()
      return
    case PerfFeature.ARCH:
      out.arch = str()
      return
    case PerfFeature.CPUDESC:
      out.cpuDesc = str()
      return
    case PerfFeature.CPUID:
      out.cpuId = str()
      return
    case PerfFeature.NRCPUS: {
      const available = c.u32()
      out.nrCpus = { available, online: c.u32() }
      return
    }
    case PerfFeature.TOTAL_MEM:
      out.totalMem = c.u64()
      return
    case PerfFeature.CMDLINE: {
      const where = c.at
      const n = c.count(c.u32(), 4, 'cmdline word count', where)
      const words: string[] = []
      for (let i = 0; i < n; i++) words.push(str())
      out.cmdline = words
      return
    }
    case PerfFeature.EVENT_DESC: {
      const where = c.at
      const nr = c.u32()
      const attrSize = c.u32()
      if (attrSize < 64) c.fail(where + 4, `attr size ${attrSize} is below 64`)
      c.count(nr, attrSize + 8, 'event count', where)
      const events: PerfEventDesc[] = []
      for (let i = 0; i < nr; i++) {
        c.need(attrSize)
        const attr = readFileAttr(c.bytes, c.at, attrSize, c.section)
        c.at += attrSize
        const idsAt = c.at
        const nrIds = c.u32()
        const name = str()
        c.count(nrIds, 8, 'id count', idsAt)
        const ids: bigint[] = []
        for (let k = 0; k < nrIds; k++) ids.push(c.u64())
        events.push({ attr, name, ids })
      }
      out.eventDesc = events
      return
    }
    case PerfFeature.SAMPLE_TIME: {
      const first = c.u64()
      out.sampleTime = { first, last: c.u64() }
      return
    }
    case PerfFeature.CLOCKID:
      out.clockResNs = c.u64()
      return
    case PerfFeature.CLOCK_DATA: {
      const version = c.u32()
      if (version !== 1) c.fail(c.at - 4, `CLOCK_DATA version ${version} is not 1`)
      const clockid = c.u32()
      const wallNs = c.u64()
      out.clockData = { clockid, wallNs, clockNs: c.u64() }
      return
    }
    default:
  }
}

/**
 * `perf_header__process_sections`: read the feature table at the end of the data section and
 * decode the features this package knows; the others are only located.
 *
 * @throws PerfDataError naming `feature table` or `feature <NAME>` and the byte offset.
 */
export function decodeFeatures(bytes: Uint8Array, header: PerfFileHeader): PerfDataFeatureSections {
  checkBytes(bytes, 'bytes')
  checkObject(header, 'header')
  checkObject(header.data, 'header.data')
  checkInt(header.data.offset, 'header.data.offset', 0, Number.MAX_SAFE_INTEGER)
  checkInt(header.data.size, 'header.data.size', 0, Number.MAX_SAFE_INTEGER)
  if (!Array.isArray(header.features))
    throw new TypeError('header.features: expected an array of feature bits')
  for (const bit of header.features) checkInt(bit, 'header.features', 0, 255)
  const tableAt = header.data.offset + header.data.size
  const table = new FileCursor(
    bytes,
    'feature table',
    Math.min(tableAt, bytes.length),
    bytes.length,
  )
  if (tableAt > bytes.length) table.fail(tableAt, 'starts past the end of the file')
  table.need(16 * header.features.length)
  const sections = new Map<number, PerfFileSection>()
  const out: Mutable<PerfDataFeatures> = {}
  for (const bit of header.features as readonly number[]) {
    const at = table.at
    const offset = table.size('feature offset')
    const size = table.size('feature size')
    if (offset + size > bytes.length)
      table.fail(
        at,
        `${featureName(bit)} section [${offset}, ${offset + size}) runs past the ${bytes.length}-byte file`,
      )
    sections.set(bit, { offset, size })
    decodeOne(bit, new FileCursor(bytes, `feature ${featureName(bit)}`, offset, offset + size), out)
  }
  return { features: out, sections }
}

/** @internal Check the types of a features object (names in messages: `hostname`, `nrCpus.online`, …). */
export function checkFeatures(f: unknown, name: string): void {
  const o = checkObject(f, name)
  for (const k of ['hostname', 'osRelease', 'version', 'arch', 'cpuDesc', 'cpuId'] as const)
    if (o[k] !== undefined) checkString(o[k], k)
  if (o['tracingData'] !== undefined) checkObject(o['tracingData'], 'tracingData')
  if (o['nrCpus'] !== undefined) {
    const n = checkObject(o['nrCpus'], 'nrCpus')
    checkInt(n['available'], 'nrCpus.available', 0, 0xffffffff)
    checkInt(n['online'], 'nrCpus.online', 0, 0xffffffff)
  }
  for (const k of ['totalMem', 'clockResNs'] as const) if (o[k] !== undefined) checkU64(o[k], k)
  if (o['cmdline'] !== undefined) {
    if (!Array.isArray(o['cmdline'])) throw new TypeError('cmdline: expected an array of strings')
    o['cmdline'].forEach((w, i) => checkString(w, `cmdline[${i}]`))
  }
  if (o['eventDesc'] !== undefined) {
    if (!Array.isArray(o['eventDesc'])) throw new TypeError('eventDesc: expected an array')
    o['eventDesc'].forEach((e: unknown, i) => {
      const d = checkObject(e, `eventDesc[${i}]`)
      checkObject(d['attr'], `eventDesc[${i}].attr`)
      checkString(d['name'], `eventDesc[${i}].name`)
      if (!Array.isArray(d['ids']))
        throw new TypeError(`eventDesc[${i}].ids: expected an array of bigints`)
      d['ids'].forEach((id, k) => checkU64(id, `eventDesc[${i}].ids[${k}]`))
    })
  }
  if (o['sampleTime'] !== undefined) {
    const t = checkObject(o['sampleTime'], 'sampleTime')
    checkU64(t['first'], 'sampleTime.first')
    checkU64(t['last'], 'sampleTime.last')
  }
  if (o['clockData'] !== undefined) {
    const c = checkObject(o['clockData'], 'clockData')
    checkInt(c['clockid'], 'clockData.clockid', 0, 0xffffffff)
    checkU64(c['wallNs'], 'clockData.wallNs')
    checkU64(c['clockNs'], 'clockData.clockNs')
  }
}

function u32Pair(a: number, b: number): Uint8Array {
  const out = new Uint8Array(8)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, a, true)
  dv.setUint32(4, b, true)
  return out
}

function u64s(...v: bigint[]): Uint8Array {
  const out = new Uint8Array(8 * v.length)
  const dv = new DataView(out.buffer)
  v.forEach((x, i) => {
    dv.setBigUint64(8 * i, BigInt.asUintN(64, x), true)
  })
  return out
}

function eventDescBytes(events: readonly PerfEventDescInit[]): Uint8Array {
  const parts: Uint8Array[] = [u32Pair(events.length, PERF_FILE_ATTR_SIZE_61)]
  events.forEach((e, i) => {
    parts.push(fileAttrBytes(e.attr, `eventDesc[${i}].attr`))
    const n = new Uint8Array(4)
    new DataView(n.buffer).setUint32(0, e.ids.length, true)
    parts.push(n, headerStringBytes(e.name), u64s(...e.ids))
  })
  return concat(parts)
}

/** @internal Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * Encode the features that are set, as perf 6.1 writes them, in bit order.
 *
 * @returns one `{ bit, body }` per feature.
 * @throws RangeError for a string holding a NUL, a count outside u32, an attr perf 6.1 cannot
 *   hold (config3), or a tracing-data block the trace-event writer refuses.
 */
export function encodeFeatures(f: PerfDataFeaturesInit): { bit: number; body: Uint8Array }[] {
  checkFeatures(f, 'f')
  const out: { bit: number; body: Uint8Array }[] = []
  const add = (bit: number, body: Uint8Array | undefined): void => {
    if (body !== undefined) out.push({ bit, body })
  }
  const u32 = (v: number, what: string): number => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
      throw new RangeError(`${what}: ${v} is not a u32`)
    return v
  }
  const str = (s: string | undefined): Uint8Array | undefined =>
    s === undefined ? undefined : headerStringBytes(s)
  if (f.tracingData !== undefined) add(PerfFeature.TRACING_DATA, writeTracingData(f.tracingData))
  add(PerfFeature.HOSTNAME, str(f.hostname))
  add(PerfFeature.OSRELEASE, str(f.osRelease))
  add(PerfFeature.VERSION, str(f.version))
  add(PerfFeature.ARCH, str(f.arch))
  if (f.nrCpus !== undefined)
    add(
      PerfFeature.NRCPUS,
      u32Pair(u32(f.nrCpus.available, 'nrCpus.available'), u32(f.nrCpus.online, 'nrCpus.online')),
    )
  add(PerfFeature.CPUDESC, str(f.cpuDesc))
  add(PerfFeature.CPUID, str(f.cpuId))
  if (f.totalMem !== undefined) add(PerfFeature.TOTAL_MEM, u64s(f.totalMem))
  if (f.cmdline !== undefined) add(PerfFeature.CMDLINE, headerStringListBytes(f.cmdline))
  if (f.eventDesc !== undefined) add(PerfFeature.EVENT_DESC, eventDescBytes(f.eventDesc))
  if (f.sampleTime !== undefined)
    add(PerfFeature.SAMPLE_TIME, u64s(f.sampleTime.first, f.sampleTime.last))
  if (f.clockResNs !== undefined) add(PerfFeature.CLOCKID, u64s(f.clockResNs))
  if (f.clockData !== undefined) {
    const body = new Uint8Array(24)
    const dv = new DataView(body.buffer)
    dv.setUint32(0, 1, true)
    dv.setUint32(4, u32(f.clockData.clockid, 'clockData.clockid'), true)
    dv.setBigUint64(8, BigInt.asUintN(64, f.clockData.wallNs), true)
    dv.setBigUint64(16, BigInt.asUintN(64, f.clockData.clockNs), true)
    add(PerfFeature.CLOCK_DATA, body)
  }
  return out
}
