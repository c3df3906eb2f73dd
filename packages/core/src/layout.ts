/**
 * The memory map of a buffer. Everything a writer or reader needs lives in the one
 * `SharedArrayBuffer`; these constants name its words. See `docs/design.md` for the
 * drawing.
 *
 * ```
 * [global header 256 B][cpu 0 block][cpu 1 block]...
 * cpu block (paged):      [control 512 B][slot words 4·N][page-by-slot 4·N][page meta 32·P][client area][P sub-buffers]
 * cpu block (contiguous): [control 512 B][client area (head/tail u64 inside)][data area 2^k]
 * ```
 *
 * Where each part starts for a given size is the geometry (`geometry.ts`).
 *
 * @internal
 * @packageDocumentation
 */

/** 'ONRG' */
export const MAGIC = 0x4f4e5247
/** Layout version: 2 since the contiguous spill area and the shared rings' lease table (§3.1, §3.8). */
export const VERSION = 2
export const STATE_LIVE = 1
export const STATE_FREED = 0x0dead

export const HEADER_BYTES = 256
export const CONTROL_BYTES = 512

// ---- global header, Int32 indices -------------------------------------------------
export const H_MAGIC = 0
export const H_VERSION = 1
export const H_STATE = 2
export const H_LAYOUT = 3
export const H_CPUS = 4
/** Mode flags: {@link MODE_OVERWRITE}, {@link MODE_SHARED}. Mutable at run time. */
export const H_FLAGS = 5
export const H_UNIT_SHIFT = 6
export const H_SUBBUFS = 7
export const H_SPARES = 8
export const H_CLOCK = 9
export const H_CLIENT = 10
export const H_CLIENT_AREA = 11
export const H_CPU_STRIDE = 12
export const H_CPU_BASE = 13
/** Geometry generation: bumped by resize; handles re-derive their views when it changes. */
export const H_GEN = 14
/** Global record-disable counter; bit {@link RECORD_OFF} is the off latch. */
export const H_RECORD = 15
export const H_PUBLISH_BATCH = 16
/** Client flags word (e.g. ftrace absolute-timestamp mode), passed to the client in bits 8..31. */
export const H_CLIENT_FLAGS = 17
export const H_CHECK = 18
export const H_TOTAL_BYTES = 19
/** Futex word for waiters on every CPU. */
export const H_WAKE = 20
export const H_GLOBAL_WAITERS = 21
/** Bumped by `wakeWaiters(ALL_CPUS)`: every waiter returns when it changes. */
export const H_WAKE_ALL = 22
/** The header words covered by H_CHECK (the mutable ones are not). */
export const CHECKED_WORDS: readonly number[] = [
  H_MAGIC,
  H_VERSION,
  H_LAYOUT,
  H_CPUS,
  H_UNIT_SHIFT,
  H_SUBBUFS,
  H_SPARES,
  H_CLOCK,
  H_CLIENT,
  H_CLIENT_AREA,
  H_CPU_STRIDE,
  H_CPU_BASE,
  H_PUBLISH_BATCH,
  H_TOTAL_BYTES,
]

export const MODE_OVERWRITE = 1
export const MODE_SHARED = 2
/** Contiguous: the head decreases and records are laid below it (perf's write_backward). */
export const MODE_BACKWARD = 4
/** Contiguous overwrite: the writer ignores the tail (perf's read-only mapping). */
export const MODE_IGNORE_TAIL = 8
export const RECORD_OFF: number = 1 << 20

export const LAYOUT_PAGED = 0
export const LAYOUT_CONTIGUOUS = 1

export const CLOCK_MONOTONIC = 0
export const CLOCK_COUNTER = 1
export const CLOCK_USER = 2

