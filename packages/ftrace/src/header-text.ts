/**
 * The kernel's self-description of the formats, as tracefs shows them in
 * `events/header_page` and `events/header_event` (`ring_buffer_print_page_header`,
 * `ring_buffer_print_entry_header`). trace-cmd and libtraceevent parse these texts.
 *
 * @packageDocumentation
 */
import {
  BUF_PAGE_HDR_SIZE,
  RINGBUF_TYPE_DATA_TYPE_LEN_MAX,
  RINGBUF_TYPE_PADDING,
  RINGBUF_TYPE_TIME_EXTEND,
  RINGBUF_TYPE_TIME_STAMP,
} from './constants.js'

/**
 * The `header_page` text for sub-buffers of `subbufSize` bytes (x86-64 layout: 8-byte
 * `local_t commit`, unsigned `char`).
 */
export function pageHeaderText(subbufSize = 4096): string {
  if (!Number.isInteger(subbufSize) || subbufSize <= BUF_PAGE_HDR_SIZE)
    throw new RangeError(
      `subbufSize: ${subbufSize} is not larger than the ${BUF_PAGE_HDR_SIZE}-byte page header`,
    )
  return (
    '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n' +
    '\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n' +
    '\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n' +
    `\tfield: char data;\toffset:${BUF_PAGE_HDR_SIZE};\tsize:${subbufSize - BUF_PAGE_HDR_SIZE};\tsigned:0;\n`
  )
}

/** The `header_event` text. */
export function entryHeaderText(): string {
  return (
    '# compressed entry header\n' +
    '\ttype_len    :    5 bits\n' +
    '\ttime_delta  :   27 bits\n' +
    '\tarray       :   32 bits\n' +
    '\n' +
    `\tpadding     : type == ${RINGBUF_TYPE_PADDING}\n` +
    `\ttime_extend : type == ${RINGBUF_TYPE_TIME_EXTEND}\n` +
    `\ttime_stamp : type == ${RINGBUF_TYPE_TIME_STAMP}\n` +
    `\tdata max type_len  == ${RINGBUF_TYPE_DATA_TYPE_LEN_MAX}\n`
  )
}
