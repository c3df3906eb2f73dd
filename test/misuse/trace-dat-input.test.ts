/**
 * The misuse table (see `table.ts`) of `@onering/trace-dat`'s trace-cmd input API: every
 * `tracecmd_*` function and the `TracecmdInput` handle, called with bad arguments and with a
 * closed handle. The package's other exports have their rows in `trace-dat.test.ts`; this file
 * checks only the input API's names, so the two tables do not overlap.
 */
import { fileURLToPath } from 'node:url'
import { describe } from 'vitest'
import * as td from '@onering/trace-dat'
import { tracecmd_close, tracecmd_open, tracecmd_open_head } from '@onering/trace-dat'
import type { TracecmdInput } from '@onering/trace-dat'
import { checkTable, type Made, type Row, type Table } from './table.js'

const file = (n: string): string =>
  fileURLToPath(new URL(`../../packages/trace-dat/test/fixtures/${n}`, import.meta.url))
const KERNEL = file('kernel.v6.dat')
const BUFFERS = file('buffers.v7.dat')

/** The input API's exports: what this table covers. */
const api = Object.fromEntries(
  Object.entries(td).filter(([k]) => k.startsWith('tracecmd_') || k === 'TracecmdInput'),
)

/** A path that cannot be read or bytes that are no trace.dat: TraceDatError of the file. */
const FILE_ERRORS = {
  file: ['trace.dat, file at byte 0', 'trace.dat, file header at byte 0'],
}

const opened = (): TracecmdInput => tracecmd_open(KERNEL)
const closed = (): Made => {
  const h = opened()
  tracecmd_close(h)
  return { args: [h] }
}
/** A row whose first argument is a handle; `rest` are the other arguments. */
const onHandle = (
  rest: () => unknown[],
  names: string[],
  extra: Partial<Row> = {},
  make: () => TracecmdInput = opened,
): Row => ({
  make: () => ({ args: [make(), ...rest()] }),
  names: ['handle', ...names],
  freed: () => {
    const m = closed()
    return { args: [...m.args, ...rest()] }
  },
  ...extra,
})

const table: Table = {
  tracecmd_open: {
    make: () => ({ args: [KERNEL, 0, {}] }),
    names: ['file', 'flags', 'options'],
    ok: { flags: ['undefined'], options: ['undefined', 'object'] }, // {}: the defaults
    aka: FILE_ERRORS,
  },
  tracecmd_open_head: {
    make: () => ({ args: [KERNEL, 0, {}] }),
    names: ['file', 'flags', 'options'],
    ok: { flags: ['undefined'], options: ['undefined', 'object'] }, // {}: the defaults
    aka: FILE_ERRORS,
  },
  tracecmd_init_data: onHandle(
    () => [],
    [],
    {},
    () => tracecmd_open_head(KERNEL),
  ),
  tracecmd_close: {
    make: () => ({ args: [opened()] }),
    names: ['handle'],
    freed: closed,
    freedOk: true,
  },
  tracecmd_cpus: onHandle(() => [], []),
  tracecmd_peek_data: onHandle(() => [1], ['cpu']),
  tracecmd_read_data: onHandle(() => [1], ['cpu']),
  tracecmd_read_cpu_first: onHandle(() => [2], ['cpu']),
  tracecmd_peek_next_data: onHandle(() => [], []),
  tracecmd_read_next_data: onHandle(() => [], []),
  tracecmd_free_record: {
    make: () => ({ args: [td.tracecmd_read_next_data(opened())] }),
    names: ['record'],
    ok: { record: ['null'] }, // C's tracecmd_free_record(NULL) is allowed
  },
  tracecmd_iterate_reset: onHandle(() => [], []),
  tracecmd_iterate_events: onHandle(
    () => [[0, 2], 1, (): number => 0, null],
    ['cpus', 'cpu_size', 'callback', 'callback_data'],
    {
      ok: {
        cpus: ['null', 'array'], // null: every CPU; an empty set: none
        callback_data: '*', // handed to the callback untouched
      },
    },
  ),
  tracecmd_get_tep: onHandle(() => [], []),
  tracecmd_buffer_instances: onHandle(() => [], []),
  tracecmd_buffer_instance_name: onHandle(
    () => [1],
    ['indx'],
    {},
    () => tracecmd_open(BUFFERS),
  ),
  tracecmd_buffer_instance_handle: onHandle(
    () => [0],
    ['indx'],
    {},
    () => tracecmd_open(BUFFERS),
  ),
}

describe('@onering/trace-dat misuse table: the trace-cmd input API', () => {
  checkTable('@onering/trace-dat', api, table)
})
