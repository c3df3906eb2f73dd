/**
 * Reference model of the paged ring and the scenario runner of model.property.test.ts.
 *
 * Model-based property test of the paged ring with a per-CPU writer: random sequences of
 * reserve / commit / discard (nested freely) / consume / peek / takeSubbuf / release / reset /
 * flush / mode changes / recording toggles / iteration run against the engine and against a
 * reference model of the sub-buffer ring written here, and every observable result is compared:
 * reserve offsets, consumed records (payload, timestamp, lost), leases and the bytes they hold,
 * iterator contents and the full stats after every step.
 *
 * The model works on sub-buffers holding lists of records (no bytes, no atomics): which records
 * are in which sub-buffer, which sub-buffer the reader holds, what overwrite reclaims, what
 * produce-consume refuses and what a publish makes visible.
 */
import fc from 'fast-check'
import { BusyError, MAX_NESTING, RingBuffer } from '../src/index.js'
import type { RingRecord, RingStats, SubbufLease } from '../src/index.js'
import { decodeRawSubbuf, payloadOf } from './helpers.js'
import { emptyStats } from '../src/stats.js'

const TWO32 = 2 ** 32
const align8 = (n: number): number => (n + 7) & ~7

// ---- the model ------------------------------------------------------------------------

type Kind = 'data' | 'pad' | 'ts'
interface Item {
  kind: Kind
  /** Offset in the sub-buffer's data area. */
  off: number
  size: number
  /** Running timestamp after this item (null: unchanged, as end padding). */
  ts: number | null
  id: number
  len: number
}
interface Page {
  items: Item[]
  /** The published commit word. */
  commit: number
  /** Published entries and data end (meta). */
  entries: number
  real: number
  baseTs: number
}
interface Slot {
  page: number
  tag: number
  consumed: boolean
}
interface Open {
  seq: number
  slot: number
  page: number
  off: number
  size: number
  prevTs: number
  data: Item
}
interface Pend {
  id: number
  entries: number
  end: number
  real: number
}
interface Counters {
  entries: number
  bytes: number
  overrun: number
  bytesOverrun: number
  dropped: number
  commitOverrun: number
  discarded: number
  touched: number
  pagesLost: number
  lastTs: number
}
interface MRec {
  ts: number
  id: number
  len: number
  lost: number
}
interface MLease {
  id: number
  dataBytes: number
  lost: number
  timestamp: number
  epoch: number
  records: { ts: number; id: number; len: number }[]
}

class ModelBusy extends Error {}

const zero = (): Counters => ({
  entries: 0,
  bytes: 0,
  overrun: 0,
  bytesOverrun: 0,
  dropped: 0,
  commitOverrun: 0,
  discarded: 0,
  touched: 0,
  pagesLost: 0,
  lastTs: 0,
})

class Model {
  readonly n: number
  readonly cap: number
  readonly spares: number
  readonly batch: number
  overwrite: boolean
  disabled = false
  // shared state
  pages: Page[] = []
  slots: Slot[] = []
  readerPage = 0
  /** The kernel's `cpu_buffer->pages` (C_PAGES_ANCHOR): where a reset restarts. */
  anchor = 0
  /** The slot of sequence number 0 (the anchor at the last reset): seq s is in slot (s + base) % n. */
  base = 0
  readerSeq = -1
  readerRead = 0
  headSeq = 0
  readTs = 0
  spareIds: number[] = []
  commitSeq = 0
  commitSlot = 0
  writerPage = 0
  pub: Counters = zero()
  read = 0
  bytesRead = 0
  lost = 0
  lostPending = 0
  lastOverrun = 0
  pagesRead = 0
  resetReq = 0
  resetDone = 0
  // the writer
  seq = 0
  slot = 0
  pageId = 0
  w = 0
  closedReal = -1
  lastTs = 0
  fullTs = false
  stack: Open[] = []
  sincePublish = 0
  wCommitSeq = 0
  wCommitSlot = 0
  pend: Pend[] = []
  c: Counters = zero()
  /** Reservations attempted (recording on) since the last applied reset. */
  attempts = 0

