import { walkPage } from './kernel-times.mjs'

/**
 * Step-by-step comparison of the kernel's answer (a frame of the C helper) with onering's, and
 * the named rules: kernel behaviours user space does not reproduce, excused and counted.
 */

/** Counters of a run: operations seen, and the scenarios each named rule excused. */
export function newTally() {
  return { scenarios: 0, ops: {}, rules: {} }
}

/**
 * The summary lines of a tally: the operations, then the rules with the scenarios each excused;
 * `prefix` names the half (`'perf '`, `'mmap '`, or `''` for the `ring_buffer` API).
 */
export function tallySummary(tally, prefix = '') {
  const ops = Object.entries(tally.ops).map(([k, v]) => `${k} ${v}`)
  const rules = Object.entries(tally.rules).map(([k, v]) => `${k} excused in ${v.size} scenarios`)
  return [
    `${prefix}operations: ${ops.join(', ')}`,
    `${prefix}rules: ${rules.join(', ') || 'none applied'}`,
  ]
}

export function excuse(tally, rule) {
  ;(tally.rules[rule] ??= new Set()).add(tally.scenarios)
}

export function count(tally, op, n = 1) {
  tally.ops[op] = (tally.ops[op] ?? 0) + n
}

const STATS = ['entries', 'overrun', 'commit overrun', 'bytes', 'dropped events', 'read events']

export function parseStats(text) {
  const o = {}
  for (const line of text.split('\n')) {
    const m = /^([a-z ]+): (\d+)/.exec(line)
    if (m) o[m[1]] = Number(m[2])
  }
  return o
}

/**
 * The `oldest event ts` line of a `stats` answer: `tracing_stats_read` prints
 * `ns2usecs(ts)` as `%5llu.%06lu` for the clocks in ns, the raw number for `counter` and
 * `x86-tsc`. Returns it as a BigInt (µs for the clocks in ns), or undefined when missing.
 */
export function parseOldest(text) {
  const m = /^oldest event ts: +(\d+)(?:\.(\d{6}))?$/m.exec(text)
  if (m === null) return undefined
  return m[2] === undefined ? BigInt(m[1]) : BigInt(m[1]) * 1000000n + BigInt(m[2])
}

/** Clocks `tracing_stats_read` prints raw (`trace_clocks[].in_ns` is 0). */
const RAW_CLOCKS = new Set(['counter', 'x86-tsc'])

/** onering's oldest-event stamp as the kernel prints it for `clock`: `ns2usecs` = (ns + 500) / 1000. */
export function printedOldest(ts, clock) {
  const t = BigInt(ts)
  return RAW_CLOCKS.has(clock) ? t : (t + 500n) / 1000n
}

export const u64 = (b, at) => Number(Buffer.from(b.buffer, b.byteOffset).readBigUInt64LE(at))

/**
 * Rule alignment-slack: the bytes between a `print` event's NUL and the event's 4-byte aligned
 * end are written by neither the kernel nor onering (they hold whatever the sub-buffer held).
 * Rule padding-body: the same for the bytes of a padding event past its length word.
 * Returns their page offsets (with the rule's name), found by walking the kernel page's events.
 */
export function slackBytes(b, commit) {
  const out = new Map()
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let at = 16; at < Math.min(16 + commit, b.length - 8);) {
    const w = v.getUint32(at, true)
    const tl = w & 31
    let data = at + 4
    let len
    if (tl === 0) {
      len = v.getUint32(at + 4, true) - 4
      data = at + 8
    } else if (tl <= 28) len = tl * 4
    else if (tl === 29) {
      const plen = w >>> 5 === 0 && v.getUint32(at + 4, true) === 0 ? 0 : v.getUint32(at + 4, true)
      // rule padding-body: past its length word a padding event's bytes are never written
      for (let i = at + 8; i < Math.min(at + 4 + plen, b.length); i++) out.set(i, 'padding-body')
      at += plen === 0 ? 4 : 4 + plen
      continue
    } else {
      at += tl === 30 ? 8 : 16
      continue
    }
    // rule resched-flags: common_flags carries the scheduler's need-resched bits at the time
    // of the write (TRACE_FLAG_NEED_RESCHED 0x04, TRACE_FLAG_PREEMPT_RESCHED 0x20)
    if (data + 2 < b.length) out.set(data + 2, 'resched-flags')
    let nul = data + 16
    const end = Math.min(data + len, b.length)
    while (nul < end && b[nul] !== 0) nul++
    for (let i = nul + 1; i < end; i++) out.set(i, 'alignment-slack')
    at = data + len
  }
  return out
}

/**
 * Rules alignment-slack and padding-body excuse a byte only where the two sides' stale bytes
 * differ in the time field of a stale record header: the 4-byte word holding the byte has the
 * same `type_len` bits (0..4 of its first byte) on both sides. Those bits are equal when both
 * sub-buffers held the same records there; the time delta of a record that no page showed is the
 * replay's estimate (rule unread-time), so it can differ.
 */
