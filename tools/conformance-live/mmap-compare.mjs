/**
 * Step-by-step comparison of the mmap face: each step's own answer is compared as the ftrace
 * half compares it (`compareStep`), then the meta page (`struct trace_buffer_meta`) and the
 * mapped reader sub-buffer, field by field and byte by byte up to its commit.
 */
import { compareStep, count, excuse, newTally, slackBytes, staleTimeOnly, u64 } from './compare.mjs'

/** `struct trace_buffer_meta` fields compared as they are (reader.id goes through the id map). */
const FIELDS = [
  ['meta_page_size', 0, 4],
  ['meta_struct_len', 4, 4],
  ['subbuf_size', 8, 4],
  ['nr_subbufs', 12, 4],
  ['reader.lost_events', 16, 8],
  ['reader.read', 28, 4],
  ['flags', 32, 8],
  ['entries', 40, 8],
  ['overrun', 48, 8],
  ['read', 56, 8],
]
const META_LEN = 80
const RB_MISSED_EVENTS = 2 ** 31
const RB_MISSED_STORED = 2 ** 30

function field(b, at, size) {
  return size === 4 ? b.readUInt32LE(at) : u64(b, at)
}

/** Per-scenario state: the counter-clock rebase (shared with page reads) and the id map. */
export function newMmapState() {
  return { rebase: { kernel: undefined, ours: undefined }, ids: null }
}

/**
 * Rule subbuf-ids: the kernel numbers the sub-buffers at the map (the reader 0, then the ring
 * from the head: 1, 2, …); onering's ids are its physical sub-buffer numbers, fixed for the
 * buffer's life (the mapping is its shared memory, in that order, without a copy). That
 * numbering is all the rule excuses: both keep an id per sub-buffer while mapped, and a reset
 * keeps the reader sub-buffer and the ring order on both sides (`rb_reset_cpu`), so the kernel's
 * and onering's ids must stay a one-to-one pairing from the map on, across resets: a pairing
 * seen once must hold at every later step.
 */
function checkId(state, kid, oid, tally) {
  const ids = (state.ids ??= { k2o: new Map(), o2k: new Map() })
  const o = ids.k2o.get(kid)
  const k = ids.o2k.get(oid)
  if (o === undefined && k === undefined) {
    ids.k2o.set(kid, oid)
    ids.o2k.set(oid, kid)
    if (kid !== oid) excuse(tally, 'subbuf-ids')
    return null
  }
  if (o === oid && k === kid) return null
  return `reader.id: kernel ${kid}, onering ${oid} (kernel id ${kid} was onering ${o}, onering ${oid} was kernel ${k})`
}

/**
 * Rule counter-shared: the kernel's `counter` clock is one counter for the whole machine, so
 * tracing elsewhere (another instance, another CPU) between two of our events adds ticks the
 * replay cannot see: an event's time delta may be larger in the kernel, never smaller. Returns
 * null or a message; marks the delta bits of each data event header as compared.
 */
function compareDeltas(kp, op, len, checked, tally) {
  for (let at = 16; at + 4 <= Math.min(16 + len, kp.length);) {
    const kw = kp.readUInt32LE(at)
    const ow = op.readUInt32LE(at)
    const tl = kw & 31
    if (tl !== (ow & 31)) return null // the byte comparison reports it
    if (tl === 0 && at + 8 > kp.length) break
    if (tl <= 28) {
      const kd = kw >>> 5
      const od = ow >>> 5
      if (kd < od) return `event at ${at}: time delta kernel ${kd}, onering ${od}`
      if (kd > od) excuse(tally, 'counter-shared')
      for (let i = at; i < at + 4; i++) checked.add(i) // the type_len bits stay compared
      const size = tl === 0 ? kp.readUInt32LE(at + 4) : tl * 4
      if (tl === 0 && size !== op.readUInt32LE(at + 4)) return null
      at += 4 + size
    } else if (tl === 29) {
      break // padding: the rest of the page's data
    } else at += tl === 30 ? 8 : 16
  }
  return null
}

/**
 * Compares a sub-buffer (a mapped reader sub-buffer, or a page `read` returned): the rebased
 * time stamp, the commit word, the events up to the commit (time deltas by rule counter-shared,
 * the slack bytes by their rules) and the stored missed count; `whole` also the bytes past them
 * (a page `read` returns is zeroed there, as the kernel's `ring_buffer_read_page` does).
 * `dataEnd`: for the mapped reader sub-buffer, the meta page's `reader.read`.
 */
