/**
 * One-line mutations of the faces and the engine that the live slice must catch (issue 13:
 * "the tester itself is proven able to fail"). `mutate.mjs` applies them one at a time.
 *
 * A row: `name`, the `file` (repository-relative, under `packages/<dir>/src`), the exact text of
 * the line to `find` (compared without its indentation; it must match exactly one line) and its
 * `replace`ment (indented like the original), and `why`: what the kernel does there. To add a
 * row, pick a line whose change the kernel would show in the compared results (a page byte, a
 * commit word, a stats value, a write's return) and check that the text is unique in its file.
 * The mutated source must still build (no unused import), and it should keep the engine's own
 * structure sound: a mutation that makes onering throw (e.g. a padding length that no longer
 * reaches the end of the sub-buffer, "ring 0 holds a corrupt record") proves nothing about the
 * tester and is reported as an ERROR.
 */
export const mutations = [
  {
    name: 'padding time_delta',
    file: 'packages/ftrace/src/client.ts',
    find: 'writePaddingUnchecked(dv, off, remaining, 1)',
    replace: 'writePaddingUnchecked(dv, off, remaining, 2)',
    why: 'rb_reset_tail: end padding has time_delta 1 (0 would be a null event)',
  },
  {
    name: 'missed-events bit',
    file: 'packages/ftrace/src/client.ts',
    find: 'flags = RB_MISSED_EVENTS',
    replace: 'flags = RB_MISSED_EVENTS & 0',
    why: 'ring_buffer_read_page sets RB_MISSED_EVENTS in the commit word after a loss',
  },
  {
    name: 'stored missed count',
    file: 'packages/ftrace/src/client.ts',
    find: 'setU64(dv, pageOffset + BUF_PAGE_HDR_SIZE + info.dataBytes, info.lost)',
    replace: 'setU64(dv, pageOffset + BUF_PAGE_HDR_SIZE + info.dataBytes, info.lost + 1)',
    why: 'RB_MISSED_STORED: the lost count is stored after the data',
  },
  {
    name: 'commit word length',
    file: 'packages/ftrace/src/client.ts',
    find: 'dv.setUint32(pageOffset + 8, (info.dataBytes | flags) >>> 0, true)',
    replace: 'dv.setUint32(pageOffset + 8, ((info.dataBytes + 4) | flags) >>> 0, true)',
    why: 'the handed-out page commit word is the data length with the missed flags',
  },
  {
    name: 'time delta',
    file: 'packages/ftrace/src/client.ts',
    find: 'return writeDataHeaderUnchecked(dv, off, size, delta)',
    replace: 'return writeDataHeaderUnchecked(dv, off, size, delta + 1)',
    why: "an event header's time_delta is its stamp minus the previous one",
  },
  {
    name: 'overrun count',
    file: 'packages/core/src/paged-writer.ts',
    find: 'this.overrun += i[meta + L.PM_ENTRIES]!',
    replace: 'this.overrun += i[meta + L.PM_ENTRIES]! + 1',
    why: 'rb_handle_head_page adds the entries of the overwritten sub-buffer to overrun',
  },
  {
    name: 'dropped events',
    file: 'packages/core/src/paged-writer.ts',
    find: 'this.dropped++',
    replace: 'this.dropped += 2',
    why: 'produce-consume: a refused write adds one to dropped_events',
  },
  {
    name: 'bytes accounting',
    file: 'packages/core/src/paged-writer.ts',
    find: 'this.bytesWritten += padded',
    replace: 'this.bytesWritten += padded + 4',
    why: 'entries_bytes counts the end padding of a closed sub-buffer',
  },
  {
    name: 'TIME_EXTEND threshold',
    file: 'packages/ftrace/src/constants.ts',
    find: 'export const TS_MASK: number = 2 ** TS_SHIFT - 1',
    replace: 'export const TS_MASK: number = 2 ** (TS_SHIFT + 1) - 1',
    why: 'a delta of 2^27 ns or more needs a TIME_EXTEND record (the header holds 27 bits)',
  },
  {
    name: 'oldest stamp from the reader',
    file: 'packages/core/src/stats.ts',
    find: 'if (i[ctlIdx + L.C_READER_SEQ] !== cs)',
    replace: 'if (i[ctlIdx + L.C_READER_SEQ] !== cs && false)',
    why: "ring_buffer_oldest_event_ts reads the head page's time_stamp unless the tail is on the reader page",
  },
  {
    name: 'perf LOST id',
    file: 'packages/perf/src/perf-client.ts',
    find: 'writeLost(dv, off, { id: ev.id, lost: BigInt(lost), sample_id: ev.sampleId(ts) }, ev.ctx)',
    replace:
      'writeLost(dv, off, { id: ev.id + 1n, lost: BigInt(lost), sample_id: ev.sampleId(ts) }, ev.ctx)',
    why: "perf_output_begin's PERF_RECORD_LOST carries the event's id (primary_event_id)",
  },
  {
    name: 'perf LOST count',
    file: 'packages/perf/src/perf-client.ts',
    find: 'writeLost(dv, off, { id: ev.id, lost: BigInt(lost), sample_id: ev.sampleId(ts) }, ev.ctx)',
    replace:
      'writeLost(dv, off, { id: ev.id, lost: BigInt(lost + 1), sample_id: ev.sampleId(ts) }, ev.ctx)',
    why: 'PERF_RECORD_LOST.lost is the number of records lost since the last LOST (rb->lost)',
  },
  {
    name: 'reset anchor at a reader swap',
    file: 'packages/core/src/reader-page.ts',
    find: 'i[c + L.C_PAGES_ANCHOR] = hs === 0 ? n - 1 : hs - 1',
    replace: 'i[c + L.C_PAGES_ANCHOR] = i[c + L.C_PAGES_ANCHOR]!',
    why: "rb_get_reader_page sets cpu_buffer->pages = reader->list.prev, where rb_reset_cpu restarts (the mmap face's reader.id pairing across a reset)",
  },
  {
    name: 'grow order',
    file: 'packages/core/src/resize-pages.ts',
    find: 'p = Math.min((lappedHeadSlot(rb, cpu, s) - tailSlot - 1 + 2 * n) % n, n - 1)',
    replace: 'p = 0',
    why: "rb_insert_pages splices the new pages in just before the head page, after the empty ones the writer meets first (their stale bytes, the reset anchor's place)",
  },
]
