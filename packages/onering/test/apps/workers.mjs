// Workers: more than the rings (each exits before the next batch), one that calls
// process.exit(3), marks from every thread.
import { Worker } from 'node:worker_threads'
import { mark } from 'onering'

const batches = Number(process.argv[2] ?? 3)
const perBatch = Number(process.argv[3] ?? 2)
const body = (k, code) => `
  const { mark } = require('onering')
  mark('worker ${k} ' + require('node:worker_threads').threadId)
  ${code === undefined ? '' : `process.exit(${code})`}
`
let k = 0
for (let b = 0; b < batches; b++) {
  const exits = []
  for (let j = 0; j < perBatch; j++) {
    const w = new Worker(body(k++), { eval: true })
    exits.push(new Promise((r) => w.on('exit', r)))
  }
  await Promise.all(exits)
}
const w = new Worker(body('exit', 3), { eval: true })
const code = await new Promise((r) => w.on('exit', r))
mark(`main after worker exit ${code}`)
console.log(`workers ${k + 1}, exit ${code}`)