function comparePage(what, kp, op, state, tally, whole, dataEnd) {
  if (kp.length !== op.length) return `${what} length: kernel ${kp.length}, onering ${op.length}`
  const kc = u64(kp, 8)
  const oc = u64(op, 8)
  if (kc !== oc)
    return `${what} commit word: kernel 0x${kc.toString(16)}, onering 0x${oc.toString(16)}`
  const len = kc % 2 ** 20
  if (len === 0 && !whole) return null // an empty sub-buffer's time stamp is whatever it held
  const rebase = state.rebase
  const kt = u64(kp, 0)
  const ot = u64(op, 0)
  rebase.kernel ??= kt
  rebase.ours ??= ot
  rebase.kernel0 ??= rebase.kernel
  rebase.ours0 ??= rebase.ours
  const ahead = kt - rebase.kernel - (ot - rebase.ours)
  if (ahead > 0) {
    // rule counter-reread, as for page reads (compare.mjs)
    excuse(tally, 'counter-reread')
    rebase.kernel += ahead
  } else if (ahead < 0) {
    // rule counter-shared: pages do not come in time order here (the mapped reader sub-buffer,
    // copied pages stamped with the reader's running time stamp), so the kernel may only be
    // behind the last page's offset, never behind the first page's: ticks from tracing
    // elsewhere are in between
    if (kt - rebase.kernel0 < ot - rebase.ours0)
      return `${what} time_stamp (rebased): kernel ${kt - rebase.kernel0}, onering ${ot - rebase.ours0}`
    excuse(tally, 'counter-shared')
  }
  if (kc >= RB_MISSED_EVENTS) count(tally, `missed events bit (${what})`)
  const checked = new Set()
  // rule stale-real-end (below): past this lap's data (reader.read) the bytes up to the commit
  // are stale, so the time deltas are walked over this lap's events only
  const staleFrom = kc >= RB_MISSED_EVENTS && dataEnd !== undefined ? dataEnd : len
  const dd = compareDeltas(kp, op, Math.min(len, staleFrom), checked, tally)
  if (dd !== null) return `${what} ${dd}`
  const end = whole
    ? kp.length
    : Math.min(kp.length, 16 + len + ((kc / RB_MISSED_STORED) & 1 ? 8 : 0))
  const slack = slackBytes(kp, len)
  // rule stale-real-end: a sub-buffer handed to the reader with missed events gets its commit
  // set to its real_end, which neither side clears when the writer comes back to the sub-buffer
  // in a later lap, so the commit (flags included) can end past this lap's data; GET_READER
  // marks this lap's data read (reader.read), and the bytes from there to the commit and the
  // stored count after it are whatever the sub-buffer held before (its history differs between
  // the two sides)
  if (kc >= RB_MISSED_EVENTS && dataEnd !== undefined)
    for (let i = 16 + dataEnd; i < end; i++) slack.set(i, 'stale-real-end')
  for (let i = 16; i < end; i++)
    if (kp[i] !== op[i]) {
      if (checked.has(i) && ((kp[i] ^ op[i]) & (i % 4 === 0 ? 31 : 0)) === 0) continue
      const rule = slack.get(i)
      if (
        rule !== undefined &&
        (rule === 'resched-flags'
          ? ((kp[i] ^ op[i]) & ~0x24) === 0
          : rule === 'stale-real-end' || staleTimeOnly(kp, op, i))
      ) {
        excuse(tally, rule)
        continue
      }
      return `${what} byte ${i}: kernel 0x${kp[i].toString(16)}, onering 0x${op[i].toString(16)} (commit ${len})`
    }
  return null
}

/**
 * Compares one step: `k` the step's frame, `km` its meta frame (both from `mmap_live`), `o`
 * onering's answer. Returns null or a message.
 */
export function compareMmapStep(step, k, km, o, state, tally) {
  // a page read is compared here (rule counter-shared); every other step as the ftrace half does
  const d =
    step.op === 'read' && k?.kind === 'read' && k.value >= 0 && k.value === o.value
      ? (count(tally, 'read'),
        comparePage('page', k.bytes, Buffer.from(o.bytes), state, tally, true))
      : compareStep(step, k, o, state.rebase, tally)
  if (d !== null) return d
  if (km === undefined || km.kind !== 'meta') return 'the kernel helper sent no meta frame'
  if (step.op === 'map' && k.value === 0) state.ids = null // the kernel numbers them anew
  if (step.op === 'size' && k.value < 0 && km.value === 1) count(tally, 'resize refused (mapped)')
  const mapped = km.value === 1
  if (mapped !== (o.meta !== null)) return `mapped: kernel ${mapped}, onering ${o.meta !== null}`
  if (!mapped) return null
  const kb = km.bytes
  const ob = Buffer.from(o.meta.buffer, o.meta.byteOffset, o.meta.byteLength)
  for (const [name, at, size] of FIELDS) {
    const kv = field(kb, at, size)
    const ov = field(ob, at, size)
    if (name === 'nr_subbufs' && kv === ov - o.spares && o.spares > 0) {
      // rule spare-subbufs: onering's spare sub-buffers (the pages ring_buffer_read_page hands
      // out) live in the mapped shared memory with ids of their own and a spare can rotate into
      // the ring, so nr_subbufs counts them; the kernel allocates its spare pages outside
      excuse(tally, 'spare-subbufs')
      continue
    }
    if (kv !== ov) return `meta ${name}: kernel ${kv}, onering ${ov}`
  }
  if (field(kb, 16, 8) > 0) count(tally, 'lost events (meta)')
  const prev = state.lastId
  state.lastId = field(kb, 24, 4)
  if (step.op === 'get_reader' && prev !== undefined && prev !== state.lastId)
    count(tally, 'reader swap (get_reader)')
  const id = checkId(state, field(kb, 24, 4), field(ob, 24, 4), tally)
  if (id !== null) return id
  if (step.op === 'read' && k.value > 0) state.mixed = true
  else if (step.op === 'get_reader' || step.op === 'map' || step.op === 'reset') state.mixed = false
  if (state.mixed) {
    // rule mixed-readers: a page read while mapped swaps the reader sub-buffer without a meta
    // update, so the meta page still names the old one; the kernel leaves its bytes as they
    // were (6.18's rb_get_reader_page no longer clears the old reader's commit), onering clears
    // its commit when it goes back to the ring. Two readers of one ring are "unpredictable"
    // (Documentation/trace/ring-buffer-map.rst): that sub-buffer is compared again from the
    // next GET_READER, map or reset on
    const scratch = { rebase: { ...state.rebase } }
    const k0 = kb.subarray(META_LEN)
    const o0 = ob.subarray(META_LEN)
    if (comparePage('reader sub-buffer', k0, o0, scratch, newTally(), false) !== null)
      excuse(tally, 'mixed-readers')
    return null
  }
  return comparePage(
    'reader sub-buffer',
    kb.subarray(META_LEN),
    ob.subarray(META_LEN),
    state,
    tally,
    false,
    field(kb, 28, 4),
  )
}