// ---- per-CPU control block, Int32 indices relative to the block -------------------
/** Published sequence number of the writer's sub-buffer (paged). */
export const C_TAIL_SEQ = 0
export const C_TAIL_SLOT = 1
/** Sequence number of the sub-buffer holding the published commit frontier (paged). */
export const C_COMMIT_SEQ = 2
export const C_COMMIT_SLOT = 3
/** Next ring sequence number the reader will swap out (paged; reader-owned). */
export const C_HEAD_SEQ = 4
export const C_HEAD_SLOT = 5
/** Physical id of the reader sub-buffer. */
export const C_READER_PAGE = 6
/** Bytes of the reader sub-buffer's data already consumed. */
export const C_READER_READ = 7
/** Sequence number the reader sub-buffer held when it was swapped out. */
export const C_READER_SEQ = 8
export const C_WRITER_LOCK = 9
export const C_READER_LOCK = 10
export const C_DISABLED = 11
/** Futex word: bumped and notified when a waiter's target is reached. */
export const C_WAKE = 12
export const C_WAITERS = 13
export const C_RESET_REQ = 14
export const C_RESET_DONE = 15
/** Publish counter: bumped (Atomics.store) after every publish. */
export const C_PUB = 16
/** Shared-mode reservation word: `(seq & 0x7ff) << 20 | offset` in the current sub-buffer (offset 0xfffff: switching). */
export const C_RESV = 17
export const C_STATS_LOCK = 18
/** Shared mode: physical id of the current sub-buffer. */
export const C_SHARED_PAGE = 19
/** Per-CPU writer: physical id of the sub-buffer the writer is in (published). */
export const C_WRITER_PAGE = 22
/** Shared mode: sequence number of the current sub-buffer. */
export const C_SHARED_SEQ = 20
/** Iterator epoch: bumped by every consuming read, sub-buffer handoff and reset so open iterators can reset. */
export const C_READ_EPOCH = 21
/** Open non-consuming iterators (resize is refused while any is open). */
export const C_ITERS = 23
/** Bumped by `wakeWaiters`: waiters of the ring return when it changes. */
export const C_WAKE_ALL = 24
/**
 * Paged: the ring slot a reset restarts the writer and the reader's head at (the kernel's
 * `cpu_buffer->pages`): slot 0 at create, the slot before the one a reader swap took
 * (`rb_get_reader_page`: `pages = reader->list.prev`), the first slot after the removed run of
 * a shrink (`rb_remove_pages`); a reset keeps it. Word 25 is `C_WRITER_MARK` (recovery-mark.ts).
 */
export const C_PAGES_ANCHOR = 26
export const C_SPARE_IDS = 32
export const MAX_SPARES = 32

// ---- per-CPU Float64 counters, indices relative to the block's first f64 (byte 256) --
export const F_BASE_BYTES = 256
export const F_ENTRIES = 0
export const F_OVERRUN = 1
export const F_COMMIT_OVERRUN = 2
export const F_DROPPED = 3
export const F_READ = 4
export const F_BYTES = 5
export const F_BYTES_READ = 6
export const F_BYTES_OVERRUN = 7
export const F_LAST_OVERRUN = 8
export const F_PAGES_TOUCHED = 9
export const F_PAGES_LOST = 10
export const F_PAGES_READ = 11
export const F_LAST_TS = 12
export const F_READ_TS = 13
export const F_LOST = 14
export const F_DISCARDED = 15
export const F_WAKE_ENTRIES = 16
export const F_WAKE_BYTES = 17
export const F_WAKE_PAGES = 18
export const F_TAIL_POS = 19
export const F_HEAD_POS = 20
export const F_LOST_PENDING = 21
/** Contiguous writer: records dropped since its last loss record (writer-owned; the reader's is F_LOST_PENDING). */
export const F_WRITER_LOST = 22
/**
 * Paged reader: records a swap found still unread in the reader's old sub-buffer and gave up
 * (reader-owned; `stats()` adds it to `overrun`, and the records are reported as lost).
 */
export const F_READER_DROPPED = 23

// ---- slot words (paged) ------------------------------------------------------------
/** A slot word: physical id (bits 0..15), sequence tag (bits 16..29), consumed bit 30. */
export const SLOT_ID_MASK = 0xffff
export const SLOT_TAG_SHIFT = 16
export const SLOT_TAG_MASK = 0x3fff
export const SLOT_CONSUMED: number = 1 << 30

/**
 * Page meta, 32 bytes per physical sub-buffer: Int32 entries, Int32 data end (padding
 * excluded), Int32 committed bytes and Int32 final reserved end (shared sync), Float64 base
 * timestamp at byte 16.
 */
export const PAGE_META_BYTES = 32
/**
 * Bits of a commit word that hold the data length: a client may set flags above them on
 * sub-buffers it hands out (ftrace's RB_MISSED_EVENTS / RB_MISSED_STORED).
 */
export const COMMIT_LEN_MASK = 0x0fffffff
export const PM_ENTRIES = 0
export const PM_REAL_END = 1
export const PM_COMMITTED = 2
export const PM_FINAL = 3
/** Int32 index (in the meta) of the ring slot a shared-sync sub-buffer was opened in. */
export const PM_SLOT = 6
/** Float64 index of the base timestamp relative to the meta's Float64 index. */
export const PM_TS_F64 = 2

export function slotWord(id: number, seq: number, consumed: boolean): number {
  return id | ((seq & SLOT_TAG_MASK) << SLOT_TAG_SHIFT) | (consumed ? SLOT_CONSUMED : 0)
}

export function headerChecksum(i32: Int32Array): number {
  let h = 0x1234567
  for (const w of CHECKED_WORDS) {
    h ^= i32[w]!
    h = Math.imul(h, 0x01000193)
  }
  return h | 0
}
