// The record format of the worker tests, shared by writer, reader and decoder workers.
//
// Payload (little-endian):
//   0  u32 writer id
//   4  u32 sequence number (per writer, counts accepted records: 0, 1, 2, ...)
//   8  f64 timestamp the writer passed to reserve()/write() (an integer number of ns)
//   16 u32 fill length F, a function of (writer id, seq)
//   20 F fill bytes, each a function of (writer id, seq, index)
//   20+F u32 FNV-1a checksum of bytes [0, 20+F)
// so a torn, misplaced, duplicated or truncated record cannot pass `verifyPayload`.

/** Bytes of the fixed part of a payload. */
export const FIXED = 24
/** Largest fill. */
export const MAX_FILL = 120
/** Largest payload. */
export const MAX_PAYLOAD = FIXED + MAX_FILL

/** Fill length of record `seq` of writer `id`: 0..MAX_FILL, so record sizes vary. */
export function fillLength(id, seq) {
  return ((Math.imul(seq, 0x9e3779b1) >>> 0) + id * 97) % (MAX_FILL + 1)
}

/** Payload length of record `seq` of writer `id`. */
export function payloadLength(id, seq) {
  return FIXED + fillLength(id, seq)
}

function fillByte(id, seq, k) {
  return (id * 131 + seq * 31 + k * 7 + (k >> 3)) & 0xff
}

/** Encode record `seq` of writer `id` with timestamp `ts` at `off` of `u8`/`dv` (same memory). Returns its length. */
export function encode(u8, dv, off, id, seq, ts) {
  const fill = fillLength(id, seq)
  dv.setUint32(off, id, true)
  dv.setUint32(off + 4, seq, true)
  dv.setFloat64(off + 8, ts, true)
  dv.setUint32(off + 16, fill, true)
  const base = (id * 131 + seq * 31) | 0
  for (let k = 0; k < fill; k++) u8[off + 20 + k] = (base + k * 7 + (k >> 3)) & 0xff
  dv.setUint32(off + 20 + fill, fnv(u8, off, 20 + fill), true)
  return FIXED + fill
}

/** 32-bit FNV-1a of `len` bytes at `off`. */
export function fnv(u8, off, len) {
  let h = 0x811c9dc5
  for (let k = 0; k < len; k++) h = Math.imul(h ^ u8[off + k], 0x01000193)
  return h >>> 0
}

/**
 * Check a payload of `len` bytes at `off` of `u8` (`dv` a DataView over the same memory).
 * Returns null when it is intact, else a description. On success `out` gets id, seq and ts.
 */
export function verifyPayload(u8, dv, off, len, out) {
  if (len < FIXED || len > MAX_PAYLOAD) return `bad payload length ${len}`
  const id = dv.getUint32(off, true)
  const seq = dv.getUint32(off + 4, true)
  const ts = dv.getFloat64(off + 8, true)
  const fill = dv.getUint32(off + 16, true)
  if (fill !== fillLength(id, seq))
    return `writer ${id} seq ${seq}: fill ${fill}, expected ${fillLength(id, seq)}`
  if (len !== FIXED + fill)
    return `writer ${id} seq ${seq}: payload length ${len}, expected ${FIXED + fill}`
  const sum = dv.getUint32(off + 20 + fill, true)
  if (sum !== fnv(u8, off, 20 + fill)) return `writer ${id} seq ${seq}: checksum mismatch`
  for (let k = 0; k < fill; k++) {
    if (u8[off + 20 + k] !== fillByte(id, seq, k))
      return `writer ${id} seq ${seq}: fill byte ${k} is ${u8[off + 20 + k]}`
  }
  out.id = id
  out.seq = seq
  out.ts = ts
  return null
}

/** A DataView over the same memory as `u8`, cached per Uint8Array. */
export function viewCache() {
  let last = null
  let dv = null
  return (u8) => {
    if (u8 !== last) {
      last = u8
      dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength)
    }
    return dv
  }
}

