// Many marks, streamed: with --max-size the spooling stops at the cap and the rest is lost.
import { mark } from 'onering'

const n = Number(process.argv[2] ?? 200000)
let i = 0
function burst() {
  for (const end = Math.min(n, i + 5000); i < end; i++) mark(`mark ${i}`)
  if (i < n) setImmediate(burst)
  else console.log(`marked ${n}`)
}
burst()
