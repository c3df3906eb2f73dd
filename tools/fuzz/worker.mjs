/**
 * One fuzz worker: runs one target over mutated inputs `start, start + 1, …` of one seed. Before
 * each input it stores the input's index (word 1) and bytes (the `input` buffer) in shared
 * memory, and after it the count of finished inputs (word 0), so that the supervisor can tell a
 * hang from progress and save the exact input that hung, even after terminating this thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { classify } from './classify.mjs'
import { inputRand, mutate } from './mutate.mjs'
import { targets } from './targets.mjs'

const { target: name, seed, start, progress, input } = workerData
const target = targets[name]
const state = new Int32Array(progress)
const inputBytes = new Uint8Array(input)
const corpus = target.corpus()
const focus = corpus.map((e) => (target.focus ? target.focus(e) : []))
const seen = new Set()

let typed = 0
let untyped = 0
let count = 0
for (let i = start; ; i++) {
  const rand = inputRand(seed, i)
  const k = rand() % corpus.length
  const bytes = mutate(corpus[k].bytes, rand, focus[k])
  Atomics.store(state, 1, i)
  const len = Math.min(bytes.length, inputBytes.length)
  inputBytes.set(bytes.subarray(0, len))
  Atomics.store(state, 2, len)
  Atomics.store(state, 3, k)
  try {
    target.run(bytes, corpus[k], rand)
  } catch (e) {
    if (classify(e) === 'typed') typed++
    else {
      untyped++
      const key = `${e?.constructor?.name}: ${String(e?.message).replace(/\d+/g, 'N')}`
      if (!seen.has(key)) {
        seen.add(key)
        parentPort.postMessage({
          type: 'untyped',
          index: i,
          corpusEntry: corpus[k].name,
          error: `${e?.constructor?.name}: ${e?.message}`,
          stack: String(e?.stack ?? '')
            .split('\n')
            .slice(0, 6)
            .join('\n'),
          bytes,
        })
      }
    }
  }
  count++
  Atomics.store(state, 0, count)
  Atomics.store(state, 4, typed)
  Atomics.store(state, 5, untyped)
}
