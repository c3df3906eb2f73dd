/**
 * Step-by-step comparison of the mmap face: each step's own answer is compared as the ftrace
 * half compares it (`compareStep`), then the meta page (`struct trace_buffer_meta`) and the
 * mapped reader sub-buffer, field by field and byte by byte up to its commit.
 */
import { compareStep, count, excuse, slackBytes, u64 } from './compare.mjs'

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
 * Rule subbuf-ids: the kernel numbers the sub-buffers at the first map (the reader 0, then the
 * ring from the head: 1, 2, …); onering's ids are its physical sub-buffer numbers, fixed for the
 * buffer's life (the mapping is its shared memory, in that order, without a copy). Both keep an
 * id per physical sub-buffer while mapped, so the kernel's and onering's ids must stay a
 * one-to-one pairing from the map on: a pairing seen once must hold at every later step.
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

function compareReader(kp, op, state, tally) {
  if (kp.length !== op.length)
    return `reader sub-buffer length: kernel ${kp.length}, onering ${op.length}`
  const kc = u64(kp, 8)
  const oc = u64(op, 8)
  if (kc !== oc)
    return `reader commit word: kernel 0x${kc.toString(16)}, onering 0x${oc.toString(16)}`
  const len = kc % 2 ** 20
  if (len === 0) return null // an empty sub-buffer's time stamp is whatever it held before
  const rebase = state.rebase
  const kt = u64(kp, 0)
  const ot = u64(op, 0)
  rebase.kernel ??= kt
  rebase.ours ??= ot
  const ahead = kt - rebase.kernel - (ot - rebase.ours)
  if (ahead > 0) {
    // rule counter-reread, as for page reads (compare.mjs)
    excuse(tally, 'counter-reread')
    rebase.kernel += ahead
  } else if (ahead !== 0)
    return `reader time_stamp (rebased): kernel ${kt - rebase.kernel}, onering ${ot - rebase.ours}`
  if (kc >= RB_MISSED_EVENTS) count(tally, 'missed events bit (mapped reader)')
  // the data up to the commit, and the stored missed count after it
  const end = Math.min(kp.length, 16 + len + ((kc / RB_MISSED_STORED) & 1 ? 8 : 0))
  const slack = slackBytes(kp, len)
  for (let i = 16; i < end; i++)
    if (kp[i] !== op[i]) {
      const rule = slack.get(i)
      if (rule !== undefined && (rule !== 'resched-flags' || ((kp[i] ^ op[i]) & ~0x24) === 0)) {
        excuse(tally, rule)
        continue
      }
      return `reader sub-buffer byte ${i}: kernel 0x${kp[i].toString(16)}, onering 0x${op[i].toString(16)} (commit ${len})`
    }
  return null
}

/**
 * Compares one step: `k` the step's frame, `km` its meta frame (both from `mmap_live`), `o`
 * onering's answer. Returns null or a message.
 */
export function compareMmapStep(step, k, km, o, state, tally) {
  const d = compareStep(step, k, o, state.rebase, tally)
  if (d !== null) return d
  if (km === undefined || km.kind !== 'meta') return 'the kernel helper sent no meta frame'
  if (step.op === 'map' && k.value === 0) state.ids = null // the kernel numbers them anew
  if (step.op === 'reset' && state.ids !== null) {
    // rule reset-relayout: the kernel's reset keeps its reader page and restarts the ring at its
    // page list; onering's puts every sub-buffer back in its first layout (reader = physical 0),
    // so the pairing of ids is learned again from here
    excuse(tally, 'reset-relayout')
    state.ids = null
  }
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
  return compareReader(kb.subarray(META_LEN), ob.subarray(META_LEN), state, tally)
}
