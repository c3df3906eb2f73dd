/**
 * The kernel's constants, under their kernel names (`include/linux/ring_buffer.h`,
 * `kernel/trace/ring_buffer.c`).
 *
 * @packageDocumentation
 */

/** `RING_BUFFER_ALL_CPUS`: address every per-CPU buffer. */
export const RING_BUFFER_ALL_CPUS: number = -1
/** `RB_FL_OVERWRITE`: overwrite the oldest data when full (flight recorder). */
export const RB_FL_OVERWRITE: number = 1 << 0

/** `RINGBUF_TYPE_DATA_TYPE_LEN_MAX`: the largest type_len of a small data event. */
export const RINGBUF_TYPE_DATA_TYPE_LEN_MAX = 28
/** `RINGBUF_TYPE_PADDING`: end-of-page filler or a discarded event. */
export const RINGBUF_TYPE_PADDING = 29
/** `RINGBUF_TYPE_TIME_EXTEND`: a 59-bit time delta split over the header and `array[0]`. */
export const RINGBUF_TYPE_TIME_EXTEND = 30
/** `RINGBUF_TYPE_TIME_STAMP`: an absolute 59-bit timestamp. */
export const RINGBUF_TYPE_TIME_STAMP = 31
/** `RINGBUF_TYPE_DATA`: type_len 0, a data event with its length in `array[0]`. */
export const RINGBUF_TYPE_DATA = 0

/** `RB_MISSED_EVENTS`: bit 31 of a read page's commit word: events were lost before it. */
export const RB_MISSED_EVENTS: number = 1 << 31
/** `RB_MISSED_STORED`: bit 30: the lost count is stored after the page data. */
export const RB_MISSED_STORED: number = 1 << 30
/** `RB_MISSED_MASK`: both flags. */
export const RB_MISSED_MASK: number = 3 << 30

/** `TS_SHIFT`: bits of `time_delta` in the event header. */
export const TS_SHIFT = 27
/** `TS_MASK`: the largest delta an event header holds, plus one, minus one. */
export const TS_MASK: number = 2 ** TS_SHIFT - 1
/** `RB_EVNT_HDR_SIZE`: bytes of the event header. */
export const RB_EVNT_HDR_SIZE = 4
/** `RB_ALIGNMENT`: event alignment on architectures without 64-bit aligned access. */
export const RB_ALIGNMENT = 4
/** `RB_MAX_SMALL_DATA`: the largest payload of a small (type_len 1..28) event. */
export const RB_MAX_SMALL_DATA: number = RB_ALIGNMENT * RINGBUF_TYPE_DATA_TYPE_LEN_MAX
/** `RB_EVNT_MIN_SIZE`: the smallest event. */
export const RB_EVNT_MIN_SIZE = 8
/** `BUF_PAGE_HDR_SIZE`: bytes of `struct buffer_data_page` before `data[]` (64-bit). */
export const BUF_PAGE_HDR_SIZE = 16
/** Commit bits that hold the data length (`RB_WRITE_MASK`). */
export const RB_WRITE_MASK = 0xfffff
/** kbuffer's mask for the commit length (`COMMIT_MASK`). */
export const COMMIT_MASK: number = (1 << 27) - 1
/** The top five bits of a 64-bit timestamp that TIME_STAMP events do not carry. */
export const TS_MSB_SHIFT = 59
/** `TRACE_MMAP_IOCTL_GET_READER`, `_IO('R', 0x20)`. */
export const TRACE_MMAP_IOCTL_GET_READER = 0x5220
