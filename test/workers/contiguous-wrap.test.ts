/**
 * Contiguous layout, records that wrap (issue 12, B.5): writers fill their reservations in
 * place through `w.bytes` / `w.view` as the core README's usage shows, never splitting a
 * payload at the end of the data area, in small rings where a record crosses the end every few
 * dozen records (a header, a payload or a loss record across the end, at every offset the
 * record sizes give). `reserve` must hand out one contiguous range: no writer may write outside
 * its own ring (the next ring's control words follow the data area), and every record read back
 * must be the one written, checked by checksum and per-writer sequence numbers; each ring's
 * `stats()` must equal the writers' and the reader's own counts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RingBuffer, rawContiguousClient } from '@onering/core'
import type { RingMode } from '@onering/core'
import { C_GO, TestWorker, controlBlock, guard, terminateAll } from './harness.js'
import type { ReaderFinal, ReaderPaused, WriterDone } from './harness.js'

afterEach(terminateAll)

const RINGS = 3
const PER_WRITER = 40_000

const cases = [
  { name: 'produce-consume', mode: 'produce-consume' as RingMode, nestEvery: 0 },
  { name: 'overwrite', mode: 'overwrite' as RingMode, nestEvery: 0 },
  { name: 'produce-consume, nested', mode: 'produce-consume' as RingMode, nestEvery: 5 },
  { name: 'overwrite, nested', mode: 'overwrite' as RingMode, nestEvery: 3 },
]

describe.each(cases)('contiguous $name', ({ mode, nestEvery }) => {
  it.each([1024, 4096])(
    `${RINGS} writers filling reservations in place through w.view across the wrap, rings of %i bytes`,
    async (size) => {
      const rb = RingBuffer.create({
        cpus: RINGS,
        size,
        mode,
        client: rawContiguousClient,
        publishBatch: 4,
      })
      const control = controlBlock()
      const ids = Array.from({ length: RINGS }, (_, k) => k)
      const writers = ids.map(
        (id) =>
          new TestWorker('./view-writer.mjs', {
            sab: rb.sab,
            control: control.sab,
            cpu: id,
            id,
            count: PER_WRITER,
            nestEvery,
          }),
      )
      const reader = new TestWorker('./reader.mjs', {
        sab: rb.sab,
        control: control.sab,
        writers: ids.map((id) => ({ id, cpu: id })),
        method: 'consume',
        overwrite: mode === 'overwrite',
      })
      const all = [reader, ...writers]
      const done = await guard(Promise.all(writers.map((w) => w.message<WriterDone>('done'))), all)
      await guard(reader.message<ReaderPaused>('paused'), all)
      Atomics.store(control.i32, C_GO, 1)
      Atomics.notify(control.i32, C_GO)
      const fin = await guard(reader.message<ReaderFinal>('final'), all)
      await Promise.all(all.map((w) => w.exited))

      expect(fin.errors).toEqual([])
      expect(fin.errorCount).toBe(0)
      for (const d of done) {
        expect(d.accepted).toBe(PER_WRITER)
        const got = fin.writers.find((w) => w.id === d.id)!
        // every record written was read back intact, or (overwrite) is a gap in its writer's
        // sequence numbers; the last one always arrives
        expect(got.last).toBe(d.accepted - 1)
        expect(got.received + got.gaps).toBe(d.accepted)
        if (mode === 'produce-consume') expect(got.gaps).toBe(0)
        const s = rb.stats(d.cpu)
        expect(s.written).toBe(d.accepted)
        expect(s.read).toBe(got.received)
        expect(s.overrun).toBe(got.gaps)
        expect(s.entries).toBe(0)
        expect(fin.rings[d.cpu]!.lost).toBe(s.lost)
      }
    },
  )
})