export function staleTimeOnly(kb, ob, i) {
  const w = i & ~3
  return ((kb[w] ^ ob[w]) & 0x1f) === 0
}

/** The operation names of the summary for the steps whose program names differ. */
const OP_NAMES = { subbuf: 'subbuf-size' }

/**
 * Compares one step; returns null or a message. `rebase` carries the counter-clock origin of
 * each side (the first page time stamp read); with `rebase.exact` (a real clock, the kernel's
 * times injected) page time stamps must be equal as they are.
 */
export function compareStep(step, k, o, rebase, tally) {
  if (k === undefined) return 'the kernel helper stopped early'
  if (k.kind !== step.op) return `frame ${k.kind} for step ${step.op}`
  count(
    tally,
    step.setting && step.op === 'subbuf' ? 'subbuf-size (setting)' : (OP_NAMES[step.op] ?? step.op),
  )
  if (step.op === 'clock') count(tally, `clock ${step.arg}`)
  for (const note of o?.notes ?? []) count(tally, note)
  if (step.op === 'stats') {
    const ks = parseStats(k.bytes.toString())
    for (const f of STATS)
      if (ks[f] !== o.stats[f]) return `stats ${f}: kernel ${ks[f]}, onering ${o.stats[f]}`
    const ko = parseOldest(k.bytes.toString())
    if (ko === undefined) return 'stats: no oldest event ts line'
    // rule counter-model-stamp: a modelled counter (--counter-model, the mmap face's replay,
    // which reports no stamp) has an origin of its own
    if (!rebase.exact || o.oldest === undefined) excuse(tally, 'counter-model-stamp')
    else if (ko !== printedOldest(o.oldest, o.clock)) {
      // rule unread-stamp: the stamp is the first event's time of a sub-buffer no page showed;
      // the replay gave that write an interpolated time (rule unread-time)
      if (!o.oldestGuessed)
        return `stats oldest event ts: kernel ${ko}, onering ${printedOldest(o.oldest, o.clock)} (${o.clock})`
      excuse(tally, 'unread-stamp')
      count(tally, 'oldest event ts guessed (unread-stamp)')
    } else count(tally, 'oldest event ts equal')
    if (ks.overrun > 0) count(tally, 'overwrite loss (stats with overrun)')
    if (ks['dropped events'] > 0) count(tally, 'dropped (stats with drops)')
    return null
  }
  if (k.value !== o.value) return `${step.op} returned: kernel ${k.value}, onering ${o.value}`
  if (step.op !== 'read' || k.value < 0) return null
  const kb = k.bytes
  const ob = o.bytes
  if (kb.length !== ob.length) return `page length: kernel ${kb.length}, onering ${ob.length}`
  // TIME_EXTEND records the kernel wrote (the pages must then hold the same ones)
  const extended = walkPage(kb)
  if (extended > 0) count(tally, 'time-extend', extended)
  const kt = u64(kb, 0)
  const ot = u64(ob, 0)
  if (rebase.exact) {
    if (kt !== ot) return `page time_stamp: kernel ${kt}, onering ${ot}`
    rebase.kernel = rebase.ours = 0
  }
  // the counter clock: one global counter, so each side is rebased to its first page stamp
  rebase.kernel ??= kt
  rebase.ours ??= ot
  const ahead = kt - rebase.kernel - (ot - rebase.ours)
  if (ahead > 0) {
    // rule counter-reread: the kernel reads its clock once more when an event moves to a new
    // sub-buffer, so its counter runs ahead of the one-stamp-per-event counter
    excuse(tally, 'counter-reread')
    rebase.kernel += ahead
  } else if (ahead !== 0)
    return `page time_stamp (rebased): kernel ${kt - rebase.kernel}, onering ${ot - rebase.ours}`
  // the commit word as two u32 halves: sign-extended flags make it too large for a double to
  // keep its low bits (0xffffffffc0000048 and 0xffffffffc0000050 are the same Number)
  const kw = Buffer.from(kb.buffer, kb.byteOffset + 8, 8).toString('hex')
  const ow = Buffer.from(ob.buffer, ob.byteOffset + 8, 8).toString('hex')
  if (kw !== ow) return `page commit word (LE bytes): kernel ${kw}, onering ${ow}`
  const commit = kb[8] | (kb[9] << 8) | (kb[10] << 16) | (kb[11] << 24)
  if (commit & (2 ** 31)) count(tally, 'missed events bit')
  const slack = slackBytes(kb, commit & 0xfffff)
  for (let i = 16; i < kb.length; i++)
    if (kb[i] !== ob[i]) {
      const rule = slack.get(i)
      if (
        rule !== undefined &&
        (rule === 'resched-flags' ? ((kb[i] ^ ob[i]) & ~0x24) === 0 : staleTimeOnly(kb, ob, i))
      ) {
        excuse(tally, rule)
        continue
      }
      return `page byte ${i}: kernel 0x${kb[i].toString(16)}, onering 0x${ob[i].toString(16)} (commit ${commit})`
    }
  return null
}