  constructor(n: number, cap: number, spares: number, batch: number, overwrite: boolean) {
    this.n = n
    this.cap = cap
    this.spares = spares
    this.batch = batch
    this.overwrite = overwrite
    this.init()
    this.load()
  }

  get resetPending(): boolean {
    return this.resetReq !== this.resetDone
  }

  /**
   * initCpu: `fresh` lays out reader = 0, slot k = k + 1; a reset (rb_reset_cpu) keeps the
   * reader page and the ring order and restarts at the anchor slot.
   */
  init(fresh = true): void {
    const n = this.n
    this.pages = Array.from({ length: n + 1 + this.spares }, () => ({
      items: [],
      commit: 0,
      entries: 0,
      real: 0,
      baseTs: 0,
    }))
    const ids = fresh ? Array.from({ length: n }, (_, k) => k + 1) : this.slots.map((sl) => sl.page)
    if (fresh) {
      this.readerPage = 0
      this.anchor = 0
    }
    const a = this.anchor
    this.base = a
    this.slots = ids.map((page, k) => {
      const j = (k - a + n) % n
      return { page, tag: j === 0 ? 0 : j - n, consumed: j !== 0 }
    })
    this.readerSeq = -1
    this.readerRead = 0
    this.headSeq = 0
    this.readTs = 0
    const held = new Set([this.readerPage, ...ids])
    this.spareIds = Array.from({ length: n + 1 + this.spares }, (_, id) => id).filter(
      (id) => !held.has(id),
    )
    this.commitSeq = 0
    this.commitSlot = a
    this.writerPage = ids[a]!
    this.pub = { ...zero(), touched: 1 }
    this.read = 0
    this.bytesRead = 0
    this.lost = 0
    this.lostPending = 0
    this.lastOverrun = 0
    this.pagesRead = 0
    this.attempts = 0
  }

  /** The writer picks the ring's state up. */
  load(): void {
    this.seq = this.commitSeq
    this.slot = this.commitSlot
    this.wCommitSeq = this.seq
    this.wCommitSlot = this.slot
    this.pageId =
      this.seq === 0 && this.writerPage === 0 ? this.slots[this.slot]!.page : this.writerPage
    const page = this.pages[this.pageId]!
    this.w = page.commit
    this.pend = Array.from({ length: this.n }, () => ({ id: 0, entries: 0, end: 0, real: 0 }))
    this.pend[this.slot] = { id: this.pageId, entries: page.entries, end: 0, real: 0 }
    this.closedReal = page.real < this.w ? page.real : -1
    this.c = { ...this.pub }
    this.lastTs = this.pub.lastTs
    this.fullTs = false
    this.sincePublish = 0
    if (this.c.touched === 0) this.c.touched = 1
  }

  // ---- writer ----
  reserve(
    id: number,
    len: number,
    explicit: number | undefined,
  ): { page: number; off: number } | null {
    if (this.disabled) return null
    if (this.resetPending && this.stack.length === 0) this.takeReset()
    this.attempts++
    let t = explicit ?? this.lastTs + 1
    if (t < this.lastTs) t = this.lastTs
    if (this.stack.length === MAX_NESTING) {
      this.c.dropped++
      return null
    }
    let w = this.w
    const base = 8 + align8(len)
    let prefix = w === 0 ? 0 : this.fullTs ? 16 : t - this.lastTs >= TWO32 ? 8 : 0
    if (w + base + prefix > this.cap) {
      if (!this.advance()) {
        // the engine publishes at once when it refuses with nothing open, so stats count it
        if (this.stack.length === 0) this.publish()
        return null
      }
      w = 0
      prefix = 0
    }
    const page = this.pages[this.pageId]!
    if (w === 0) page.baseTs = t
    if (prefix > 0) page.items.push({ kind: 'ts', off: w, size: prefix, ts: t, id: -1, len: 0 })
    const data: Item = { kind: 'data', off: w + prefix, size: base, ts: t, id, len }
    page.items.push(data)
    this.stack.push({
      seq: this.seq,
      slot: this.slot,
      page: this.pageId,
      off: w,
      size: base + prefix,
      prevTs: this.lastTs,
      data,
    })
    this.w = w + base + prefix
    this.lastTs = t
    this.fullTs = false
    return { page: this.pageId, off: w + prefix + 8 }
  }

