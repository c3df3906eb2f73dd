/**
 * Opening a writer: the one place that picks the writer kind, as LTTng's
 * `lib_ring_buffer_reserve` picks from `config->alloc` — shared sync counts itself in the ring's
 * writer word, per-CPU sync takes the writer lock (or takes it over with `force`), and the
 * layout chooses the paged or contiguous backend (`docs/design.md` §4).
 *
 * @internal
 * @packageDocumentation
 */
import { ContiguousWriter } from './contiguous-writer.js'
import { BusyError, checkFlag, checkOptions } from './errors.js'
import * as L from './layout.js'
import { describeHolder, newToken } from './locks.js'
import { PagedWriter } from './paged-writer.js'
import type { RingBuffer } from './ring-buffer.js'
import { SharedPagedWriter } from './shared-writer.js'
import type { RingWriter } from './writer-base.js'

/** {@link RingBuffer.writer}. */
export function openWriter(
  rb: RingBuffer,
  cpu: number,
  options: { force?: boolean } = {},
): RingWriter {
  rb.checkLive()
  const c = rb.checkCpu(cpu)
  checkFlag('options.force', checkOptions<{ force: boolean }>('options', options, ['force']).force)
  const idx = rb.ctl(c) + L.C_WRITER_LOCK
  // a shared writer counts itself in the writer word when it takes its lease
  if (rb.sync === 'shared') return new SharedPagedWriter(rb, c)
  let token = rb.tryLock(idx)
  if (token === 0) {
    const holder = Atomics.load(rb.i32, idx)
    if (options.force !== true)
      throw new BusyError(
        `cpu: ring ${c} already has a writer (per-cpu sync), ${describeHolder(holder)}`,
      )
    token = newToken()
    if (token === holder) token = newToken()
    Atomics.store(rb.i32, idx, token)
  }
  try {
    return rb.g.layout === L.LAYOUT_PAGED
      ? new PagedWriter(rb, c, token)
      : new ContiguousWriter(rb, c, token)
  } catch (e) {
    rb.unlock(idx, token)
    throw e
  }
}
