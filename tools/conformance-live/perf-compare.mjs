/**
 * Step-by-step comparison of the kernel's perf mapping (a frame of `perf_live`) with onering's
 * (a step of `perf-replay.mjs`), and the named rules of the perf half: kernel behaviours user
 * space does not reproduce, excused and counted. Counters are kept in a tally of
 * `compare.mjs`'s `newTally()` shape.
 */
import { POLLHUP, POLLIN, PERF_RECORD_LOST } from '@onering/perf'
import { CONTROL_BYTES, dumpView, stepRecords } from './perf-replay.mjs'

/** The deterministic fields of `struct perf_event_mmap_page`: [name, offset, bytes]. */
const CONTROL_FIELDS = [
  ['version', 0, 4],
  ['compat_version', 4, 4],
  ['capabilities', 40, 8],
  ['size', 72, 4],
  ['data_head', 1024, 8],
  ['data_tail', 1032, 8],
  ['data_offset', 1040, 8],
  ['data_size', 1048, 8],
  ['aux_head', 1056, 8],
  ['aux_tail', 1064, 8],
  ['aux_offset', 1072, 8],
  ['aux_size', 1080, 8],
]

function excuse(tally, rule) {
  ;(tally.rules[rule] ??= new Set()).add(tally.scenarios)
}

function count(tally, op, n = 1) {
  tally.ops[op] = (tally.ops[op] ?? 0) + n
}

function field(bytes, off, n) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return n === 4 ? BigInt(v.getUint32(off, true)) : v.getBigUint64(off, true)
}

const hex = (v) => `0x${v.toString(16)}`

/**
 * Counts what the kernel did in a step: its LOST records, a head
 * that crossed the end of the data area (a wrap).
 */
function countKernel(step, kPrev, kNow, scn, tally) {
  const dataSize = scn.open.pages * 4096
  if (step.op === 'getppid') count(tally, 'getppid', Number(step.arg))
  else count(tally, step.op)
  if (kPrev.head === kNow.head) return
  for (const r of stepRecords(kNow, kPrev.head, kNow.head, scn.open.backward, dataSize))
    if (r.type === PERF_RECORD_LOST) count(tally, 'LOST')
  // a wrap: the head crossed a multiple of the data size (backward: the negated head did)
  const ds = BigInt(dataSize)
  const M = 1n << 64n
  const pos = (h) => (scn.open.backward ? (M - h) % M : h)
  if (pos(kPrev.head) / ds !== pos(kNow.head) / ds) count(tally, 'wrap')
}

/**
 * Compares step `i` (−1: the mapping right after open): the step's result, the deterministic
 * control-page fields and every word of the data area. Returns null or a message.
 *
 * The words onering marked as a LOST record's id (body `id`, trailer ID / STREAM_ID /
 * IDENTIFIER) must hold the kernel's event id in the kernel's mapping and onering's event id in
 * onering's (ids are machine values: each side numbers its own events). Every other word —
 * the LOST record's header, count and the rest of its trailer included — must be identical.
 */
export function comparePerfStep(scn, i, kFrame, kPrevFrame, ours, kid, tally) {
  const step = i < 0 ? { op: 'open' } : scn.steps[i]
  if (kFrame === undefined) return 'the kernel helper stopped early'
  if (kFrame.kind !== step.op) return `frame ${kFrame.kind} for step ${step.op}`
  const dataSize = scn.open.pages * 4096
  const kNow = dumpView(kFrame.bytes, dataSize)
  if (i >= 0) {
    countKernel(step, dumpView(kPrevFrame.bytes, dataSize), kNow, scn, tally)
    // rule refresh-stopped: since Linux 6.16 the event_limit path of __perf_event_overflow
    // stops the event (pmu->stop: PERF_HES_STOPPED), and the tracepoint PMU's perf_trace_add
    // never clears that flag when the event is enabled again, so the kernel's event stays
    // silent after its REFRESH limit ran out, whatever ENABLE or REFRESH follows; onering
    // samples again as an enabled event does. The replay writes nothing for it either.
    if (ours.rule !== null) excuse(tally, ours.rule)
    // poll: the kernel answers EPOLLIN | EPOLLRDNORM; onering reports POLLIN and POLLHUP
    const kValue = step.op === 'poll' ? kFrame.value & (POLLIN | POLLHUP) : kFrame.value
    if (step.op === 'poll' && kValue & POLLIN) count(tally, 'poll POLLIN')
    if (kValue !== ours.value) return `${step.op} returned: kernel ${kValue}, onering ${ours.value}`
  }
  const kPage = kFrame.bytes.subarray(0, CONTROL_BYTES)
  for (const [name, off, n] of CONTROL_FIELDS) {
    const a = field(kPage, off, n)
    const b = field(ours.page, off, n)
    if (a !== b) return `control page ${name}: kernel ${hex(a)}, onering ${hex(b)}`
  }
  const kData = kFrame.bytes.subarray(CONTROL_BYTES, CONTROL_BYTES + dataSize)
  const kv = new DataView(kData.buffer, kData.byteOffset, dataSize)
  const ov = new DataView(ours.data.buffer, ours.data.byteOffset, dataSize)
  for (let at = 0; at < dataSize; at += 8) {
    const a = kv.getBigUint64(at, true)
    const b = ov.getBigUint64(at, true)
    const mark = ours.marks.get(at)
    if (mark === 'id') {
      if (a !== kid || b !== ours.oid)
        return `data ${at}: id word: kernel ${a} (its event id ${kid}), onering ${b} (its event id ${ours.oid})`
      continue
    }
    if (mark === 'ip') {
      // the bridge's IP is 0: a JavaScript call site has no code address (the kernel's is the
      // user address of the syscall)
      if (b !== 0n) return `data ${at}: bridge IP: onering ${hex(b)}, not 0`
      continue
    }
    if (mark === 'pid') {
      // TID {pid, tid}: the tid is the payload's common_pid, the pid each side's own process
      const M32 = 0xffffffffn
      if (
        a >> 32n !== b >> 32n ||
        (a & M32) !== BigInt(ours.kpid) ||
        (b & M32) !== BigInt(process.pid)
      )
        return `data ${at}: TID word: kernel ${hex(a)} (pid ${ours.kpid}), onering ${hex(b)} (pid ${process.pid})`
      continue
    }
    if (a !== b) {
      for (let j = 0; j < 8; j++)
        if (kData[at + j] !== ours.data[at + j])
          return `data byte ${at + j}: kernel ${hex(kData[at + j])}, onering ${hex(ours.data[at + j])} (data_head ${hex(kNow.head)})`
    }
  }
  return null
}
