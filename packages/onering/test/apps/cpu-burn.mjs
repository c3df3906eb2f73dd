// Burns CPU in two distinctly named functions on the main thread (mainHeavy about 3× as long
// as mainLight) and in one worker (workerHeavy about 3× workerLight), for --cpu-profile tests.
import { isMainThread, Worker } from 'node:worker_threads'

// each function burns in its own loop, so its samples are its own (self), not a helper's
function mainHeavy(ms) {
  let x = 0
  const end = Date.now() + ms
  while (Date.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(x + i)
  return x
}
function mainLight(ms) {
  let x = 0
  const end = Date.now() + ms
  while (Date.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(x + i)
  return x
}
function workerHeavy(ms) {
  let x = 0
  const end = Date.now() + ms
  while (Date.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(x + i)
  return x
}
function workerLight(ms) {
  let x = 0
  const end = Date.now() + ms
  while (Date.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(x + i)
  return x
}

const ROUNDS = 20
if (isMainThread) {
  const w = new Worker(new URL(import.meta.url))
  for (let k = 0; k < ROUNDS; k++) {
    mainHeavy(30)
    mainLight(10)
  }
  await new Promise((done) => w.once('exit', done))
  console.log('done')
} else {
  for (let k = 0; k < ROUNDS; k++) {
    workerHeavy(30)
    workerLight(10)
  }
}
