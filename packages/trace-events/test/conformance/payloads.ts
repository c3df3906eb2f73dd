/**
 * Random payloads for a parsed format, valid as the kernel would write them: fields filled
 * with random bytes (often small numbers, so __print_symbolic / __print_flags find names, and
 * often addresses of the test kallsyms, so %ps finds symbols), string arrays holding printable
 * ASCII and a NUL, `__data_loc` words pointing at data placed after the fixed fields.
 */
import type { EventFormat, FormatField } from '../../src/index.js'
import {
  FIELD_IS_ARRAY,
  FIELD_IS_DYNAMIC,
  FIELD_IS_RELATIVE,
  FIELD_IS_STRING,
} from '../../src/index.js'

/** mulberry32: a small seeded PRNG, so every run tests the same payloads. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Symbols the checker and our printer both load (kallsyms text). */
export const TEST_SYMBOLS: readonly (readonly [bigint, string])[] = [
  [0xffffffff81000000n, '_stext'],
  [0xffffffff81200000n, 'schedule'],
  [0xffffffff81200400n, 'do_sys_open'],
  [0xffffffff8149895an, 'tracing_mark_write'],
  [0xffffffff81600000n, 'vfs_read'],
]

/** {@link TEST_SYMBOLS} as /proc/kallsyms text. */
export const TEST_KALLSYMS: string = TEST_SYMBOLS.map(
  ([a, n]) => `${a.toString(16)} T ${n}\n`,
).join('')

function ascii(rand: () => number, n: number): number[] {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(0x20 + Math.floor(rand() * 95))
  return out
}

/** One payload for `format`. */
export function randomPayload(format: EventFormat, rand: () => number): Uint8Array {
  const all: FormatField[] = [...format.commonFields, ...format.fields]
  let fixed = 0
  for (const f of all) fixed = Math.max(fixed, f.offset + f.size)
  const bytes: number[] = []
  for (let i = 0; i < fixed; i++) bytes.push(Math.floor(rand() * 256))
  const put = (at: number, size: number, v: bigint): void => {
    for (let i = 0; i < size; i++) bytes[at + i] = Number((v >> BigInt(8 * i)) & 0xffn)
  }
  for (const f of all) {
    if ((f.flags & (FIELD_IS_ARRAY | FIELD_IS_DYNAMIC)) !== 0) continue
    const r = rand()
    if (r < 0.3) put(f.offset, f.size, BigInt(Math.floor(rand() * 9)))
    else if (r < 0.5 && f.size === 8) {
      const [addr] = TEST_SYMBOLS[Math.floor(rand() * TEST_SYMBOLS.length)]!
      put(f.offset, 8, addr + BigInt(rand() < 0.5 ? 0 : Math.floor(rand() * 64)))
    }
  }
  const trailing: number[] = []
  for (const f of all) {
    const isString = (f.flags & FIELD_IS_STRING) !== 0
    if ((f.flags & FIELD_IS_DYNAMIC) !== 0) {
      if (f.size !== 4) continue
      let data: number[]
      if (isString) data = [...ascii(rand, Math.floor(rand() * 12)), 0]
      else {
        const es = f.elementSize > 0 ? f.elementSize : 4
        data = []
        for (let i = 0; i < es * Math.floor(rand() * 5); i++) data.push(Math.floor(rand() * 256))
      }
      const at = fixed + trailing.length
      const rel = (f.flags & FIELD_IS_RELATIVE) !== 0 ? f.offset + f.size : 0
      put(f.offset, 4, BigInt(((data.length << 16) | (at - rel)) >>> 0))
      trailing.push(...data)
    } else if ((f.flags & FIELD_IS_ARRAY) !== 0 && isString) {
      if (f.size === 0) continue
      const n = Math.floor(rand() * f.size)
      const text = ascii(rand, n)
      for (let i = 0; i < f.size; i++) bytes[f.offset + i] = i < n ? text[i]! : 0
    }
  }
  // a trailing string array (size 0, as ftrace/print's buf) runs to the end of the event
  const tail = all.find(
    (f) => f.size === 0 && (f.flags & FIELD_IS_STRING) !== 0 && (f.flags & FIELD_IS_DYNAMIC) === 0,
  )
  if (tail !== undefined) {
    while (bytes.length + trailing.length < tail.offset) trailing.push(0)
    trailing.push(...ascii(rand, 1 + Math.floor(rand() * 20)), 0x0a, 0)
  }
  const out = Uint8Array.from([...bytes, ...trailing])
  out[0] = format.id & 0xff
  out[1] = format.id >> 8
  return out
}
