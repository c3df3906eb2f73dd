/**
 * `trace_seq_printf` against glibc's printf (`printf-check.c`): thousands of random single
 * conversions — `%d %i %u %x %X %o %c %s` with every flag, widths, precisions and the size
 * modifiers — and random values, printed by both; the bytes must be equal. This is the printf
 * under `tep_print_event`'s COMM, NAME, PID and CPU conversions.
 *
 * Needs a C compiler; skipped with a warning without one, a failure when `CI` is set.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { TraceSeq, trace_seq_init, trace_seq_printf } from '../../src/index.js'
import { inCi, missing } from './oracle.js'
import { prng } from './payloads.js'

if (missing !== null) {
  if (inCi)
    describe('printf conformance (CI)', () => {
      it('has a C compiler', () => {
        throw new Error(`printf conformance cannot run: missing ${missing}.`)
      })
    })
  else console.warn(`\n[printf conformance] SKIPPED: missing ${missing}.\n`)
}

interface Case {
  fmt: string
  kind: 'i' | 'u' | 's'
  value: bigint | string
}

function cases(n: number): Case[] {
  const rand = prng(4242)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const out: Case[] = []
  for (let k = 0; k < n; k++) {
    let flags = ''
    for (const f of ['-', '+', ' ', '#', '0']) if (rand() < 0.2) flags += f
    const width = rand() < 0.5 ? String(Math.floor(rand() * 25)) : ''
    const precision = rand() < 0.4 ? `.${rand() < 0.2 ? '' : Math.floor(rand() * 22)}` : ''
    const conv = pick(['d', 'i', 'u', 'x', 'X', 'o', 's', 'c'] as const)
    if (conv === 's') {
      const len = Math.floor(rand() * 30)
      const text = Array.from({ length: len }, () =>
        String.fromCharCode(0x20 + Math.floor(rand() * 95)),
      ).join('')
      out.push({
        fmt: `%${flags.replace(/[+ #0]/g, '')}${width}${precision}s`,
        kind: 's',
        value: text,
      })
      continue
    }
    const size = conv === 'c' ? '' : pick(['', '', 'hh', 'h', 'l', 'll', 'z', 'j'] as const)
    const bits = size === 'l' || size === 'll' || size === 'z' || size === 'j' ? 64 : 32
    const raw =
      rand() < 0.3
        ? BigInt(Math.floor(rand() * 200) - 100)
        : BigInt.asIntN(
            bits,
            BigInt(Math.floor(rand() * 2 ** 32)) * BigInt(Math.floor(rand() * 2 ** 32)),
          )
    const signed = conv === 'd' || conv === 'i' || conv === 'c'
    const value = signed ? raw : BigInt.asUintN(bits, raw)
    // glibc's %c ignores precision and '0'; keep the format defined
    const f =
      conv === 'c'
        ? `%${flags.replace(/[+ #0]/g, '')}${width}c`
        : `%${flags}${width}${precision}${size}${conv}`
    out.push({
      fmt: f,
      kind: signed ? 'i' : 'u',
      value: conv === 'c' ? BigInt(32 + Math.floor(rand() * 95)) : value,
    })
  }
  return out
}

describe.skipIf(missing !== null)('trace_seq_printf conformance (glibc printf)', () => {
  it('every random conversion prints as glibc prints it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'onering-printf-'))
    try {
      const exe = join(dir, 'printf-check')
      const src = fileURLToPath(new URL('./printf-check.c', import.meta.url))
      const cc = spawnSync(
        process.env['CC'] ?? 'cc',
        [
          '-std=gnu11',
          '-O2',
          '-Wall',
          '-Wno-format-security',
          '-Wno-format-nonliteral',
          '-o',
          exe,
          src,
        ],
        {
          encoding: 'utf8',
        },
      )
      expect(cc.status, cc.stderr).toBe(0)
      const all = cases(4000)
      const input = all
        .map(
          (c) =>
            `${Buffer.from(c.fmt).toString('hex')} ${c.kind} ${c.kind === 's' ? Buffer.from(c.value as string).toString('hex') : String(c.value)}`,
        )
        .join('\n')
      writeFileSync(join(dir, 'in'), `${input}\n`)
      const r = spawnSync(exe, [join(dir, 'in')], { encoding: 'utf8', maxBuffer: 1 << 26 })
      expect(r.status, r.stderr).toBe(0)
      const theirs = r.stdout.trimEnd().split('\n')
      expect(theirs).toHaveLength(all.length)
      const bad: [string, string, string, string][] = []
      all.forEach((c, k) => {
        const s = new TraceSeq()
        trace_seq_init(s)
        trace_seq_printf(s, c.fmt, c.value)
        const t = Buffer.from(theirs[k]!, 'hex').toString('latin1')
        if (s.buffer !== t) bad.push([c.fmt, String(c.value), s.buffer, t])
      })
      expect(bad.slice(0, 10)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
