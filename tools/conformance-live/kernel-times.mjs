/**
 * The kernel's time of every marker write of a scenario run with a real trace clock, for the
 * replay to inject through `ring_buffer_set_clock`.
 *
 * A write the kernel handed out in a page has an exact time: the page's `time_stamp` plus the
 * deltas of the events before it (`time_delta`, TIME_EXTEND `(array[0] << 27) | time_delta`,
 * TIME_STAMP absolute), as libtraceevent's kbuffer adds them. The write is named by the first
 * two bytes of its text (see `ftrace_live.c`). A write nobody read (overwritten, reset, refused,
 * still in the ring) gets an interpolated time (rule **unread-time**): the user-space time the
 * helper took around the write(2), moved onto the kernel's time line by the nearest write read
 * before it, and held between the kernel times of the read writes around it. Its only visible
 * effect is whether a TIME_EXTEND goes in front of it (delta ≥ 2^27), which decides where later
 * events land; the scenarios keep every gap either far below or far above 2^27 ns so that
 * interpolation cannot decide it differently.
 */

const TWO27 = 2 ** 27
const TYPE_PADDING = 29
const TYPE_TIME_EXTEND = 30
const TYPE_TIME_STAMP = 31
const ID_BASE = 0x0b
const ID_RADIX = 245

/** The number of a write from the first bytes of its text (`ftrace_live.c`), or -1. */
function writeId(b, at, len) {
  if (len < 2) return -1
  return b[at] - ID_BASE + (b[at + 1] - ID_BASE) * ID_RADIX
}

/**
 * Walks one `trace_pipe_raw` page: calls `onEvent(ts, payloadOffset, payloadLength)` (if given) for each
 * data event with its absolute time, and returns the number of TIME_EXTEND records.
 */
export function walkPage(b, onEvent) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  let ts = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32
  const commit = v.getUint32(8, true) & 0xfffff
  const end = Math.min(16 + commit, b.length)
  let extends_ = 0
  for (let at = 16; at + 4 <= end;) {
    const w = v.getUint32(at, true)
    const type = w & 31
    const delta = w >>> 5
    if (type === TYPE_PADDING) {
      // time_delta 0 is the kernel's null event (rb_null_event): nothing follows it
      if (delta === 0 || at + 8 > end) break
      at += 4 + v.getUint32(at + 4, true)
    } else if (type === TYPE_TIME_EXTEND) {
      ts += v.getUint32(at + 4, true) * TWO27 + delta
      extends_++
      at += 8
    } else if (type === TYPE_TIME_STAMP) {
      // 59 bits; the top bits come from the page time stamp, as fixAbsoluteTimestamp
      const abs = v.getUint32(at + 4, true) * TWO27 + delta
      const top = Math.floor(ts / 2 ** 59) * 2 ** 59
      ts = top + abs
      at += 8
    } else {
      ts += delta
      const len = type === 0 ? v.getUint32(at + 4, true) - 4 : type * 4
      const data = type === 0 ? at + 8 : at + 4
      if (data + len > end) break
      onEvent?.(ts, data, len)
      at = data + len
    }
  }
  return extends_
}

/**
 * The kernel time of each write step of `scn` (an array indexed by step; `undefined` for other
 * steps), from the helper's frames (`frames[i + 1]` answers `scn.steps[i]`). `printType` is the
 * `print` event's id (only its events name writes). `rate` is the trace clock's units per
 * user-clock unit: 1, or 0 for the `counter` clock (an unread write then takes the time of the
 * read write before it). Returns `{ times, known }`: `known` counts the writes whose time was
 * read from a page.
 */
export function kernelTimes(scn, frames, printType, rate = 1) {
  const steps = scn.steps
  const writeStep = [] // write number → step index
  const user = [] // step index → user-space mid time of the write
  for (let i = 0; i < steps.length; i++) {
    if (steps[i].op !== 'write') continue
    writeStep.push(i)
    const f = frames[i + 1]
    if (f !== undefined && f.bytes.length >= 16) {
      const before = f.bytes.readBigUInt64LE(0)
      const after = f.bytes.readBigUInt64LE(8)
      user[i] = Number((before + after) / 2n)
    }
  }
  const exact = []
  for (let i = 0; i < steps.length; i++) {
    const f = frames[i + 1]
    if (steps[i].op !== 'read' || f === undefined || f.value <= 0) continue
    walkPage(f.bytes, (ts, data, len) => {
      if (len < 18 || f.bytes.readUInt16LE(data) !== printType) return
      const n = writeId(f.bytes, data + 16, len - 18)
      const step = writeStep[n]
      if (step !== undefined && steps[step].op === 'write') exact[step] = ts
    })
  }
  const times = []
  let known = 0
  const unread = new Set()
  let prev = -1 // the last step with an exact time
  let last = -Infinity // the time of the previous write
  for (let i = 0; i < steps.length; i++) {
    if (steps[i].op !== 'write') continue
    if (exact[i] !== undefined) {
      times[i] = exact[i]
      last = exact[i]
      known++
      prev = i
      continue
    }
    // rule unread-time: the user-space time, anchored on the nearest read write before it (or
    // after it when none was read before), kept between the kernel times around it
    let next = -1
    for (let j = i + 1; j < steps.length; j++)
      if (exact[j] !== undefined) {
        next = j
        break
      }
    const u = user[i] ?? 0
    let t
    if (prev >= 0) t = exact[prev] + rate * (u - (user[prev] ?? u))
    else if (next >= 0) t = exact[next] - rate * ((user[next] ?? u) - u)
    else t = rate * u
    if (prev >= 0 && t < exact[prev]) t = exact[prev]
    if (next >= 0 && t > exact[next]) t = exact[next]
    if (t < last) t = last
    times[i] = last = Math.round(t)
    unread.add(i)
  }
  // the steps whose times were interpolated (rule unread-time), for the oldest-event stamp
  times.unread = unread
  return { times, known }
}
