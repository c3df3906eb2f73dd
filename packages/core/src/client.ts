/**
 * The client contract: how a record format plugs into the one engine.
 *
 * Modelled on LTTng's lib ring buffer: a static client configuration plus a few
 * callbacks for record headers and sub-buffer headers. The engine never looks at
 * record bytes itself; it sizes, writes, discards and decodes records only through
 * the client. `@onering/ftrace` and `@onering/perf` are such clients; the core ships
 * {@link rawPagedClient} and {@link rawContiguousClient}.
 *
 * @packageDocumentation
 */
import { checkClientShape } from './errors.js'

/** Which of the two layouts a client is written for. */
export type LayoutKind = 'paged' | 'contiguous'

/**
 * Kinds of records a client's {@link RingClient.decode} reports.
 *
 * - `End`: nothing more in this sub-buffer (null padding, zero header).
 * - `Data`: a record with a payload; its `delta` advances the running timestamp.
 * - `Padding`: filler or a discarded record; skipped by readers.
 * - `TimeDelta`: a time extension; `delta` is added to the running timestamp.
 * - `TimeAbsolute`: an absolute timestamp; see {@link RingClient.fixAbsolute}.
 * - `Loss`: a loss marker written in front of a record; `lost` records were dropped.
 * - `Corrupt`: the bytes do not form a valid record; readers stop and report it.
 */
export const RecordKind = {
  /** Nothing more in this sub-buffer (null padding, zero header). */
  End: 0,
  /** A record with a payload; its `delta` advances the running timestamp. */
  Data: 1,
  /** Filler or a discarded record; skipped by readers (its `delta` still counts). */
  Padding: 2,
  /** A time extension; `delta` is added to the running timestamp. */
  TimeDelta: 3,
  /** An absolute timestamp in `delta`; see {@link RingClient.fixAbsolute}. */
  TimeAbsolute: 4,
  /** A loss marker written in front of a record; `lost` records were dropped. */
  Loss: 5,
  /** The bytes do not form a valid record; readers stop and report it. */
  Corrupt: 6,
} as const

/** Numeric value of {@link RecordKind}. */
export type RecordKindValue = (typeof RecordKind)[keyof typeof RecordKind]

/**
 * Engine flags passed to {@link RingClient.recordSize} and
 * {@link RingClient.writeRecord}. Bits 0..7 belong to the engine; bits 8..31
 * carry the buffer's client flags word (see `RingBuffer.clientFlags`).
 */
export const RecordFlag = {
  /** The engine asks for a full (absolute) timestamp, e.g. after a rewinding discard. */
  FullTimestamp: 1,
} as const

/**
 * A decoded record. Readers reuse one instance: its fields are only valid until the
 * next decode.
 */
export interface DecodedRecord {
  /** One of {@link RecordKind}. */
  kind: number
  /** Total bytes the record occupies, headers and alignment included. */
  size: number
  /** Absolute byte offset of the payload in the buffer (valid for `Data`). */
  payloadOffset: number
  /** Payload length in bytes as the client reports it (valid for `Data`). */
  payloadLength: number
  /** Time delta (`Data`, `Padding`, `TimeDelta`) or absolute value (`TimeAbsolute`). */
  delta: number
  /** Lost record count (`Loss`). */
  lost: number
}

/** Creates an empty {@link DecodedRecord}. */
export function decodedRecord(): DecodedRecord {
  return { kind: 0, size: 0, payloadOffset: 0, payloadLength: 0, delta: 0, lost: 0 }
}

/** Information passed to {@link RingClient.subbufHandoff}. */
export interface SubbufHandoffInfo {
  /** Bytes of record data in the sub-buffer, end-of-buffer padding excluded. */
  dataBytes: number
  /** Bytes of the data area (sub-buffer size minus the client header). */
  capacity: number
  /** Records lost (overwritten) before this sub-buffer since the previous handoff. */
  lost: number
}

/** Geometry a client sees when it lays out its per-CPU area. */
export interface ClientGeometry {
  /** `'paged'` or `'contiguous'`. */
  layout: LayoutKind
  /** Sub-buffer size (paged) or data area size (contiguous), in bytes. */
  unitBytes: number
  /** Ring sub-buffers per CPU (paged), 1 for contiguous. */
  subbufs: number
  /** Total physical sub-buffers per CPU: ring + reader + spares (paged), 1 for contiguous. */
  physicalSubbufs: number
}

/**
 * A record format. Implementations must be pure functions of their arguments and
 * the bytes they are given: several workers hold their own instance of the same client.
 *
 * Offsets passed to the callbacks are absolute byte offsets into the buffer's
 * `SharedArrayBuffer`; `dv` is a `DataView` over the whole buffer.
 */
