/**
 * Lifecycle of a buffer: `create` lays a header down in a new `SharedArrayBuffer`, `attach`
 * checks one made elsewhere, `free` marks it dead for every handle (`docs/design.md §3.2, §10`).
 * The functions here hand back the parts a handle is built from (the memory, the client, the
 * clock); the {@link RingBuffer} constructor stays the only place a handle is made.
 *
 * Invariants:
 * - `H_STATE` becomes `STATE_LIVE` only after every ring is initialised, and `STATE_FREED`
 *   never changes again: `attach` refuses both a half-made and a freed buffer.
 *
 * @internal
 * @packageDocumentation
 */
import { checkFunction, checkInt, checkOptions } from './errors.js'
import { clientHash, lookupClient, registerClient } from './client.js'
import type { RingClient } from './client.js'
import { rawPagedClient } from './raw-client.js'
import type { ClockFn } from './clock.js'
import type { AttachOptions, RingBufferOptions } from './options.js'
import * as L from './layout.js'
import {
  MAX_CPUS,
  MAX_TOTAL_BYTES,
  planGeometry,
  refreshGeometry,
  sizeRing,
  writeGeometry,
} from './geometry.js'
import { initCpu } from './reset.js'
import type { RingBuffer } from './ring-buffer.js'

/** What a handle is built from. */
export interface BufferParts {
  sab: SharedArrayBuffer
  client: RingClient
  clock: ClockFn | undefined
}

/** The header's mode flags for the writing policy options, validated. */
function modeFlags(options: RingBufferOptions, paged: boolean): number {
  const mode = options.mode ?? 'overwrite'
  if (mode !== 'overwrite' && mode !== 'produce-consume')
    throw new RangeError(`mode: expected 'overwrite' or 'produce-consume', got ${String(mode)}`)
  const sync = options.sync ?? 'per-cpu'
  if (sync !== 'per-cpu' && sync !== 'shared')
    throw new RangeError(`sync: expected 'per-cpu' or 'shared', got ${String(sync)}`)
  if (sync === 'shared' && !paged) throw new RangeError(`sync: 'shared' needs the paged layout`)
  return (mode === 'overwrite' ? L.MODE_OVERWRITE : 0) | (sync === 'shared' ? L.MODE_SHARED : 0)
}

/** The header's flags for the contiguous direction and tail policy, validated. */
function directionFlags(options: RingBufferOptions, paged: boolean): number {
  const backward = options.backward ?? false
  if (typeof backward !== 'boolean') throw new TypeError('backward: expected a boolean')
  if (backward && paged) throw new RangeError('backward: only for the contiguous layout')
  const tailPolicy = options.tailPolicy ?? (backward ? 'ignore' : 'push')
  if (tailPolicy !== 'push' && tailPolicy !== 'ignore')
    throw new RangeError(`tailPolicy: expected 'push' or 'ignore', got ${String(tailPolicy)}`)
  if (tailPolicy === 'ignore' && paged)
    throw new RangeError('tailPolicy: only for the contiguous layout')
  if (backward && tailPolicy === 'push')
    throw new RangeError("tailPolicy: backward rings overwrite only with 'ignore'")
  return (backward ? L.MODE_BACKWARD : 0) | (tailPolicy === 'ignore' ? L.MODE_IGNORE_TAIL : 0)
}

/**
 * Validate `create`'s options, allocate the `SharedArrayBuffer` and write its header. The rings
 * are not initialised yet and the state is not live: {@link goLive} does that once the handle
 * exists.
 *
 * @throws RangeError or TypeError naming the offending option.
 */
const CREATE_OPTIONS: readonly (keyof RingBufferOptions)[] = [
  'client',
  'cpus',
  'size',
  'subbufSize',
  'spareSubbufs',
  'mode',
  'sync',
  'backward',
  'tailPolicy',
  'clock',
  'publishBatch',
  'maxByteLength',
]
const ATTACH_OPTIONS: readonly (keyof AttachOptions)[] = ['client', 'clock']

/** A client given in options: an object with the RingClient members the engine calls. */
function checkClient(client: unknown): RingClient {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as RingClient).id !== 'string' ||
    typeof (client as RingClient).recordSize !== 'function'
  )
    throw new TypeError('client: expected a RingClient (an object with an id and recordSize)')
  return client as RingClient
}

