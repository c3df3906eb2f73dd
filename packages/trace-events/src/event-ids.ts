/**
 * Event ids. In the kernel every event has a `type` (the `ID:` of its format, the
 * `common_type` of its payloads): the built-in ftrace events have fixed ids from
 * `enum trace_type` (`kernel/trace/trace.h`), and `register_trace_event` hands out the rest.
 * Here user-defined events get ids from {@link EventIdAllocator}, which never gives out an id
 * of a built-in ftrace event.
 *
 * @packageDocumentation
 */
import { badNumber } from './args.js'

/**
 * The ids of the built-in `ftrace` system's events (Linux 6.18 tracefs,
 * `events/ftrace/<name>/format`), from the kernel's `enum trace_type`.
 */
export const FTRACE_EVENT_IDS: Readonly<Record<string, number>> = Object.freeze({
  function: 1,
  context_switch: 2,
  wakeup: 3,
  kernel_stack: 4,
  print: 5,
  bprint: 6,
  mmiotrace_rw: 7,
  mmiotrace_map: 8,
  branch: 9,
  funcgraph_exit: 10,
  funcgraph_entry: 11,
  user_stack: 13,
  bputs: 15,
  hwlat: 16,
  osnoise: 17,
  timerlat: 18,
  raw_data: 19,
  func_repeats: 20,
})

/**
 * Ids below this are the kernel's `enum trace_type` range (`__TRACE_LAST_TYPE` is 21 in 6.18;
 * the margin covers types added by later kernels): never given to a user-defined event.
 */
export const FTRACE_RESERVED_IDS = 32

/**
 * The first id the allocator hands out by default. The kernel numbers its other events upward
 * from `__TRACE_LAST_TYPE` (up to about 2300 on a 6.18 kernel with modules), and an id is a
 * u16 (`TRACE_EVENT_TYPE_MAX` 65535): starting at 32768 keeps user events clear of the kernel's
 * events when both appear in one trace file.
 */
export const FIRST_USER_EVENT_ID = 32768

/** The largest event id (`TRACE_EVENT_TYPE_MAX`): `common_type` is a u16. */
export const MAX_EVENT_ID = 65535

/**
 * Hands out event ids that collide neither with each other nor with the built-in ftrace events
 * (the kernel's `trace_search_list` / ida allocation in `register_trace_event`).
 */
export class EventIdAllocator {
  readonly #taken = new Set<number>()
  #next: number

  /**
   * @param first the first id to hand out (default {@link FIRST_USER_EVENT_ID}).
   * @throws RangeError if `first` is inside the ftrace range or not a u16.
   */
  constructor(first: number = FIRST_USER_EVENT_ID) {
    if (!Number.isInteger(first) || first < FTRACE_RESERVED_IDS || first > MAX_EVENT_ID)
      badNumber('first', first, `an id in [${FTRACE_RESERVED_IDS}, ${MAX_EVENT_ID}]`)
    this.#next = first
  }

  /** Whether `id` is given out, reserved, or belongs to the ftrace range. */
  isTaken(id: number): boolean {
    if (!Number.isInteger(id) || id < 0 || id > MAX_EVENT_ID) badNumber('id', id, 'a u16 event id')
    return id < FTRACE_RESERVED_IDS || this.#taken.has(id)
  }

  /**
   * Claim a specific id (an event defined with an explicit id, or an id of kernel events that
   * will share a file with the user's).
   *
   * @throws RangeError if `id` is not a u16, is in the ftrace range, or is taken.
   */
  reserve(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id > MAX_EVENT_ID) badNumber('id', id, 'a u16 event id')
    if (id < FTRACE_RESERVED_IDS)
      throw new RangeError(`id: ${id} belongs to the kernel's built-in ftrace events`)
    if (this.#taken.has(id)) throw new RangeError(`id: ${id} is already taken`)
    this.#taken.add(id)
    return id
  }

  /**
   * The next free id.
   *
   * @throws RangeError when every id up to 65535 is taken.
   */
  next(): number {
    while (this.#next <= MAX_EVENT_ID && this.#taken.has(this.#next)) this.#next++
    if (this.#next > MAX_EVENT_ID) throw new RangeError('no event id left (ids are u16)')
    const id = this.#next++
    this.#taken.add(id)
    return id
  }
}
