/**
 * The onering side: a scenario replayed through the `@onering/ftrace` ring_buffer API. Each step
 * answers what the C helper answers for the kernel: `{ value, bytes }` (a write's count or
 * -errno, a page read's length or -EAGAIN and the page, the stats values).
 */
import {
  RB_FL_OVERWRITE,
  ring_buffer_alloc,
  ring_buffer_alloc_read_page,
  ring_buffer_bytes_cpu,
  ring_buffer_change_overwrite,
  ring_buffer_commit_overrun_cpu,
  ring_buffer_dropped_events_cpu,
  ring_buffer_entries_cpu,
  ring_buffer_free,
  ring_buffer_free_read_page,
  ring_buffer_oldest_event_ts,
  ring_buffer_overrun_cpu,
  ring_buffer_read_events_cpu,
  ring_buffer_read_page,
  ring_buffer_read_page_data,
  ring_buffer_record_off,
  ring_buffer_record_on,
  ring_buffer_reset,
  ring_buffer_resize,
  ring_buffer_set_clock,
  ring_buffer_subbuf_order_set,
  ring_buffer_subbuf_size_get,
  ring_buffer_write,
  RING_BUFFER_ALL_CPUS,
} from '@onering/ftrace'
import { PRINT_OVERHEAD, subbufOrder } from './scenario.mjs'

const EBADF = -9
const EAGAIN = -11

/** Room for the largest ring a scenario asks for (64 KB of 32 KB sub-buffers and the spares). */
const MAX_BYTES = 1 << 22

/** A new instance's ring size: the kernel's `trace_buf_size` (1 441 792 bytes; 1410 in `buffer_size_kb`). */
const INSTANCE_DEFAULT_BYTES = 1441792

/**
 * A buffer with the history of the runner's instance: the kernel allocates a new instance's
 * rings at the default size, and the runner's first write of `buffer_size_kb` shrinks them
 * (`rb_remove_pages` moves `cpu_buffer->pages`, the page a reset restarts at, to the page after
 * the removed run), so the replay allocates the same way and resizes.
 */
export function instanceBuffer(sizeKb, flags, options) {
  const buf = ring_buffer_alloc(INSTANCE_DEFAULT_BYTES, flags, options)
  const r = ring_buffer_resize(buf, sizeKb * 1024, RING_BUFFER_ALL_CPUS)
  if (r !== 0) throw new Error(`instanceBuffer: ring_buffer_resize returned ${r}`)
  return buf
}

/**
 * The `print` event payload the kernel's `trace_marker` write of `len` bytes makes; the text is
 * the helper's: 'a' + k % 26, with the write number `n` (when given: `ftrace_live.c` numbers its
 * writes, `mmap_live.c` does not) in the first two bytes.
 */
export function printPayload(scratch, len, m, n) {
  scratch.fill(0, 0, PRINT_OVERHEAD + len)
  scratch[0] = m.type & 0xff
  scratch[1] = m.type >> 8
  scratch[2] = m.flags
  scratch[3] = m.preempt
  new DataView(scratch.buffer).setInt32(4, m.pid, true)
  scratch.set(m.ip, 8)
  for (let k = 0; k < len; k++) scratch[16 + k] = 0x61 + (k % 26)
  if (n !== undefined && len > 0) scratch[16] = 0x0b + (n % 245)
  if (n !== undefined && len > 1) scratch[17] = 0x0b + (Math.floor(n / 245) % 245)
  scratch[16 + len] = 0x0a // the kernel adds '\n' (the text never ends with one) and a NUL
  return PRINT_OVERHEAD + len
}

/** CPU 0's counters as the `per_cpu/cpu0/stats` file names them. */
export function statsAnswer(buf) {
  return {
    entries: ring_buffer_entries_cpu(buf, 0),
    overrun: ring_buffer_overrun_cpu(buf, 0),
    'commit overrun': ring_buffer_commit_overrun_cpu(buf, 0),
    bytes: ring_buffer_bytes_cpu(buf, 0),
    'dropped events': ring_buffer_dropped_events_cpu(buf, 0),
    'read events': ring_buffer_read_events_cpu(buf, 0),
  }
}

/** A `read(2)` of `trace_pipe_raw` into `page`: the page's bytes, or EAGAIN when empty. */
export function readAnswer(buf, page, subbuf) {
  const r = ring_buffer_read_page(buf, page, subbuf, 0, 0)
  return r < 0
    ? { value: EAGAIN }
    : { value: subbuf, bytes: Uint8Array.from(ring_buffer_read_page_data(page)) }
}

/**
 * Replays `scn`; `m` holds the machine values (type, flags, preempt, ip, pid). `times` (real
 * clocks) holds the kernel's time of each write step, by step index (see `kernel-times.mjs`);
 * without it the clock is the model of the kernel's counter.
 */
