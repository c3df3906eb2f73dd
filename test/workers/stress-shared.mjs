// Stress driver for the shared-sync accounting case (not a test; vitest does not pick it up).
// Runs the writer.mjs / reader.mjs workers of accounting.test.ts (3 writers in one shared ring)
// in a loop, with a smaller ring than the test by default (more sub-buffer switches and laps),
// and prints one line per iteration and the number of failed iterations. Needs the built
// package (npx nx run-many -t build --projects=@onering/core).
//
//   node test/workers/stress-shared.mjs [iterations=20] [mode=overwrite|produce-consume]
//        [subbufSize=512] [ringBytes=8192] [perWriter=200000] [api=reserve|write]
//        [writers=3] [skew=0]
//
// skew > 0: writer k writes perWriter - k * skew records (the writers finish at different
// times). The 2-writer 256 KiB overwrite case of accounting.test.ts:
//   node test/workers/stress-shared.mjs 20 overwrite 4096 262144 600000 reserve 2
//
// It found the stale commit-word write of the shared writer (docs/design.md §4.2) about once
// in 200 iterations of `200 overwrite 512 8192 100000`.
import { Worker } from 'node:worker_threads'
import { RingBuffer, rawPagedClient } from '@onering/core'
const [
  iters = 20,
  mode = 'overwrite',
  subbuf = 512,
  ring = 1 << 13,
  per = 200000,
  api = 'reserve',
  nw = 3,
  skew = 0,
] = process.argv.slice(2).map((x) => (isNaN(+x) ? x : +x))
const C_GO = 2
function run(script, data) {
  const w = new Worker(new URL(script, import.meta.url), { workerData: data })
  const msgs = {}
  const waits = {}
  w.on('message', (m) => {
    if (waits[m.type]) waits[m.type](m)
    else msgs[m.type] = m
  })
  let err
  const exited = new Promise((res) => w.on('exit', res))
  w.on('error', (e) => {
    err = e
    for (const k in waits) waits[k]({ type: 'error', error: String(e.message) })
  })
  return {
    w,
    exited,
    msg: (t) =>
      msgs[t]
        ? Promise.resolve(msgs[t])
        : err
          ? Promise.resolve({ type: 'error', error: String(err.message) })
          : new Promise((r) => (waits[t] = r)),
  }
}
let fails = 0
for (let it = 0; it < iters; it++) {
  const rb = RingBuffer.create({
    cpus: 1,
    mode,
    sync: 'shared',
    size: ring,
    subbufSize: subbuf,
    client: rawPagedClient,
  })
  const control = new SharedArrayBuffer(256)
  const ci = new Int32Array(control)
  const ringRecords = Math.floor(ring / 100)
  const ow = mode === 'overwrite'
  const ids = Array.from({ length: nw }, (_, k) => k)
  const ws = ids.map((id) =>
    run('./writer.mjs', {
      sab: rb.sab,
      control,
      cpu: 0,
      id,
      count: per - id * skew,
      api,
      prime: ow ? 'overrun' : 'refused',
      lagLimit: Math.floor(ringRecords / 2),
      burstEvery: 100000,
      burstLen: 3 * ringRecords,
      jumpEvery: 150000,
      tail: Math.floor(ringRecords / 8 / nw),
    }),
  )
  const rd = run('./reader.mjs', {
    sab: rb.sab,
    control,
    writers: ids.map((id) => ({ id, cpu: 0 })),
    method: ow ? 'drain' : 'consume',
    overwrite: ow,
  })
  const done = await Promise.race([
    Promise.all(ws.map((w) => w.msg('done'))),
    rd.exited.then(() => 'reader exited'),
  ])
  await Promise.race([rd.msg('paused'), rd.exited.then(() => 'reader exited')])
  Atomics.store(ci, C_GO, 1)
  Atomics.notify(ci, C_GO)
  const fin = await Promise.race([rd.msg('final'), rd.exited.then(() => ({ type: 'exited' }))])
  const s = rb.stats()
  const short = !Array.isArray(done)
    ? []
    : (fin.writers ?? []).filter(
        (w) => w.received + w.gaps !== done.find((d) => d.id === w.id).accepted,
      )
  const bad =
    short.length > 0 ||
    fin.type !== 'final' ||
    fin.errorCount > 0 ||
    s.entries !== 0 ||
    s.written !== s.read + s.overrun ||
    !Array.isArray(done) ||
    s.written !== done.reduce((a, d) => a + d.accepted, 0)
  if (bad) {
    fails++
    console.log(
      `iter ${it} FAIL`,
      JSON.stringify(fin).slice(0, 3000),
      JSON.stringify(s),
      JSON.stringify(done),
    )
  } else
    console.log(
      `iter ${it} ok read ${s.read} overrun ${s.overrun} dropped ${s.dropped} co ${s.commitOverrun}`,
      Array.isArray(done)
        ? done.map((d) => `w${d.id} done, writers at ${d.progress.slice(0, nw)}`).join('; ')
        : '',
    )
  for (const w of [...ws, rd]) await w.w.terminate()
}
console.log(`fails ${fails}/${iters}`)
