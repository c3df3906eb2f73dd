/**
 * The onering side of the mmap face: a scenario replayed through `@onering/ftrace`'s mapped API
 * (`ring_buffer_map`, `ring_buffer_map_get_reader`, `ring_buffer_unmap`) and the ring_buffer API
 * for everything else. Each step answers what `mmap_live` answers for the kernel: the step's own
 * `{ value, bytes | stats }` and `meta`, the meta page's 80 bytes and the reader sub-buffer while
 * mapped (null when not).
 */
import {
  RB_FL_OVERWRITE,
  RING_BUFFER_ALL_CPUS,
  TRACE_BUFFER_META_LEN,
  ring_buffer_alloc_read_page,
  ring_buffer_change_overwrite,
  ring_buffer_free,
  ring_buffer_free_read_page,
  ring_buffer_map,
  ring_buffer_map_get_reader,
  ring_buffer_record_off,
  ring_buffer_record_on,
  ring_buffer_reset,
  ring_buffer_resize,
  ring_buffer_set_clock,
  ring_buffer_subbuf_size_get,
  ring_buffer_unmap,
  ring_buffer_write,
} from '@onering/ftrace'
import { instanceBuffer, printPayload, readAnswer, statsAnswer } from './replay.mjs'

const EBADF = -9
const EINVAL = -22
const EALREADY = -114

/** The meta page's struct and the reader sub-buffer, copied (what `mmap_live`'s meta frame holds). */
function metaFrame(mapping) {
  const reader = mapping.readerSubbuf()
  const b = new Uint8Array(TRACE_BUFFER_META_LEN + reader.length)
  b.set(mapping.bytes.subarray(0, TRACE_BUFFER_META_LEN))
  b.set(reader, TRACE_BUFFER_META_LEN)
  return b
}

/**
 * Replays `scn` (a program `isMmapProgram` accepts); `m` holds the machine values (type, flags,
 * preempt, ip, pid). Returns one answer a step.
 */
export function replayMmap(scn, m) {
  const setting = (op) => scn.steps.find((s) => s.op === op)?.arg
  const overwrite = Number(setting('overwrite')) === 1
  const sizeKb = Number(setting('size'))
  // a new instance's default size, shrunk by the runner's first buffer_size_kb (see replay.mjs)
  const buf = instanceBuffer(sizeKb, overwrite ? RB_FL_OVERWRITE : 0, {
    clock: 'counter',
    maxByteLength: 1 << 22,
  })
  // the kernel's global counter clock, modelled as the ftrace half does (replay.mjs)
  let now = 0
  let recording = true
  ring_buffer_set_clock(buf, () => (recording ? ++now : now))
  const subbuf = ring_buffer_subbuf_size_get(buf)
  const scratch = new Uint8Array(1 << 16)
  let page = null
  let mapping = null
  const out = []
  let settings = 0
  let sized = false
  try {
    for (const s of scn.steps) {
      let answer
      switch (s.op) {
        case 'clock':
          answer = { value: 0 }
          break
        case 'size':
          // the first is a setting of the fresh instance; later ones resize (refused while mapped)
          if (!sized) {
            sized = true
            answer = { value: 0 }
          } else
            answer = { value: ring_buffer_resize(buf, Number(s.arg) * 1024, RING_BUFFER_ALL_CPUS) }
          break
        case 'overwrite':
          if (settings++ > 0) ring_buffer_change_overwrite(buf, Number(s.arg))
          answer = { value: 0 }
          break
        case 'write': {
          const len = printPayload(scratch, Number(s.arg), m)
          const r = ring_buffer_write(buf, len, scratch)
          answer = { value: r === 0 ? Number(s.arg) : EBADF }
          break
        }
        case 'read': {
          page ??= ring_buffer_alloc_read_page(buf, 0)
          answer = readAnswer(buf, page, subbuf)
          break
        }
        case 'stats':
          now++ // the stats file prints "now ts": one more read of the counter
          answer = {
            value: 0,
            stats: statsAnswer(buf),
          }
          break
        case 'reset':
          ring_buffer_reset(buf)
          answer = { value: 0 }
          break
        case 'on':
          recording = Number(s.arg) === 1
          if (recording) ring_buffer_record_on(buf)
          else ring_buffer_record_off(buf)
          answer = { value: 0 }
          break
        case 'map':
          // the helper maps once; a second map of the same program is its own refusal
          if (mapping !== null) answer = { value: EALREADY }
          else {
            mapping = ring_buffer_map(buf, 0)
            answer = { value: 0 }
          }
          break
        case 'unmap':
          // munmap of nothing is not a kernel call: the helper answers -EINVAL itself
          if (mapping === null) answer = { value: EINVAL }
          else {
            answer = { value: ring_buffer_unmap(buf, 0) }
            mapping = null
          }
          break
        case 'get_reader':
          answer = { value: ring_buffer_map_get_reader(buf, 0) }
          break
        default:
          throw new Error(`mmap replay: unknown step ${s.op}`)
      }
      answer.meta = mapping === null ? null : metaFrame(mapping)
      // onering's spare sub-buffers (the read pages of ring_buffer_read_page) are in the mapping
      answer.spares = buf.rb.physicalSubbufs - buf.rb.subbufs - 1
      out.push(answer)
    }
  } finally {
    if (mapping !== null) ring_buffer_unmap(buf, 0)
    if (page !== null) ring_buffer_free_read_page(buf, 0, page)
    ring_buffer_free(buf)
  }
  return out
}
