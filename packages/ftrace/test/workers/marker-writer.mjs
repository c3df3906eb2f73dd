// A trace_marker writer in its own worker (built package): writes one marker on its own ring,
// reports its tid, and waits until the main thread has looked at /proc/self/task.
import { workerData, parentPort } from 'node:worker_threads'
import { TraceBuffer, currentTid, tracing_mark_write } from '@onering/ftrace'

const { sab, cpu, side } = workerData
const tb = TraceBuffer.attach(sab, { cpu })
tracing_mark_write(tb, `from worker ${cpu}`)
tb.close()
parentPort.postMessage(currentTid())
Atomics.wait(new Int32Array(side), 0, 0, 10_000)
