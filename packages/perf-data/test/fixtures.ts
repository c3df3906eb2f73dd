/** The committed perf.data fixtures (made by fixtures/make-fixtures.sh) and their companions. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The fixture names: `<name>.data`, `.script` (perf script's listing), `.log` (prog.c's log). */
export const FIXTURES = ['cpu-clock-g', 'tracepoints-g', 'lost'] as const

/** Path of a file of the fixtures folder. */
export function fixturePath(file: string): string {
  return fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url))
}

/** Lines of a text file of the fixtures folder. */
export function fixtureLines(file: string): string[] {
  return readFileSync(fixturePath(file), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
}
