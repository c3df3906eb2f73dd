// Marks, waits for the consumer thread to spool them, then dies of SIGKILL (nothing runs).
import { mark } from 'onering'

for (let i = 0; i < 2000; i++) mark(`before kill ${i}`)
setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1500)