export interface RingClient {
  /** Stable identifier; its hash is stored in the buffer and checked on attach. */
  readonly id: string
  /** The layout this client is written for. */
  readonly layout: LayoutKind
  /** Record alignment in bytes (4 or 8). Every record size is a multiple of it. */
  readonly alignment: number
  /**
   * Paged: bytes of the sub-buffer header written by {@link RingClient.subbufBegin}.
   * Contiguous: 0.
   */
  readonly subbufHeaderBytes: number
  /**
   * Paged: offset inside the sub-buffer header of the 32-bit little-endian commit word
   * (bytes of committed data). The engine owns this word and publishes it with `Atomics`.
   */
  readonly commitOffset: number
  /** Size of the loss record the client writes before a record after drops, or 0 for none. */
  readonly lossRecordBytes: number
  /**
   * Bytes of the client's per-CPU area placed right before the CPU's sub-buffers or data
   * area (e.g. ftrace's meta page, perf's control page). Must be a multiple of 8.
   */
  cpuAreaBytes(g: ClientGeometry): number
  /**
   * Contiguous only: offsets inside the per-CPU area of the 64-bit head and tail
   * positions (e.g. perf: 1024 and 1032). Must be multiples of 8.
   */
  readonly headOffset: number
  /** See {@link RingClient.headOffset}. */
  readonly tailOffset: number
  /** Initialise the per-CPU area (e.g. perf's constant control-page fields). */
  cpuAreaInit?(dv: DataView, areaOffset: number, g: ClientGeometry, cpu: number): void
  /** Largest payload accepted for the given data capacity and flags. */
  maxPayload(capacity: number, flags: number): number
  /** Total bytes of a record with this payload length and time delta. */
  recordSize(payloadLength: number, delta: number, flags: number): number
  /**
   * Write the record header(s) for a reservation of `size` bytes at `off` and return the
   * absolute offset of the payload. `ts` is the absolute timestamp, `delta` the difference to
   * the previous record of the same sub-buffer (0 for the first). `tag` is the value the writer
   * passed to `reserve` (0 by default): a client-defined context such as perf's event index.
   */
  writeRecord(
    dv: DataView,
    off: number,
    payloadLength: number,
    size: number,
    delta: number,
    ts: number,
    flags: number,
    tag: number,
  ): number
  /**
   * Fill the `remaining` bytes at the end of a sub-buffer that the next record does not fit
   * in. Returns how many of them count as committed (ftrace: all of them when ≥ 8, else 0).
   */
  endPadding(dv: DataView, off: number, remaining: number): number
  /** Turn the reserved record at `off` (total `size` bytes) into padding, in place. */
  discard(dv: DataView, off: number, size: number): void
  /** Decode the record at `off`; `end` is the first byte past the valid data. */
  decode(dv: DataView, off: number, end: number, out: DecodedRecord): void
  /** Paged: a new sub-buffer starts at `pageOffset` with base timestamp `ts`. */
  subbufBegin?(dv: DataView, pageOffset: number, ts: number): void
  /** Paged: a sub-buffer is handed to a reader (flags, stored loss counts). */
  subbufHandoff?(dv: DataView, pageOffset: number, info: SubbufHandoffInfo): void
  /** Reconstruct an absolute timestamp from a (possibly truncated) stored value. */
  fixAbsolute?(value: number, previous: number): number
  /**
   * Size of the loss record written in front of a record reserved with `tag`, when it differs
   * per tag (perf: the LOST record carries the event's `sample_id` trailer). Defaults to
   * {@link RingClient.lossRecordBytes}.
   */
  lossRecordSize?(tag: number): number
  /** Write a loss record at `off` reporting `lost` records, in front of a record reserved with `tag`. */
  writeLoss?(dv: DataView, off: number, lost: number, ts: number, tag: number): void
}

/**
 * The client registry is one per JavaScript realm (thread), not one per copy of this module: the
 * ESM and CJS builds of `@onering/core` (and two installed copies of the same major) find it under
 * one `Symbol.for` key on `globalThis`. Otherwise a buffer created through `import` would not
 * attach through `require` — the dual-package hazard — because the client registered by one build
 * would be missing from the other's registry. The key carries the buffer format version.
 */
const REGISTRY_KEY = Symbol.for('@onering/core:client-registry/v1')
const registry: Map<number, RingClient> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??=
  new Map<number, RingClient>()) as Map<number, RingClient>

/** 32-bit FNV-1a hash of a client id, as stored in the buffer header. */
export function clientHash(id: string): number {
  if (typeof id !== 'string') throw new TypeError(`id: expected a string, got ${typeof id}`)
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h | 0
}

/**
 * Register a client so that {@link RingBuffer.attach} can find it by the hash stored in
 * the buffer. Registering the same client again is a no-op, also when the other build (ESM or
 * CJS) of the package registers its own copy under the same id.
 *
 * @throws TypeError when another client with the same hash is registered.
 */
export function registerClient(client: RingClient): void {
  checkClientShape('client', client)
  const h = clientHash(client.id)
  const prev = registry.get(h)
  if (prev !== undefined && prev !== client && prev.id !== client.id)
    throw new TypeError(`client: id ${client.id} collides with ${prev.id}`)
  registry.set(h, client)
}

/** @internal */
export function lookupClient(hash: number): RingClient | undefined {
  return registry.get(hash)
}