export function replay(scn, m, times) {
  const setting = (op) => scn.steps.find((s) => s.setting && s.op === op)?.arg
  const overwrite = Number(setting('overwrite')) === 1
  const sizeKb = Number(setting('size'))
  const subbufKb = setting('subbuf')
  const buf = instanceBuffer(sizeKb, overwrite ? RB_FL_OVERWRITE : 0, {
    clock: 'counter',
    order: subbufKb === undefined ? 0 : subbufOrder(Number(subbufKb)),
    maxByteLength: MAX_BYTES,
  })
  // The kernel's counter clock is one global counter that ticks on every read: each reservation
  // attempt while recording is on (refused ones too) and each stats read ("now ts"). onering's
  // built-in counter counts records per ring, so the replay models the kernel's counter.
  // A real clock: each write takes the kernel's time of the same write.
  let now = 0
  let recording = true
  if (times === undefined) ring_buffer_set_clock(buf, () => (recording ? ++now : now))
  else ring_buffer_set_clock(buf, () => now)
  let subbuf = ring_buffer_subbuf_size_get(buf)
  let writes = 0
  const scratch = new Uint8Array(1 << 16)
  let page = null
  // the stamps of the sub-buffers begun by a write no page showed (rule unread-time): the
  // oldest-event stamp is a guess when it is one of them (rule unread-stamp)
  const guessedStamps = new Set()
  const out = []
  try {
    for (let i = 0; i < scn.steps.length; i++) {
      const s = scn.steps[i]
      if (s.setting) {
        out.push({ value: 0 }) // applied at alloc
        continue
      }
      switch (s.op) {
        case 'overwrite':
          ring_buffer_change_overwrite(buf, Number(s.arg))
          out.push({ value: 0 })
          break
        case 'sleep':
          out.push({ value: 0 })
          break
        case 'resize': {
          // what the resize met, for the summary (the kernel keeps the data, rb_update_pages)
          const entries = ring_buffer_entries_cpu(buf, 0)
          const overrun = ring_buffer_overrun_cpu(buf, 0)
          const value = ring_buffer_resize(buf, Number(s.arg) * 1024, RING_BUFFER_ALL_CPUS)
          const notes = []
          if (entries > 0) notes.push('resize holding data')
          if (page !== null) notes.push('resize with a read page held')
          if (ring_buffer_overrun_cpu(buf, 0) > overrun) notes.push('resize shrink losing data')
          out.push({ value, notes })
          break
        }
        case 'subbuf':
          out.push({ value: ring_buffer_subbuf_order_set(buf, subbufOrder(Number(s.arg))) })
          subbuf = ring_buffer_subbuf_size_get(buf)
          break
        case 'write': {
          if (times !== undefined) now = times[i]
          const before = buf.rb.stats(0)
          const len = printPayload(scratch, Number(s.arg), m, writes++)
          const r = ring_buffer_write(buf, len, scratch)
          // a write that began a sub-buffer (the writer entered a new one, or the ring held
          // nothing since its reset) stamped it with its time: note the guessed ones
          const after = buf.rb.stats(0)
          const began =
            r === 0 && (after.subbufsTouched > before.subbufsTouched || before.bytesWritten === 0)
          if (began && times?.unread?.has(i)) guessedStamps.add(now)
          out.push({ value: r === 0 ? Number(s.arg) : EBADF })
          break
        }
        case 'read': {
          page ??= ring_buffer_alloc_read_page(buf, 0)
          out.push(readAnswer(buf, page, subbuf))
          break
        }
        case 'close':
          if (page !== null) ring_buffer_free_read_page(buf, 0, page)
          page = null
          out.push({ value: 0 })
          break
        case 'stats':
          if (times === undefined) now++ // the stats file prints "now ts": one more counter read
          out.push({
            value: 0,
            stats: statsAnswer(buf),
            oldest: ring_buffer_oldest_event_ts(buf, 0),
            oldestGuessed: guessedStamps.has(ring_buffer_oldest_event_ts(buf, 0)),
            clock: setting('clock'),
          })
          break
        case 'reset':
          ring_buffer_reset(buf)
          out.push({ value: 0 })
          break
        case 'on':
          recording = Number(s.arg) === 1
          if (recording) ring_buffer_record_on(buf)
          else ring_buffer_record_off(buf)
          out.push({ value: 0 })
          break
        default:
          throw new Error(`replay: unknown step ${s.op}`)
      }
    }
  } finally {
    if (page !== null) ring_buffer_free_read_page(buf, 0, page)
    ring_buffer_free(buf)
  }
  return out
}
