/**
 * Truncated and corrupt perf.data: reading (header, attrs, features, every record, tracepoint
 * fields, the listing) either succeeds or throws a PerfDataError naming the section and byte
 * offset — never another error, a hang, an out-of-bounds read or an allocation beyond the file.
 */
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PerfDataError, PerfDataReader, perfDataListing } from '../src/index.js'
import { FIXTURES, fixturePath } from './fixtures.js'

/** Read every part of a file the way a consumer does. */
function readAll(bytes: Uint8Array): void {
  const file = new PerfDataReader(bytes)
  for (const r of file.events()) file.traceFields(r)
  try {
    let n = 0
    for (const line of perfDataListing(file)) n += line.length
    expect(n).toBeGreaterThanOrEqual(0)
  } catch (e) {
    // the listing refuses files whose samples lack a printed field: also a PerfDataError
    if (!(e instanceof PerfDataError)) throw e
  }
}

function outcome(bytes: Uint8Array): PerfDataError | undefined {
  try {
    readAll(bytes)
    return undefined
  } catch (e) {
    if (e instanceof PerfDataError) {
      expect(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= bytes.length).toBe(true)
      expect(e.section).not.toBe('')
      return e
    }
    throw e
  }
}

const files = FIXTURES.map((name) => {
  const b = readFileSync(fixturePath(`${name}.data`))
  return { name, bytes: new Uint8Array(b.buffer, b.byteOffset, b.length) }
})

describe('bad perf.data', () => {
  it.each(files)('$name: every truncation is read or refused with a PerfDataError', ({ bytes }) => {
    for (let n = 0; n < bytes.length; n += n < 1024 ? 1 : 61) {
      const e = outcome(bytes.slice(0, n))
      // a file cut anywhere loses the feature sections at its end: always refused
      expect(e, `cut at ${n}`).toBeInstanceOf(PerfDataError)
    }
  })

  it('names the section and offset', () => {
    const b = files[0]!.bytes.slice()
    const dv = new DataView(b.buffer)
    const bad = (mutate: (c: Uint8Array, v: DataView) => void): PerfDataError => {
      const c = b.slice()
      mutate(c, new DataView(c.buffer))
      return outcome(c)!
    }
    expect(bad((c) => (c[0] = 0x51))).toMatchObject({ section: 'file header', offset: 0 })
    expect(
      bad((_, v) => {
        v.setBigUint64(16, 0n, true)
      }),
    ).toMatchObject({
      section: 'file header',
      offset: 16,
    })
    expect(
      bad((_, v) => {
        v.setBigUint64(48, 1n << 40n, true)
      }).section,
    ).toBe('file header')
    const attrsAt = Number(dv.getBigUint64(24, true))
    expect(
      bad((_, v) => {
        v.setBigUint64(attrsAt + 128 + 8, 1n << 33n, true)
      }).section,
    ).toBe('attrs')
    expect(
      bad((_, v) => {
        v.setBigUint64(attrsAt + 128, 1n << 33n, true)
      }).section,
    ).toBe('attrs')
    const dataAt = Number(dv.getBigUint64(40, true))
    expect(
      bad((_, v) => {
        v.setUint16(dataAt + 6, 4, true)
      }),
    ).toMatchObject({
      section: 'data',
      offset: dataAt,
    })
    expect(
      bad((_, v) => {
        v.setUint16(dataAt + 6, 0xfff8, true)
      }),
    ).toMatchObject({
      section: 'data',
      offset: dataAt,
    })
    const tableAt = dataAt + Number(dv.getBigUint64(48, true))
    expect(
      bad((_, v) => {
        v.setBigUint64(tableAt + 8, 1n << 32n, true)
      }).section,
    ).toBe('feature table')
  })

  it.each(files)('$name: random byte mutations (fast-check)', ({ bytes }) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 12,
        }),
        (edits) => {
          const c = bytes.slice()
          for (const [at, v] of edits) c[at] = v
          outcome(c)
        },
      ),
      { numRuns: 300 },
    )
  })

  it.each(files)('$name: mutations of the header and attrs words (fast-check)', ({ bytes }) => {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const dataAt = Number(dv.getBigUint64(40, true))
    fc.assert(
      fc.property(
        fc.nat(Math.floor(dataAt / 8) - 1),
        fc.constantFrom(
          0n,
          1n,
          7n,
          8n,
          0xffffn,
          1n << 31n,
          1n << 32n,
          (1n << 63n) - 1n,
          (1n << 64n) - 1n,
        ),
        (word, v) => {
          const c = bytes.slice()
          new DataView(c.buffer).setBigUint64(word * 8, v, true)
          outcome(c)
        },
      ),
      { numRuns: 300 },
    )
  })
})
