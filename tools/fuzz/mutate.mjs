/**
 * Seeded mutators for the fuzz harness: a small, fast PRNG (xorshift128+ on two 32-bit halves
 * would do; sfc32 here) and the classic byte-level mutations — bit flips, byte and word sets to
 * "interesting" values (0, −1, powers of two, the format's limits), aligned u32/u64 overwrites,
 * chunk copies inside the input, truncation and extension. Every decision comes from the PRNG,
 * so a (seed, index) pair reproduces an input exactly.
 */

/** sfc32: a 128-bit-state PRNG; returns a function giving uint32 values. */
export function prng(seed) {
  let a = 0x9e3779b9 ^ seed
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b)
  let c = 0xb7e15162 ^ Math.imul(seed, 0xc2b2ae35)
  let d = 1
  const next = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) next()
  return next
}

/** The PRNG of input `i` of `seed`: every input can be regenerated alone. */
export const inputRand = (seed, i) =>
  prng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) | 0)

const INTERESTING32 = [
  0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 4080, 4095, 4096, 4097, 0x7fff,
  0x8000, 0xffff, 0x10000, 0xfffff, 0x100000, 0x7ffffff, 0x8000000, 0x7fffffff, 0x80000000,
  0xc0000000, 0xfffffff0, 0xfffffffe, 0xffffffff,
]

/**
 * One mutated copy of `input`: 1 to 8 mutations. `focus` (optional) is a list of [start, end)
 * byte ranges that the word mutations prefer (control words, headers) half of the time.
 */
export function mutate(input, rand, focus = []) {
  let out = new Uint8Array(input)
  const n = 1 + (rand() % 8)
  const pick = (len) => {
    if (focus.length > 0 && rand() % 2 === 0) {
      const [s, e] = focus[rand() % focus.length]
      const end = Math.min(e, out.length)
      if (end > s) return s + (rand() % (end - s))
    }
    return len === 0 ? 0 : rand() % len
  }
  for (let k = 0; k < n; k++) {
    if (out.length === 0) {
      out = new Uint8Array(1 + (rand() % 64))
      continue
    }
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength)
    switch (rand() % 10) {
      case 0: {
        const at = pick(out.length)
        out[at] ^= 1 << (rand() % 8)
        break
      }
      case 1:
        out[pick(out.length)] = rand() & 0xff
        break
      case 2:
      case 3: {
        const at = pick(out.length) & ~3
        if (at + 4 <= out.length)
          dv.setUint32(at, INTERESTING32[rand() % INTERESTING32.length], true)
        break
      }
      case 4: {
        const at = pick(out.length) & ~7
        if (at + 8 <= out.length) {
          dv.setUint32(at, INTERESTING32[rand() % INTERESTING32.length], true)
          dv.setUint32(at + 4, rand() % 4 === 0 ? 0xffffffff : rand() % 3 === 0 ? rand() : 0, true)
        }
        break
      }
      case 5: {
        const at = pick(out.length) & ~3
        if (at + 4 <= out.length)
          dv.setInt32(at, dv.getInt32(at, true) + ((rand() % 33) - 16), true)
        break
      }
      case 6: {
        // copy a chunk of the input over another place
        const len = 1 + (rand() % Math.min(64, out.length))
        const from = rand() % (out.length - len + 1)
        const to = rand() % (out.length - len + 1)
        out.copyWithin(to, from, from + len)
        break
      }
      case 7:
        if (rand() % 4 === 0) out = out.slice(0, rand() % out.length)
        break
      case 8:
        if (rand() % 8 === 0) {
          const grown = new Uint8Array(out.length + 1 + (rand() % 256))
          grown.set(out)
          out = grown
        }
        break
      default: {
        const at = pick(out.length)
        out[at] = rand() % 2 === 0 ? 0 : 0xff
      }
    }
  }
  return out
}
