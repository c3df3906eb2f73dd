// Flight recorder with --dump-on: phase 1, then READY (the test sends the signal), then a
// phase 2 long enough to overwrite every phase-1 event in the ring.
import { mark } from 'onering'

const n = Number(process.argv[2] ?? 20000)
for (let i = 0; i < 200; i++) mark(`phase1 ${i}`)
console.log('READY')
setTimeout(() => {
  for (let i = 0; i < n; i++) mark(`phase2 ${i}`)
}, 1500)