/**
 * Checks the records of a run as a consumer sees them: each intact (checksum), in its writer's
 * ring, with the timestamp the writer gave, per writer in strictly increasing sequence order
 * with gaps only where records may be lost (overwrite mode), per ring in timestamp order (not in
 * shared sync: concurrent writers take their timestamps before they race for the reservation).
 */
export class Checker {
  /**
   * @param writers [{ id, cpu }]
   * @param cpus number of rings
   * @param options.overwrite gaps allowed
   * @param options.shared writers share rings
   * @param options.earlyLoss count losses reported before their gap shows (paged, per-CPU)
   */
  constructor(writers, cpus, { overwrite, shared, earlyLoss = false }) {
    this.writers = writers
    this.overwrite = overwrite
    this.shared = shared
    this.earlyLoss = earlyLoss
    const maxId = Math.max(...writers.map((w) => w.id)) + 1
    this.maxId = maxId
    this.ringOf = new Int32Array(maxId).fill(-1)
    for (const w of writers) this.ringOf[w.id] = w.cpu
    this.last = new Float64Array(maxId).fill(-1)
    this.received = new Float64Array(maxId)
    this.gaps = new Float64Array(maxId)
    this.lastTsW = new Float64Array(maxId)
    this.ringRecords = new Float64Array(cpus)
    this.ringLost = new Float64Array(cpus)
    this.ringGaps = new Float64Array(cpus)
    this.ringLastTs = new Float64Array(cpus)
    this.lostEarly = 0
    this.errorCount = 0
    this.errors = []
    this.out = { id: 0, seq: 0, ts: 0 }
    this.view = viewCache()
  }

  fail(msg) {
    this.errorCount++
    if (this.errors.length < 10) this.errors.push(msg)
  }

  /** A loss of `lost` records reported on ring `cpu` (with a record, or with a sub-buffer). */
  lost(cpu, lost) {
    if (lost > 0) this.ringLost[cpu] += lost
  }

  /**
   * Check the record of ring `cpu` whose payload is `len` bytes at `off` of `u8`, with the
   * timestamp the reader reconstructed. Returns the writer id, or -1 when it is not intact.
   */
  check(cpu, u8, off, len, timestamp) {
    this.ringRecords[cpu]++
    const out = this.out
    const err = verifyPayload(u8, this.view(u8), off, len, out)
    if (err !== null) {
      this.fail(`ring ${cpu}: torn record: ${err}`)
      return -1
    }
    const { id, seq, ts } = out
    if (id >= this.maxId || this.ringOf[id] !== cpu) {
      this.fail(`ring ${cpu}: record of writer ${id}, which writes ring ${this.ringOf[id]}`)
      return -1
    }
    if (timestamp !== ts)
      this.fail(`writer ${id} seq ${seq}: timestamp ${timestamp}, written ${ts}`)
    const last = this.last[id]
    if (seq <= last) {
      this.fail(`writer ${id}: seq ${seq} after ${last}`)
      return -1
    }
    const gap = seq - last - 1
    if (gap > 0) {
      if (!this.overwrite)
        this.fail(`writer ${id}: ${gap} records missing before seq ${seq} in produce-consume mode`)
      this.gaps[id] += gap
      this.ringGaps[cpu] += gap
    }
    this.last[id] = seq
    this.received[id]++
    if (ts < this.lastTsW[id]) this.fail(`writer ${id} seq ${seq}: timestamp went back`)
    this.lastTsW[id] = ts
    if (!this.shared && timestamp < this.ringLastTs[cpu])
      this.fail(`ring ${cpu}: timestamp went back at writer ${id} seq ${seq}`)
    this.ringLastTs[cpu] = timestamp
    // a loss is reported with the first record after it, so never before its gap shows
    if (this.earlyLoss && this.ringLost[cpu] > this.ringGaps[cpu]) this.lostEarly++
    return id
  }

