/** CLI mistakes: one clear line on stderr and a non-zero exit, nothing run. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { onering, outDir } from './support.js'

function oneLine(r: { stderr: string }): string {
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describe('onering: CLI errors', () => {
  it('an unknown option', () => {
    const r = onering(['record', '--frobnicate', '--', 'node', '-e', '0'])
    expect(r.status).toBe(2)
    expect(oneLine(r)).toMatch(/^onering: record: Unknown option '--frobnicate'/)
  })
  it('no command', () => {
    const r = onering(['record', '-o', outDir()])
    expect(r.status).toBe(2)
    expect(oneLine(r)).toBe('onering: record: no command to record (onering record -- node app.js)')
  })
  it('a command that does not exist', () => {
    const r = onering(['record', '-o', outDir(), '--', 'no-such-command-xyz'])
    expect(r.status).toBe(127)
    expect(oneLine(r)).toBe('onering: record: command not found: no-such-command-xyz')
  })
  it('an output directory that cannot be written', () => {
    const file = join(outDir(), 'a-file')
    writeFileSync(file, '')
    const r = onering(['record', '-o', join(file, 'sub'), '--', 'node', '-e', '0'])
    expect(r.status).toBe(2)
    expect(oneLine(r)).toMatch(
      /^onering: record: cannot write to the output directory .*a-file\/sub \(ENOTDIR\)$/,
    )
  })
  it('a bad size, an unknown group, an unknown command, a missing file', () => {
    expect(oneLine(onering(['record', '--buffer', 'lots', '--', 'node']))).toMatch(
      /--buffer: 'lots' is not a size/,
    )
    expect(oneLine(onering(['record', '--events', 'http,dns', '--', 'node']))).toMatch(
      /--events: unknown group 'dns'/,
    )
    expect(oneLine(onering(['frob']))).toMatch(/^onering: unknown command 'frob'/)
    const r = onering(['script', '/nonexistent/trace.dat'])
    expect(r.status).toBe(1)
    expect(oneLine(r)).toBe('onering: cannot read /nonexistent/trace.dat (ENOENT)')
  })
  it('a format without a writer', () => {
    const r = onering(['record', '--format', 'trace.dat,pcap', '--', 'node', '-e', '0'])
    expect(r.status).toBe(2)
    expect(oneLine(r)).toBe(
      "onering: record: --format: unknown format 'pcap' (trace.dat, perf.data)",
    )
  })

  it('--help fits a screen', () => {
    for (const args of [
      ['--help'],
      ['record', '--help'],
      ['script', '--help'],
      ['report', '--help'],
    ]) {
      const r = onering(args)
      expect(r.status).toBe(0)
      const lines = r.stdout.trimEnd().split('\n')
      expect(lines.length).toBeLessThanOrEqual(24)
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100)
    }
  })
})