  commit(): void {
    const o = this.stack.pop()!
    this.c.entries++
    this.c.bytes += o.size
    this.pend[o.slot]!.entries++
    if (this.stack.length === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  discard(): void {
    const o = this.stack.pop()!
    this.c.discarded++
    if (o.seq === this.seq && o.off + o.size === this.w && this.closedReal < 0) {
      this.w -= o.size
      const page = this.pages[o.page]!
      page.items = page.items.filter((it) => it.off < o.off)
      this.lastTs = o.prevTs
      this.fullTs = true
    } else {
      o.data.kind = 'pad'
      this.c.bytes += o.size
    }
    if (this.stack.length === 0 && ++this.sincePublish >= this.batch) this.publish()
  }

  flush(): void {
    if (this.stack.length === 0) {
      if (this.resetPending) this.takeReset()
      this.publish()
    }
  }

  takeReset(): void {
    this.publish()
    this.init(false)
    this.resetDone = this.resetReq
    this.load()
  }

  closePage(): void {
    if (this.closedReal >= 0) {
      // rb_reset_tail with tail == bsize: real_end = 0, readers take the whole commit
      if (this.w === this.cap) this.closedReal = this.cap
      return
    }
    this.closedReal = this.w
    const rem = this.cap - this.w
    const padded = rem >= 8 ? rem : 0
    if (padded > 0)
      this.pages[this.pageId]!.items.push({
        kind: 'pad',
        off: this.w,
        size: padded,
        ts: null,
        id: -1,
        len: 0,
      })
    this.c.bytes += padded
    this.w += padded
  }

  advance(): boolean {
    const n = this.n
    const nextSeq = this.seq + 1
    const nextSlot = (this.slot + 1) % n
    if (this.stack.length > 0 && nextSeq - this.stack[0]!.seq >= n) {
      this.c.commitOverrun++
      this.closePage()
      return false
    }
    // a complete sub-buffer nested writers left unpublished is published before its slot is reused
    if (nextSeq - n - this.wCommitSeq >= 0) this.publishPending()
    const sl = this.slots[nextSlot]!
    const unread = !sl.consumed
    if (unread && !this.overwrite) {
      this.c.dropped++
      this.closePage()
      return false
    }
    if (unread) {
      // what the reclaimed sub-buffer holds, published or not
      const old = this.pages[sl.page]!.items
      this.c.overrun += old.filter((it) => it.kind === 'data').length
      this.c.bytesOverrun += old.reduce((a, it) => a + it.size, 0)
      this.c.pagesLost++
    }
    sl.tag = nextSeq
    sl.consumed = false
    this.closePage()
    this.pend[this.slot]!.end = this.w
    this.pend[this.slot]!.real = this.closedReal
    this.closedReal = -1
    this.seq = nextSeq
    this.slot = nextSlot
    this.pageId = sl.page
    this.w = 0
    this.pend[nextSlot] = { id: sl.page, entries: 0, end: 0, real: 0 }
    this.c.touched++
    const page = this.pages[sl.page]!
    page.entries = 0
    page.real = 0
    page.items = []
    if (this.stack.length === 0) this.publish()
    return true
  }

  publishPending(): void {
    const p = this.pend[this.wCommitSlot]!
    const page = this.pages[p.id]!
    page.entries = p.entries
    page.real = p.real
    page.commit = p.end
    this.wCommitSeq++
    this.wCommitSlot = (this.wCommitSlot + 1) % this.n
  }

  publish(): void {
    while (this.wCommitSeq !== this.seq) this.publishPending()
    const cur = this.pages[this.pageId]!
    cur.entries = this.pend[this.slot]!.entries
    cur.real = this.closedReal >= 0 ? this.closedReal : this.w
    cur.commit = this.w
    this.pub = { ...this.c, lastTs: this.lastTs }
    this.writerPage = this.pageId
    this.commitSlot = this.slot
    this.commitSeq = this.seq
    this.sincePublish = 0
  }

  // ---- reader ----
  swap(): boolean {
    const n = this.n
    for (;;) {
      const cs = this.commitSeq
      let h = this.headSeq
      if (h > cs) return false
      if (cs - h >= n) {
        h = cs - n + 1
        this.headSeq = h
      }
      const hs = (h + this.base) % n
      const sl = this.slots[hs]!
      if (sl.tag !== h || sl.consumed) {
        this.headSeq = h + 1
        continue
      }
      if (h === cs && this.pages[sl.page]!.commit === 0) return false
      const mine = this.pages[this.readerPage]!
      mine.commit = 0
      mine.entries = 0
      mine.real = 0
      const got = sl.page
      sl.page = this.readerPage
      sl.consumed = true
      this.readerPage = got
      this.anchor = (hs + n - 1) % n
      this.readerSeq = h
      this.readerRead = 0
      this.headSeq = h + 1
      this.readTs = this.pages[got]!.baseTs
      this.lostPending += this.pub.overrun - this.lastOverrun
      this.lastOverrun = this.pub.overrun
      this.pagesRead++
      return true
    }
  }

  /** Items of a page from `from` up to `to`, in order; asserts they tile the range. */
  range(page: Page, from: number, to: number): Item[] {
    const out = page.items
      .filter((it) => it.off >= from && it.off < to)
      .sort((a, b) => a.off - b.off)
    let at = from
    for (const it of out) {
      if (it.off !== at) throw new Error(`model: items do not tile at ${at} (${it.off})`)
      at += it.size
    }
    if (at !== to) throw new Error(`model: items end at ${at}, commit ${to}`)
    return out
  }

  next(consume: boolean): MRec | null {
    if (this.resetPending) return null
    for (;;) {
      const page = this.pages[this.readerPage]!
      const commit = page.commit
      if (this.readerRead < commit) {
        for (const it of this.range(page, this.readerRead, commit)) {
          if (it.kind === 'data') {
            const rec: MRec = { ts: it.ts!, id: it.id, len: it.len, lost: this.lostPending }
            if (consume) {
              this.readerRead = it.off + it.size
              this.readTs = it.ts!
              this.read++
              this.bytesRead += it.size
              if (rec.lost !== 0) {
                this.lost += rec.lost
                this.lostPending = 0
              }
            } else this.readerRead = it.off
            return rec
          }
          this.readerRead = it.off + it.size
          this.bytesRead += it.size
          if (it.ts !== null) this.readTs = it.ts
        }
        continue
      }
      if (this.readerSeq === this.commitSeq) return null
      if (!this.swap()) return null
    }
  }

  take(full: boolean, copy: boolean): MLease | null {
    if (this.resetPending) return null
    for (;;) {
      const page = this.pages[this.readerPage]!
      const read = this.readerRead
      // unread end padding is handed out too (the kernel's copy path copies up to the commit)
      if (read < page.commit) break
      if (this.readerSeq === this.commitSeq) return null
      if (!this.swap()) return null
    }
    const pageId = this.readerPage
    const page = this.pages[pageId]!
    const read = this.readerRead
    const commit = page.commit
    const writerOn = this.readerSeq === this.commitSeq
    if (full && (writerOn || read !== 0)) return null
    const k = this.spareIds.findIndex((v) => v >= 0)
    if (k < 0) throw new ModelBusy()
    const spare = this.spareIds[k]!
    this.spareIds[k] = -1
    const lost = this.lostPending
    this.lost += lost
    this.lostPending = 0
    const data = (items: Item[]): MLease['records'] =>
      items.filter((it) => it.kind === 'data').map((it) => ({ ts: it.ts!, id: it.id, len: it.len }))
    if (!writerOn && read === 0 && !copy) {
      const dataBytes = page.real
      const records = data(this.range(page, 0, commit).filter((it) => it.off < dataBytes))
      page.commit = dataBytes
      this.pages[spare]!.commit = 0
      this.readerPage = spare
      this.readerRead = 0
      this.read += page.entries
      this.bytesRead += commit
      return { id: pageId, dataBytes, lost, timestamp: page.baseTs, epoch: this.resetDone, records }
    }
    const items = this.range(page, read, commit)
    const ts0 = this.readTs
    let off = 0
    const copied: Item[] = []
    for (const it of items) {
      copied.push({ ...it, off })
      off += it.size
      if (it.ts !== null) this.readTs = it.ts
    }
    const records = data(items)
    this.pages[spare] = { ...this.pages[spare]!, items: copied, commit: off, baseTs: ts0 }
    this.readerRead = commit
    this.read += records.length
    this.bytesRead += commit - read
    return { id: spare, dataBytes: off, lost, timestamp: ts0, epoch: this.resetDone, records }
  }

  release(lease: SubbufLease): void {
    if (lease.epoch !== this.resetDone) return
    const k = this.spareIds.indexOf(-1)
    if (k < 0 || this.spareIds.includes(lease.id)) throw new Error('model: bad release')
    this.spareIds[k] = lease.id
  }

  /** The unread records a fresh iterator walks. */
  visible(): { ts: number; id: number; len: number }[] {
    if (this.resetPending) return []
    const out: { ts: number; id: number; len: number }[] = []
    const add = (page: Page, from: number): void => {
      for (const it of this.range(page, from, page.commit))
        if (it.kind === 'data') out.push({ ts: it.ts!, id: it.id, len: it.len })
    }
    if (this.readerSeq !== -1) {
      const page = this.pages[this.readerPage]!
      if (this.readerRead < page.commit) add(page, this.readerRead)
      if (this.readerSeq === this.commitSeq) return out
    }
    const lap = this.commitSeq - this.n + 1 - this.headSeq
    for (let s = lap > 0 ? this.headSeq + lap : this.headSeq; s <= this.commitSeq; s++) {
      const sl = this.slots[(s + this.base) % this.n]!
      // a sub-buffer the writer already claimed for a later lap is gone
      if (sl.tag === s && !sl.consumed) add(this.pages[sl.page]!, 0)
    }
    return out
  }

  stats(): RingStats {
    const z: RingStats = emptyStats()
    if (this.resetPending) return z
    const p = this.pub
    const entries = Math.max(0, p.entries - p.overrun - this.read)
    let oldest = 0
    if (entries > 0) {
      const rp = this.pages[this.readerPage]!
      if (this.readerSeq !== -1 && this.readerRead < rp.commit) oldest = rp.baseTs
      else {
        const lap = this.commitSeq - this.n + 1 - this.headSeq
        const s = lap > 0 ? this.headSeq + lap : this.headSeq
        oldest = this.pages[this.slots[(s + this.base) % this.n]!.page]!.baseTs
      }
    }
    return {
      entries,
      written: p.entries,
      overrun: p.overrun,
      commitOverrun: p.commitOverrun,
      dropped: p.dropped,
      read: this.read,
      bytes: Math.max(0, p.bytes - p.bytesOverrun - this.bytesRead),
      bytesWritten: p.bytes,
      bytesRead: this.bytesRead,
      bytesOverrun: p.bytesOverrun,
      lost: this.lost,
      discarded: p.discarded,
      subbufsTouched: p.touched,
      subbufsLost: p.pagesLost,
      subbufsRead: this.pagesRead,
      oldestTimestamp: oldest,
    }
  }
}

// ---- the operations ---------------------------------------------------------------------

export type Op =
  | { t: 'reserve'; len: number; ts: number }
  | { t: 'commit' }
  | { t: 'discard' }
  | { t: 'consume' }
  | { t: 'peek' }
  | { t: 'take'; full: boolean; copy: boolean }
  | { t: 'release'; pick: number }
  | { t: 'reset' }
  | { t: 'flush' }
  | { t: 'mode' }
  | { t: 'record' }
  | { t: 'iterate' }

/** Explicit timestamps, relative to the writer's last one (index 0: the counter clock). */
const DELTAS = [0, 1, 3, 1000, TWO32 - 1, TWO32, TWO32 + 5, 2 ** 40]
const BACK = DELTAS.length + 1

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      t: fc.constant('reserve' as const),
      len: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 24 }) },
        { weight: 2, arbitrary: fc.integer({ min: 25, max: 100 }) },
        { weight: 1, arbitrary: fc.integer({ min: 101, max: 216 }) },
      ),
      ts: fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 2, arbitrary: fc.integer({ min: 1, max: BACK }) },
      ),
    }),
  },
  { weight: 24, arbitrary: fc.constant({ t: 'commit' as const }) },
  { weight: 7, arbitrary: fc.constant({ t: 'discard' as const }) },
  { weight: 14, arbitrary: fc.constant({ t: 'consume' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'peek' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('take' as const),
      full: fc.boolean(),
      copy: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('release' as const), pick: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'reset' as const }) },
  { weight: 4, arbitrary: fc.constant({ t: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'mode' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'record' as const }) },
  { weight: 2, arbitrary: fc.constant({ t: 'iterate' as const }) },
)

