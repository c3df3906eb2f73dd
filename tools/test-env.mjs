#!/usr/bin/env node
// Prints one line that fingerprints everything in the environment that changes what a test does:
// the CI flag (suites that skip locally fail under CI), the C compiler, and the oracles the
// conformance suites run when present — libtraceevent, trace-cmd, perf, babeltrace2 — plus whether
// tracefs is writable and perf events may be opened. nx takes this line as a `runtime` input of the
// test targets (nx.json, namedInputs.testEnvironment), so a result computed without an oracle is
// never replayed from the cache as a result computed with it.
import { execFileSync } from 'node:child_process'
import { accessSync, constants, readFileSync } from 'node:fs'

const run = (cmd, args) => {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    })
      .split('\n')[0]
      .trim()
  } catch {
    return 'none'
  }
}
const writable = (path) => {
  try {
    accessSync(path, constants.W_OK)
    return 'w'
  } catch {
    return 'no'
  }
}
const read = (path) => {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return 'none'
  }
}
const ci = (process.env.CI ?? '').toLowerCase()
const facts = {
  ci: ['', '0', 'false'].includes(ci) ? 'no' : 'yes',
  cc: run(process.env.CC ?? 'cc', ['--version']),
  libtraceevent: run('pkg-config', ['--modversion', 'libtraceevent']),
  tracecmd: run('sh', ['-c', 'command -v trace-cmd']) === 'none' ? 'none' : 'present',
  perf: run('perf', ['--version']),
  babeltrace2: run('babeltrace2', ['--version']),
  tracefs: writable('/sys/kernel/tracing/instances'),
  paranoid: read('/proc/sys/kernel/perf_event_paranoid'),
  uid: String(process.getuid?.() ?? 'none'),
}
process.stdout.write(
  Object.entries(facts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') + '\n',
)
