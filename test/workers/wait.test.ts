/**
 * A consumer worker blocks in `reader.wait()` (Atomics.wait on the ring's futex word) while two
 * writer workers write in bursts. Writers never notify per record: they look for waiters once
 * per publish. The consumer must wake up, read everything and finish.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient, rawPagedClient } from '@onering/core'
import type { Watermark } from '@onering/core'
import { TestWorker, controlBlock, guard, sum, terminateAll } from './harness.js'
import type { WorkerMessage } from './harness.js'

afterEach(terminateAll)

const PER_WRITER = 100_000

interface Run {
  run: string
  layout: 'paged' | 'contiguous'
  perCpu: boolean
  watermark: Watermark
  label: string
}

const runs: Run[] = [
  { run: '1/5', layout: 'paged', perCpu: false, watermark: {}, label: 'any ring, any record' },
  {
    run: '2/5',
    layout: 'paged',
    perCpu: true,
    watermark: { records: 1000 },
    label: 'per ring, 1000 records',
  },
  {
    run: '3/5',
    layout: 'contiguous',
    perCpu: true,
    watermark: { bytes: 32768 },
    label: 'per ring, 32 KiB',
  },
  {
    run: '4/5',
    layout: 'paged',
    perCpu: true,
    watermark: { percent: 50 },
    label: 'per ring, half the sub-buffers',
  },
  { run: '5/5', layout: 'contiguous', perCpu: false, watermark: {}, label: 'any ring, any record' },
]

interface WriterDone extends WorkerMessage {
  id: number
  attempts: number
  accepted: number
}

interface ConsumerFinal extends WorkerMessage {
  woken: number
  timedOut: number
  slept: number
  writers: { id: number; received: number; gaps: number; last: number }[]
  rings: { records: number }[]
  errorCount: number
  errors: string[]
}

describe('a consumer blocked in reader.wait() in a worker', () => {
  it.each(runs)(
    'run $run, $layout, $label: wakes up and reads everything',
    { timeout: 60_000 },
    async (r) => {
      const rb = RingBuffer.create({
        cpus: 2,
        mode: 'produce-consume',
        size: 1 << 17,
        client: r.layout === 'paged' ? rawPagedClient : rawContiguousClient,
      })
      const control = controlBlock()
      const writers = [0, 1].map(
        (id) =>
          new TestWorker('./writer.mjs', {
            sab: rb.sab,
            control: control.sab,
            cpu: id,
            id,
            count: PER_WRITER,
            api: 'write',
            // bursts of 5000 records with 2 ms pauses: the consumer catches up and sleeps
            burst: 5000,
            burstSleepMs: 2,
          }),
      )
      const consumer = new TestWorker('./wait-consumer.mjs', {
        sab: rb.sab,
        control: control.sab,
        writers: [0, 1].map((id) => ({ id, cpu: id })),
        perCpu: r.perCpu,
        watermark: r.watermark,
      })
      const all = [consumer, ...writers]
      const done = await guard(Promise.all(writers.map((w) => w.message<WriterDone>('done'))), all)
      const fin = await guard(consumer.message<ConsumerFinal>('final'), all)
      await Promise.all(all.map((w) => w.exited))

      expect(fin.errors).toEqual([])
      expect(fin.errorCount).toBe(0)
      expect(fin.woken).toBeGreaterThan(0)
      for (let cpu = 0; cpu < 2; cpu++) {
        const s = rb.stats(cpu)
        expect(done[cpu]!.attempts).toBe(s.written + s.dropped)
        expect(fin.writers[cpu]!.received).toBe(PER_WRITER)
        expect(fin.rings[cpu]!.records).toBe(s.read)
        expect(s.read).toBe(s.written)
        expect(s.entries).toBe(0)
      }
      console.log(
        `wait ${r.layout}, ${r.label}: ${sum(fin.rings, (x) => x.records)} records, woken ${fin.woken} times ` +
          `(slept before ${fin.slept} of the waits), ${fin.timedOut} timeouts`,
      )
    },
  )
})
