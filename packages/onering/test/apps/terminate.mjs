// A worker terminated in the middle of writing (a tight loop of marks), then a new worker on
// the ring it freed (run with --rings 2).
import { Worker } from 'node:worker_threads'
import { mark } from 'onering'

const busy = new Worker(
  `const { mark } = require('onering'); const { parentPort } = require('node:worker_threads')
   for (let i = 0; ; i++) { mark('busy ' + i); if (i === 2000) parentPort.postMessage('going') }`,
  { eval: true },
)
await new Promise((r) => busy.once('message', r))
await busy.terminate()
mark('after terminate')
const next = new Worker(`require('onering').mark('next worker')`, { eval: true })
await new Promise((r) => next.once('exit', r))
console.log('terminated')