export function allocateBuffer(input: RingBufferOptions | undefined): BufferParts {
  const options = checkOptions<RingBufferOptions>('options', input, CREATE_OPTIONS)
  const client = checkClient(options.client ?? rawPagedClient)
  const paged = client.layout === 'paged'
  if (!paged && client.layout !== 'contiguous')
    throw new TypeError(`client.layout: expected 'paged' or 'contiguous'`)
  const cpus = checkInt('cpus', options.cpus ?? 1, 1, MAX_CPUS)
  const policy = modeFlags(options, paged)
  const batch = checkInt('publishBatch', options.publishBatch ?? 32, 1, 1 << 20)
  const flags = policy | directionFlags(options, paged)
  let clockKind = L.CLOCK_MONOTONIC
  let clock: ClockFn | undefined
  const clockOption = options.clock ?? 'monotonic'
  if (clockOption === 'counter') clockKind = L.CLOCK_COUNTER
  else if (typeof clockOption === 'function') {
    clockKind = L.CLOCK_USER
    clock = clockOption
  } else if (clockOption !== 'monotonic')
    throw new RangeError(`clock: expected 'monotonic', 'counter' or a function`)
  if (!paged && options.subbufSize !== undefined)
    throw new RangeError('subbufSize: only for the paged layout')
  const shared = (policy & L.MODE_SHARED) !== 0
  const sizing = sizeRing(paged, options.size ?? 65536, options.subbufSize ?? 4096, client, shared)
  const spares = paged ? checkInt('spareSubbufs', options.spareSubbufs ?? 1, 1, L.MAX_SPARES) : 0
  const layout = paged ? L.LAYOUT_PAGED : L.LAYOUT_CONTIGUOUS
  const g = planGeometry(layout, cpus, sizing, spares, client, shared)
  if (g.total > MAX_TOTAL_BYTES)
    throw new RangeError(`size: the buffer would need ${g.total} bytes (max 2^31-1)`)
  const maxLen = options.maxByteLength ?? g.total
  checkInt('maxByteLength', maxLen, g.total, MAX_TOTAL_BYTES)
  const sab =
    maxLen > g.total
      ? new SharedArrayBuffer(g.total, { maxByteLength: maxLen })
      : new SharedArrayBuffer(g.total)
  registerClient(client)
  const i32 = new Int32Array(sab, 0, L.HEADER_BYTES / 4)
  i32[L.H_MAGIC] = L.MAGIC
  i32[L.H_VERSION] = L.VERSION
  i32[L.H_LAYOUT] = layout
  i32[L.H_CPUS] = cpus
  i32[L.H_FLAGS] = flags
  i32[L.H_CLOCK] = clockKind
  i32[L.H_CLIENT] = clientHash(client.id)
  i32[L.H_PUBLISH_BATCH] = batch
  writeGeometry(i32, g)
  return { sab, client, clock }
}

/** Initialise every ring of a new buffer, then mark it live (attachable). */
export function goLive(rb: RingBuffer): void {
  for (let cpu = 0; cpu < rb.g.cpus; cpu++) initCpu(rb, cpu, true)
  Atomics.store(rb.i32, L.H_STATE, L.STATE_LIVE)
}

/**
 * Check the header of a buffer made elsewhere and resolve its client and clock.
 *
 * @throws TypeError when `sab` is not a buffer, was freed, or its header is corrupt, or when
 *   the client it was created with is neither registered nor given.
 */
export function openBuffer(sab: SharedArrayBuffer, input: AttachOptions | undefined): BufferParts {
  if (!(sab instanceof SharedArrayBuffer)) throw new TypeError('sab: expected a SharedArrayBuffer')
  const options = checkOptions<AttachOptions>('options', input, ATTACH_OPTIONS)
  if (options.client !== undefined) checkClient(options.client)
  if (options.clock !== undefined) checkFunction('clock', options.clock)
  if (sab.byteLength < L.HEADER_BYTES) throw new TypeError('sab: too small to hold a ring buffer')
  const i32 = new Int32Array(sab, 0, L.HEADER_BYTES / 4)
  if (i32[L.H_MAGIC] !== L.MAGIC) throw new TypeError('sab: not an onering buffer (bad magic)')
  if (i32[L.H_VERSION] !== L.VERSION)
    throw new TypeError(`sab: unsupported layout version ${i32[L.H_VERSION]}`)
  const state = Atomics.load(i32, L.H_STATE)
  if (state === L.STATE_FREED) throw new TypeError('sab: the buffer was freed')
  if (state !== L.STATE_LIVE) throw new TypeError('sab: the buffer is not initialised')
  if (i32[L.H_CHECK] !== L.headerChecksum(i32))
    throw new TypeError('sab: corrupted header (checksum mismatch)')
  if (i32[L.H_TOTAL_BYTES]! > sab.byteLength)
    throw new TypeError('sab: corrupted header (size exceeds the buffer)')
  const clockKind = i32[L.H_CLOCK]!
  if (
    clockKind !== L.CLOCK_MONOTONIC &&
    clockKind !== L.CLOCK_COUNTER &&
    clockKind !== L.CLOCK_USER
  )
    throw new TypeError(`sab: corrupted header (H_CLOCK = ${clockKind}, not 0, 1 or 2)`)
  const hash = i32[L.H_CLIENT]!
  let client = options.client
  if (client !== undefined) {
    if (clientHash(client.id) !== hash)
      throw new TypeError(`client: ${client.id} is not the client this buffer was created with`)
  } else {
    client = lookupClient(hash)
    if (client === undefined)
      throw new TypeError(
        'client: the buffer uses a client that is not registered here; pass it in options.client',
      )
  }
  let clock: ClockFn | undefined
  if (i32[L.H_CLOCK] === L.CLOCK_USER) {
    if (options.clock === undefined)
      throw new TypeError('clock: the buffer uses a clock function; pass it in options.clock')
    checkFunction('clock', options.clock)
    clock = options.clock
  }
  return { sab, client, clock }
}

/** Throw unless the buffer is live; re-derive the geometry after a resize elsewhere. */
export function checkLive(rb: RingBuffer): void {
  if (Atomics.load(rb.i32, L.H_STATE) !== L.STATE_LIVE)
    throw new TypeError('buffer: the buffer was freed')
  refreshGeometry(rb)
}

/**
 * Mark the buffer freed and wake every per-CPU waiter, so that every handle in every worker
 * refuses it from now on (`docs/design.md §10`).
 */
export function freeBuffer(rb: RingBuffer): void {
  Atomics.store(rb.i32, L.H_STATE, L.STATE_FREED)
  for (let cpu = 0; cpu < rb.g.cpus; cpu++) {
    Atomics.add(rb.i32, rb.ctl(cpu) + L.C_WAKE, 1)
    Atomics.notify(rb.i32, rb.ctl(cpu) + L.C_WAKE)
  }
}

/** True once the buffer was freed through any handle. */
export function isFreed(rb: RingBuffer): boolean {
  return Atomics.load(rb.i32, L.H_STATE) === L.STATE_FREED
}
