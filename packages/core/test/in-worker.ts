import { buildSync } from 'esbuild'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

let bundle: string | undefined

/** The core sources bundled into one ES module a worker thread can import (no build needed). */
function coreBundle(): string {
  if (bundle !== undefined) return bundle
  const dir = mkdtempSync(join(tmpdir(), 'onering-core-'))
  const out = join(dir, 'core.mjs')
  const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url))
  const res = buildSync({ entryPoints: [entry], bundle: true, format: 'esm', write: false })
  writeFileSync(out, res.outputFiles[0]!.contents)
  bundle = out
  return out
}

/** What a worker run ended with: its result, its error (name and message), or a timeout. */
export type WorkerOutcome =
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; name: string; message: string }
  | { kind: 'timeout' }

/**
 * Run `body` (the text of an async function of `(core, sab)`, `core` being the module of the
 * sources) in a worker thread on `sab`; terminate the worker after `ms` (a hang).
 */
export function runInWorker(
  sab: SharedArrayBuffer,
  body: string,
  ms: number,
): Promise<WorkerOutcome> {
  const code = `
    import { parentPort, workerData } from 'node:worker_threads'
    const core = await import(workerData.url)
    try {
      const value = await (${body})(core, workerData.sab)
      parentPort.postMessage({ kind: 'result', value })
    } catch (e) {
      parentPort.postMessage({ kind: 'error', name: e?.constructor?.name ?? '', message: String(e?.message ?? e) })
    }`
  const url = new URL(`file://${coreBundle()}`).href
  const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
    workerData: { sab, url },
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void w.terminate()
      resolve({ kind: 'timeout' })
    }, ms)
    w.once('message', (m: WorkerOutcome) => {
      clearTimeout(timer)
      void w.terminate()
      resolve(m)
    })
    w.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
}
