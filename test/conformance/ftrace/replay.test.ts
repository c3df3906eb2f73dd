import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '@onering/core'
import { decodeRawStream, ftraceClient, SubbufReader } from '@onering/ftrace'

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/kernel/ftrace/${name}`, import.meta.url)))

interface KEvent {
  ts: number
  payload: Uint8Array
}

function kernelEvents(raw: Uint8Array): KEvent[] {
  const out: KEvent[] = []
  decodeRawStream(raw, 4096, (ev) =>
    out.push({ ts: ev.timestamp, payload: raw.slice(ev.offset, ev.offset + ev.length) }),
  )
  return out
}

/** Bytes of a sub-buffer that carry meaning: header, event headers and payloads up to the string NUL. */
function meaningful(page: Uint8Array): Uint8Array {
  const copy = page.slice()
  const r = new SubbufReader(copy, 4096).load(0)
  for (let ev = r.next(); ev !== null; ev = r.next()) {
    // bytes after the string's NUL inside the 4-byte rounding are whatever the page held before
    const nul = copy.indexOf(0, ev.offset + 16)
    if (nul >= 0 && nul < ev.offset + ev.length) copy.fill(0, nul, ev.offset + ev.length)
  }
  return copy
}

describe('replaying kernel events through the core with the ftrace client', () => {
  it('basic: reproduces the kernel pages byte for byte', () => {
    const raw = fixture('basic.cpu0.raw')
    const events = kernelEvents(raw)
    expect(events).toHaveLength(74)
    const rb = RingBuffer.create({
      client: ftraceClient,
      size: 1 << 16,
      subbufSize: 4096,
      publishBatch: 1,
    })
    const w = rb.writer(0)
    for (const ev of events) {
      const off = w.reserve(ev.payload.length, ev.ts)
      expect(off).toBeGreaterThan(0)
      w.bytes.set(ev.payload, off)
      w.commit()
    }
    w.flush()
    const r = rb.reader()
    for (let page = 0; page < 2; page++) {
      const lease = r.takeSubbuf(0)
      expect(lease).not.toBeNull()
      const ours = rb.subbufBytes(0, lease!.id)
      const theirs = raw.subarray(page * 4096, page * 4096 + 4096)
      expect(Buffer.from(meaningful(ours)).equals(Buffer.from(meaningful(theirs)))).toBe(true)
      rb.releaseSubbuf(lease!)
    }
  })
})

function stats(name: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of new TextDecoder().decode(fixture(name)).split('\n')) {
    const m = /^([a-z ]+):\s+([\d.]+)$/.exec(line)
    if (m) out[m[1]!] = Number(m[2])
  }
  return out
}

describe('replaying the fixture scenarios gives the kernel accounting', () => {
  for (const [name, mode, prefix] of [
    ['overwrite', 'overwrite', 'ow'],
    ['discard', 'produce-consume', 'pc'],
  ] as const) {
    it(`${name}: 5000 markers into buffer_size_kb 8`, () => {
      const raw = fixture(`${name}.cpu0.raw`)
      const kernel = kernelEvents(raw)
      const common = kernel[0]!.payload.subarray(0, 16)
      const rb = RingBuffer.create({
        client: ftraceClient,
        size: 8192,
        subbufSize: 4096,
        mode,
        publishBatch: 1,
      })
      expect(rb.subbufs).toBe(3)
      const w = rb.writer(0)
      const enc = new TextEncoder()
      for (let k = 0; k < 5000; k++) {
        const text = enc.encode(`${prefix} ${String(k).padStart(5, '0')}\n\0`)
        const payload = new Uint8Array(16 + text.length)
        payload.set(common)
        payload.set(text, 16)
        w.write(payload, 1_000_000 + k * 1000)
      }
      w.flush()
      const want = stats(`${name}.stats`)
      const got = rb.stats(0)
      expect(got.entries).toBe(want['entries'])
      expect(got.overrun).toBe(want['overrun'])
      expect(got.dropped).toBe(want['dropped events'])
      expect(got.commitOverrun).toBe(want['commit overrun'])
      expect(got.bytes).toBe(want['bytes'])
      // read every page as trace_pipe_raw does: the same number of pages, the same events
      const r = rb.reader()
      const texts: string[] = []
      let pages = 0
      let missed = 0
      for (let lease = r.takeSubbuf(0); lease !== null; lease = r.takeSubbuf(0)) {
        pages++
        const page = rb.subbufBytes(0, lease.id)
        const sr = new SubbufReader(page, 4096).load(0)
        for (let ev = sr.next(); ev !== null; ev = sr.next()) {
          if (ev.missed !== 0) missed = ev.missed
          texts.push(new TextDecoder().decode(page.subarray(ev.offset + 16, ev.offset + 16 + 8)))
        }
        rb.releaseSubbuf(lease)
      }
      expect(pages).toBe(raw.length / 4096)
      const kernelTexts = kernel.map((e) => new TextDecoder().decode(e.payload.subarray(16, 24)))
      expect(texts).toEqual(kernelTexts)
      expect(missed).toBe(name === 'overwrite' ? want['overrun'] : 0)
    })
  }
})
