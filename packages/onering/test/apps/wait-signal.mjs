// Marks, says READY, and waits to be signalled (the default action of SIGTERM ends it).
import { mark } from 'onering'

for (let i = 0; i < 100; i++) mark(`waiting ${i}`)
console.log('READY')
setInterval(() => undefined, 1000)