export interface Params {
  size: number
  spares: number
  overwrite: boolean
  batch: number
}

export const paramsArb: fc.Arbitrary<Params> = fc.record({
  size: fc.constantFrom(480, 720, 960),
  spares: fc.integer({ min: 1, max: 2 }),
  overwrite: fc.boolean(),
  batch: fc.constantFrom(1, 1, 2, 3),
})

function same(what: string, got: unknown, want: unknown): void {
  const a = JSON.stringify(got)
  const b = JSON.stringify(want)
  if (a !== b) throw new Error(`${what}: engine ${a}, model ${b}`)
}

function recOf(
  r: RingRecord | null,
): { ts: number; lost: number; len: number; payload: number[] } | null {
  return r === null
    ? null
    : { ts: r.timestamp, lost: r.lost, len: r.length, payload: Array.from(r.payload()) }
}

function expRec(
  m: MRec | null,
): { ts: number; lost: number; len: number; payload: number[] } | null {
  return m === null
    ? null
    : { ts: m.ts, lost: m.lost, len: m.len, payload: Array.from(payloadOf(m.id, m.len)) }
}

/** Run one scenario; throws on the first difference. Returns the number of records consumed. */
export function run(p: Params, ops: Op[]): number {
  const rb = RingBuffer.create({
    size: p.size,
    subbufSize: 256,
    spareSubbufs: p.spares,
    clock: 'counter',
    publishBatch: p.batch,
    mode: p.overwrite ? 'overwrite' : 'produce-consume',
  })
  const m = new Model(rb.subbufs, rb.dataCapacity, p.spares, p.batch, p.overwrite)
  const w = rb.writer(0)
  const r = rb.reader()
  const leases: SubbufLease[] = []
  const committed = new Set<number>()
  const open: number[] = []
  const seen: number[] = []
  let lostSeen = 0
  let nextId = 0

  const see = (ids: number[], lost: number): void => {
    for (const id of ids) {
      if (!committed.has(id)) throw new Error(`record ${id} was never committed`)
      if (seen.length > 0 && id <= seen.at(-1)!)
        throw new Error(`record ${id} after ${seen.at(-1)!}: not in reservation order`)
      seen.push(id)
    }
    lostSeen += lost
  }

  const take = (full: boolean, copy: boolean): void => {
    let want: MLease | null | 'busy'
    try {
      want = m.take(full, copy)
    } catch (e) {
      if (!(e instanceof ModelBusy)) throw e
      want = 'busy'
    }
    let got: SubbufLease | null | 'busy'
    try {
      got = r.takeSubbuf(0, { full, copy })
    } catch (e) {
      if (!(e instanceof BusyError)) throw e
      got = 'busy'
    }
    if (want === 'busy' || want === null || got === 'busy' || got === null) {
      same(`takeSubbuf(${full}, ${copy})`, got, want)
      return
    }
    same('lease', got, {
      cpu: 0,
      id: want.id,
      dataBytes: want.dataBytes,
      lost: want.lost,
      timestamp: want.timestamp,
      epoch: want.epoch,
    })
    const raw = decodeRawSubbuf(rb, 0, got.id)
    same(
      'lease header',
      [raw.ts, raw.commit, raw.flags >>> 31],
      [want.timestamp, want.dataBytes, want.lost > 0 ? 1 : 0],
    )
    same(
      'lease records',
      raw.records.map((x) => [x.ts, x.payload]),
      want.records.map((x) => [x.ts, Array.from(payloadOf(x.id, x.len))]),
    )
    see(
      want.records.map((x) => x.id),
      want.lost,
    )
    leases.push(got)
  }

  for (const [step, op] of ops.entries()) {
    const where = `step ${step} ${JSON.stringify(op)}`
    try {
      switch (op.t) {
        case 'reserve': {
          const id = nextId++
          const explicit =
            op.ts === 0
              ? undefined
              : op.ts === BACK
                ? Math.max(0, m.lastTs - 5)
                : m.lastTs + DELTAS[op.ts - 1]!
          const want = m.reserve(id, op.len, explicit)
          const off = explicit === undefined ? w.reserve(op.len) : w.reserve(op.len, explicit)
          same('reserve', off, want === null ? -1 : rb.subbufOffset(0, want.page) + 16 + want.off)
          if (off >= 0) {
            w.bytes.set(payloadOf(id, op.len), off)
            open.push(id)
          }
          break
        }
        case 'commit':
          if (open.length === 0) break
          committed.add(open.pop()!)
          m.commit()
          w.commit()
          break
        case 'discard':
          if (open.length === 0) break
          open.pop()
          m.discard()
          w.discard()
          break
        case 'consume': {
          const want = m.next(true)
          same('consume', recOf(r.consume(0)), expRec(want))
          if (want !== null) see([want.id], want.lost)
          break
        }
        case 'peek':
          same('peek', recOf(r.peek(0)), expRec(m.next(false)))
          break
        case 'take':
          take(op.full, op.copy)
          break
        case 'release': {
          if (leases.length === 0) break
          const lease = leases.splice(op.pick % leases.length, 1)[0]!
          m.release(lease)
          rb.releaseSubbuf(lease)
          break
        }
        case 'reset':
          m.resetReq++
          rb.reset(0)
          break
        case 'flush':
          m.flush()
          w.flush()
          if (open.length === 0) {
            const s = rb.stats(0)
            same('attempts', s.written + s.discarded + s.dropped + s.commitOverrun, m.attempts)
          }
          break
        case 'mode':
          m.overwrite = !m.overwrite
          rb.mode = m.overwrite ? 'overwrite' : 'produce-consume'
          break
        case 'record':
          if (m.disabled) rb.recordEnable(0)
          else rb.recordDisable(0)
          m.disabled = !m.disabled
          break
        case 'iterate': {
          const it = r.iterator(0)
          const got: [number, number[]][] = []
          for (let rec = it.next(); rec !== null; rec = it.next()) {
            got.push([rec.timestamp, Array.from(rec.payload())])
            if (got.length > 1000) throw new Error('iterator: does not end')
          }
          same('iterator dropped', it.dropped(), false)
          it.close()
          same(
            'iterator',
            got,
            m.visible().map((x) => [x.ts, Array.from(payloadOf(x.id, x.len))]),
          )
          break
        }
      }
      same('stats', rb.stats(0), m.stats())
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`, { cause: e })
    }
  }

  // wind down: close everything, then read the rest and check the identities
  for (const lease of leases.splice(0)) {
    m.release(lease)
    rb.releaseSubbuf(lease)
  }
  if (m.disabled) {
    rb.recordEnable(0)
    m.disabled = false
  }
  while (open.length > 0) {
    committed.add(open.pop()!)
    m.commit()
    w.commit()
  }
  m.flush()
  w.flush()
  same('final stats', rb.stats(0), m.stats())
  const before = rb.stats(0)
  same(
    'attempts',
    before.written + before.discarded + before.dropped + before.commitOverrun,
    m.attempts,
  )
  let drained = 0
  for (;;) {
    const want = m.next(true)
    same('drain', recOf(r.consume(0)), expRec(want))
    if (want === null) break
    see([want.id], want.lost)
    drained++
  }
  same('drained', drained, before.entries)
  const s = rb.stats(0)
  same('final stats', s, m.stats())
  // written = read + overrun + still buffered (now nothing)
  same('written = read + overrun', s.written, s.read + s.overrun)
  same('entries', s.entries, 0)
  same('bytes written = read + overrun', s.bytesWritten, s.bytesRead + s.bytesOverrun)
  same('lost reported', s.lost <= s.overrun, true)
  if (m.resetDone === 0) same('lost seen', lostSeen, s.lost)
  return seen.length
}
