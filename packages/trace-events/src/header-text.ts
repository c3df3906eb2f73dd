/**
 * The kernel's self-description of the ring buffer, as tracefs shows it in
 * `events/header_page` and `events/header_event` (`ring_buffer_print_page_header`,
 * `ring_buffer_print_entry_header`). trace.dat and perf's tracing data carry both texts;
 * libtraceevent's `tep_parse_header_page` reads the first.
 *
 * @packageDocumentation
 */
import { badNumber } from './args.js'

/** Bytes of a sub-buffer header on a 64-bit kernel: `u64 timestamp` + `local_t commit`. */
const PAGE_HEADER_BYTES = 16

/**
 * The `header_page` text for sub-buffers of `subbufSize` bytes (x86-64 layout: 8-byte
 * `local_t commit`, unsigned `char`), exactly as `ring_buffer_print_page_header` prints it.
 *
 * @param subbufSize sub-buffer size in bytes (4096 = one page).
 * @throws RangeError if `subbufSize` is not an integer above the 16-byte page header.
 */
export function pageHeaderText(subbufSize = 4096): string {
  if (!Number.isInteger(subbufSize) || subbufSize <= PAGE_HEADER_BYTES || subbufSize > 0xffffffff)
    badNumber(
      'subbufSize',
      subbufSize,
      `a sub-buffer size above the ${PAGE_HEADER_BYTES}-byte page header (a u32)`,
    )
  return (
    '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n' +
    '\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n' +
    '\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n' +
    `\tfield: char data;\toffset:${PAGE_HEADER_BYTES};\tsize:${subbufSize - PAGE_HEADER_BYTES};\tsigned:0;\n`
  )
}

/**
 * The `header_event` text (`ring_buffer_print_entry_header`): the 5-bit type_len, 27-bit
 * time_delta event header and the type_len values of padding (29), time extend (30) and
 * absolute time stamp (31).
 */
export function entryHeaderText(): string {
  return (
    '# compressed entry header\n' +
    '\ttype_len    :    5 bits\n' +
    '\ttime_delta  :   27 bits\n' +
    '\tarray       :   32 bits\n' +
    '\n' +
    '\tpadding     : type == 29\n' +
    '\ttime_extend : type == 30\n' +
    '\ttime_stamp : type == 31\n' +
    '\tdata max type_len  == 28\n'
  )
}