  /** Plain-data totals, to post to the test. */
  result() {
    return {
      writers: this.writers.map((w) => ({
        id: w.id,
        received: this.received[w.id],
        gaps: this.gaps[w.id],
        last: this.last[w.id],
      })),
      rings: Array.from(this.ringRecords, (records, c) => ({
        records,
        lost: this.ringLost[c],
        gaps: this.ringGaps[c],
      })),
      lostEarly: this.lostEarly,
      errorCount: this.errorCount,
      errors: this.errors,
    }
  }
}

// ---- the control block the test and its workers share (an Int32Array on its own SAB) ----
/** Writers that finished priming (overwrote or were refused once). */
export const C_READY = 0
/** Writers that closed their writer. */
export const C_DONE = 1
/** Set by the test when the reader may drain the rest. */
export const C_GO = 2
/** Set by the reader once it started reading. */
export const C_STARTED = 3
/** Writers that reached their final stretch (the reader stops reading to leave records buffered). */
export const C_TAIL = 4
/** Writer `id`'s accepted records, updated every 64 (words C_PROGRESS + id; diagnostics). */
export const C_PROGRESS = 16
/** Size of the control block in Int32 words. */
export const CONTROL_WORDS = 64

/** Sleep `ms` milliseconds (fractions allowed) without spinning (worker threads only). */
const sleepWord = new Int32Array(new SharedArrayBuffer(4))
export function sleep(ms) {
  Atomics.wait(sleepWord, 0, 0, ms)
}

// ---- the reader workers (reader.mjs, batch-consumer.mjs) ----

/**
 * The Checker of a reader worker of `rb`: losses reported before their gap shows are counted
 * on paged per-CPU rings.
 */
export function readerChecker(rb, writers, overwrite) {
  const shared = rb.sync === 'shared'
  return new Checker(writers, rb.cpus, {
    overwrite,
    shared,
    earlyLoss: rb.layout === 'paged' && !shared,
  })
}

/**
 * The live phase of a reader worker: wait until all `nw` writers primed, set C_STARTED, then
 * call `readSome()` (returns the records it read; `idleWait()` when none) until every writer
 * closed. Once all writers reached their final stretch (C_TAIL), stop reading until they
 * closed, so that records stay buffered (after 5 s, a writer must be stuck on a full ring: read
 * on). Returns how many times it found nothing to read.
 */
export function readWhileWriting(ctl, nw, readSome, idleWait) {
  for (let v = Atomics.load(ctl, C_READY); v < nw; v = Atomics.load(ctl, C_READY))
    Atomics.wait(ctl, C_READY, v, 10)
  Atomics.store(ctl, C_STARTED, 1)
  let idle = 0
  let tailWait = true
  while (Atomics.load(ctl, C_DONE) < nw) {
    if (tailWait && Atomics.load(ctl, C_TAIL) >= nw) {
      tailWait = false
      const deadline = Date.now() + 5000
      for (
        let v = Atomics.load(ctl, C_DONE);
        v < nw && Date.now() < deadline;
        v = Atomics.load(ctl, C_DONE)
      )
        Atomics.wait(ctl, C_DONE, v, 10)
      continue
    }
    if (readSome() === 0) {
      idle++
      idleWait()
    }
  }
  return idle
}

/**
 * A reader worker's 'final' message: the Checker's result, its `rings` with `read` (the records
 * checked), `readBeforePause` and `drained` (`ringRead[0]`, `ringRead[1]`), and `extra`.
 */
export function finalMessage(checker, ringRead, extra) {
  const res = checker.result()
  return {
    type: 'final',
    ...res,
    rings: res.rings.map((r, c) => ({
      ...r,
      read: r.records,
      readBeforePause: ringRead[0][c],
      drained: ringRead[1][c],
    })),
    ...extra,
  }
}
