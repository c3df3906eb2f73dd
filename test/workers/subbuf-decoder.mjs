// The decoder of the sub-buffer handoff test: receives leases from the consumer worker,
// decodes the records straight from the shared memory with the raw paged client's `decode`
// (no RingReader), checks them and gives each sub-buffer back with `releaseSubbuf`.
//
// workerData: sab, port (a MessagePort from the consumer), writers ([{ id, cpu }]), overwrite
import { parentPort, workerData } from 'node:worker_threads'
import {
  RecordKind,
  RingBuffer,
  decodedRecord,
  getU64,
  rawPagedClient,
  RAW_SUBBUF_FLAGS_OFFSET,
} from '@onering/core'
import { Checker } from './record.mjs'

const { sab, port, writers, overwrite } = workerData
const rb = RingBuffer.attach(sab)
const client = rawPagedClient
const dv = new DataView(sab)
const u8 = new Uint8Array(sab)
const dec = decodedRecord()
const checker = new Checker(writers, rb.cpus, { overwrite, shared: false })
let leases = 0
let released = 0
let records = 0

function decodeLease(lease) {
  const base = rb.subbufOffset(lease.cpu, lease.id)
  const start = base + client.subbufHeaderBytes
  const end = start + lease.dataBytes
  // the sub-buffer header as the client's handoff left it
  if (getU64(dv, base) !== lease.timestamp)
    checker.fail(
      `lease ${lease.cpu}/${lease.id}: header timestamp ${getU64(dv, base)}, lease ${lease.timestamp}`,
    )
  if (dv.getUint32(base + client.commitOffset, true) !== lease.dataBytes)
    checker.fail(`lease ${lease.cpu}/${lease.id}: header commit is not dataBytes`)
  const flags = dv.getUint32(base + RAW_SUBBUF_FLAGS_OFFSET, true)
  if ((flags >>> 31 === 1) !== lease.lost > 0)
    checker.fail(`lease ${lease.cpu}/${lease.id}: lost flag ${flags >>> 31}, lost ${lease.lost}`)
  checker.lost(lease.cpu, lease.lost)
  let ts = lease.timestamp
  let n = 0
  let padding = 0
  for (let at = start; at < end; at += dec.size) {
    client.decode(dv, at, end, dec)
    if (dec.kind === RecordKind.End) break
    if (dec.kind === RecordKind.Corrupt) {
      checker.fail(`lease ${lease.cpu}/${lease.id}: corrupt record at ${at - start}`)
      break
    }
    if (dec.kind === RecordKind.TimeAbsolute) ts = dec.delta
    else ts += dec.delta
    if (dec.kind === RecordKind.Data) {
      checker.check(lease.cpu, u8, dec.payloadOffset, dec.payloadLength, ts)
      n++
    } else if (dec.kind === RecordKind.Padding) padding += dec.size
  }
  // A sub-buffer the writer has closed but is still in (it is switching right now) may be handed
  // out with nothing but its end padding left, as the kernel's read_page copy path does; any
  // other lease has records.
  if (n === 0 && padding !== lease.dataBytes)
    checker.fail(`lease ${lease.cpu}/${lease.id}: no records and not only padding`)
  records += n
}

port.on('message', (m) => {
  if (m.end === true) {
    parentPort.postMessage({ type: 'final', leases, released, records, ...checker.result() })
    port.close()
    return
  }
  leases++
  decodeLease(m)
  rb.releaseSubbuf(m)
  released++
})
