// Many marks into a small overwrite ring: only the newest survive, the rest are counted lost.
import { mark } from 'onering'

const n = Number(process.argv[2] ?? 50000)
for (let i = 0; i < n; i++) mark(`m ${i}`)
console.log(`marked ${n}`)
