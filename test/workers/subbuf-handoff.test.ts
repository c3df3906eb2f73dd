/**
 * Sub-buffer handoff across real workers: a consumer worker takes whole sub-buffers off the
 * rings with `takeSubbuf` and posts the leases to a decoder worker, which decodes the records
 * straight from the shared memory with the raw paged client and gives the sub-buffers back
 * with `releaseSubbuf`, while two writer workers keep writing.
 */
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { BusyError, RingBuffer } from '@onering/core'
import type { RingMode, SubbufLease } from '@onering/core'
import { TestWorker, controlBlock, guard, sum, terminateAll } from './harness.js'
import type { WorkerMessage, WriterDone } from './harness.js'

afterEach(terminateAll)

const PER_WRITER = 150_000
const RING_BYTES = 1 << 16
const runs: { run: string; mode: RingMode }[] = [0, 1, 2, 3, 4].map((k) => ({
  run: `${k + 1}/5`,
  mode: k % 2 === 0 ? 'produce-consume' : 'overwrite',
}))

interface ConsumerDone extends WorkerMessage {
  leases: number
  busy: number
  copies: number
  fullOnly: number
  lost: number[]
}

interface DecoderFinal extends WorkerMessage {
  leases: number
  released: number
  records: number
  writers: { id: number; received: number; gaps: number; last: number }[]
  rings: { records: number; lost: number; gaps: number }[]
  errorCount: number
  errors: string[]
}

describe('takeSubbuf in one worker, decode and releaseSubbuf in another', () => {
  it.each(runs)(
    'run $run, $mode: every record arrives intact, every sub-buffer comes back',
    { timeout: 60_000 },
    async ({ mode }) => {
      const rb = RingBuffer.create({
        cpus: 2,
        size: RING_BYTES,
        subbufSize: 4096,
        spareSubbufs: 4,
        mode,
      })
      const control = controlBlock()
      const overwrite = mode === 'overwrite'
      const ringRecords = Math.floor(RING_BYTES / 100)
      const ids = [0, 1]
      const writers = ids.map(
        (id) =>
          new TestWorker('./writer.mjs', {
            sab: rb.sab,
            control: control.sab,
            cpu: id,
            id,
            count: PER_WRITER,
            api: id === 0 ? 'reserve' : 'write',
            prime: overwrite ? 'overrun' : 'refused',
            lagLimit: Math.floor(ringRecords / 2),
            burstEvery: 50_000,
            burstLen: 3 * ringRecords,
          }),
      )
      const { port1, port2 } = new MessageChannel()
      const consumer = new TestWorker(
        './subbuf-consumer.mjs',
        { sab: rb.sab, control: control.sab, nWriters: 2, port: port1 },
        [port1],
      )
      const decoder = new TestWorker(
        './subbuf-decoder.mjs',
        { sab: rb.sab, port: port2, writers: ids.map((id) => ({ id, cpu: id })), overwrite },
        [port2],
      )
      const all = [consumer, decoder, ...writers]
      const done = await guard(Promise.all(writers.map((w) => w.message<WriterDone>('done'))), all)
      const taken = await guard(consumer.message<ConsumerDone>('done'), all)
      const fin = await guard(decoder.message<DecoderFinal>('final'), all)
      await Promise.all(all.map((w) => w.exited))

      expect(fin.errors).toEqual([])
      expect(fin.errorCount).toBe(0)
      expect(fin.leases).toBe(taken.leases)
      expect(fin.released).toBe(taken.leases)
      for (let cpu = 0; cpu < 2; cpu++) {
        const s = rb.stats(cpu)
        const d = done[cpu]!
        const w = fin.writers[cpu]!
        const r = fin.rings[cpu]!
        expect(d.attempts).toBe(s.written + s.dropped + s.commitOverrun)
        expect(d.accepted).toBe(s.written)
        expect(s.entries).toBe(0)
        expect(s.written).toBe(s.read + s.overrun)
        // the records handed out are exactly the records the decoder found
        expect(r.records).toBe(s.read)
        expect(w.received).toBe(d.accepted - s.overrun)
        expect(w.gaps).toBe(s.overrun)
        expect(w.last).toBe(d.accepted - 1)
        // losses travel with the leases
        expect(taken.lost[cpu]).toBe(s.lost)
        expect(r.lost).toBe(s.lost)
        expect(s.lost).toBe(s.overrun)
        if (overwrite) expect(s.overrun).toBeGreaterThan(0)
        else expect(s.dropped).toBeGreaterThan(0)
      }
      // every spare came back to the pool: four can be leased at once again, not a fifth
      const reader = rb.reader()
      const w = rb.writer(0)
      const held: SubbufLease[] = []
      for (let k = 0; k < 5; k++) {
        for (let n = 0; n < 10; n++) w.write(new Uint8Array(8))
        w.flush()
        if (k < 4) held.push(reader.takeSubbuf(0, { copy: true })!)
        else expect(() => reader.takeSubbuf(0, { copy: true })).toThrow(BusyError)
      }
      for (const lease of held) rb.releaseSubbuf(lease)
      w.close()
      console.log(
        `handoff ${mode}: ${sum(done, (d) => d.accepted)} records written, ${fin.records} decoded from ${taken.leases} leases ` +
          `(${taken.copies} forced copies, ${taken.fullOnly} full-only, ${taken.busy} times all spares out), overrun ${rb.stats().overrun}`,
      )
    },
  )
})
