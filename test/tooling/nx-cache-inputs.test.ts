// The nx cache must never replay a test result across environments that change what the test
// does (issue "Reliability", point 10): a run that skipped the kbuffer suite for lack of
// libtraceevent, or ran without CI=true, must not be replayed as the CI result.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const nx = (...args: string[]): string =>
  execFileSync('npx', ['nx', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  })

type Input = string | { env?: string; runtime?: string }
const nxJson = JSON.parse(readFileSync(`${root}/nx.json`, 'utf8')) as {
  namedInputs: Record<string, Input[]>
}

/** Expands named inputs (not `^` dependency inputs) into the flat list nx hashes for the project. */
function expand(inputs: Input[], seen = new Set<string>()): Input[] {
  return inputs.flatMap((i) => {
    if (typeof i !== 'string' || i.startsWith('^') || !(i in nxJson.namedInputs) || seen.has(i))
      return [i]
    seen.add(i)
    return expand(nxJson.namedInputs[i]!, seen)
  })
}

const fingerprint = (env: Record<string, string | undefined>): string =>
  execFileSync(process.execPath, ['tools/test-env.mjs'], { cwd: root, encoding: 'utf8', env })

describe('nx cache inputs of the test targets', () => {
  const projects = nx('show', 'projects', '--with-target', 'test')
    .trim()
    .split('\n')
    .filter(Boolean)

  it('covers every project with a test target', () => {
    expect(projects).toEqual(
      expect.arrayContaining(['@onering/core', '@onering/integration-tests']),
    )
  })

  it.each(projects)('%s: CI, CC and the oracle fingerprint are inputs of test', (project) => {
    const config = JSON.parse(nx('show', 'project', project, '--json')) as {
      targets: Record<string, { inputs?: Input[]; cache?: boolean }>
    }
    const test = config.targets['test']!
    expect(test.cache).toBe(true)
    const flat = expand(test.inputs ?? [])
    expect(flat).toContainEqual({ env: 'CI' })
    expect(flat).toContainEqual({ env: 'CC' })
    expect(flat).toContainEqual({ runtime: 'node tools/test-env.mjs' })
  })

  it('the fingerprint changes with CI and with the oracles on PATH', () => {
    const base = { PATH: process.env['PATH'], HOME: process.env['HOME'] }
    const local = fingerprint({ ...base })
    expect(fingerprint({ ...base, CI: 'true' })).not.toBe(local)
    expect(fingerprint({ ...base, CI: 'false' })).toBe(local)
    // With no PATH the tools disappear: a machine without the oracles hashes differently whenever
    // this one has any of them.
    const bare = fingerprint({ PATH: '/nonexistent', HOME: process.env['HOME'] })
    expect(bare).toMatch(/libtraceevent=none .*perf=none babeltrace2=none/)
    if (/libtraceevent=(?!none)|perf=(?!none)|tracecmd=(?!none)/.test(local))
      expect(bare).not.toBe(local)
  })
})
