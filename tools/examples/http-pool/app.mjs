// The example app of `npm start`: an HTTP server whose CPU work runs in a pool of worker
// threads, put under load by a separate client process for a few seconds, then shut down.
//
//   node tools/examples/http-pool/app.mjs [--seconds 3] [--workers 2] [--connections 8]
//   node tools/examples/http-pool/app.mjs --serve [--workers 2]   (no client: prints
//     `PORT <port> PID <pid>` and serves until SIGTERM/SIGINT; the benchmark's server)
//
// Routes: GET /hello (answered at once), GET /work?n=N (N rounds of hashing in a worker),
// GET /slow (waits 30 ms), anything else 404. It marks its phases with onering's user API
// (`mark`) and records one typed event per pool job (`defineEvent`): without `onering record`
// both cost nothing and the app runs the same.
import { fork } from 'node:child_process'
import http from 'node:http'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { defineEvent, mark } from 'onering'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    serve: { type: 'boolean', default: false },
  },
})

const job = defineEvent({
  system: 'pool',
  name: 'job',
  fields: [
    { name: 'worker', type: 'u32' },
    { name: 'rounds', type: 'u32' },
    { name: 'queued', type: 'u32' },
  ],
})
const jobValues = [0, 0, 0]

const POOL_BODY = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
parentPort.on('message', ({ id, rounds }) => {
  let h = Buffer.from(String(id))
  for (let k = 0; k < rounds; k++) h = createHash('sha256').update(h).digest()
  parentPort.postMessage({ id, digest: h.toString('hex').slice(0, 16) })
})
`

/** A fixed pool of workers, each taking one job at a time from a shared queue. */
class Pool {
  #idle = []
  #queue = []
  #pending = new Map()
  #next = 1
  constructor(size) {
    for (let k = 0; k < size; k++) {
      const w = new Worker(POOL_BODY, { eval: true })
      w.index = k
      w.on('message', ({ id, digest }) => {
        this.#pending.get(id)(digest)
        this.#pending.delete(id)
        this.#release(w)
      })
      this.#idle.push(w)
    }
  }
  run(rounds) {
    return new Promise((resolve) => {
      this.#queue.push({ id: this.#next++, rounds, resolve })
      this.#dispatch()
    })
  }
  #release(w) {
    this.#idle.push(w)
    this.#dispatch()
  }
  #dispatch() {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop()
      const { id, rounds, resolve } = this.#queue.shift()
      this.#pending.set(id, resolve)
      jobValues[0] = w.index
      jobValues[1] = rounds
      jobValues[2] = this.#queue.length
      job.emit(jobValues)
      w.postMessage({ id, rounds })
    }
  }
  close() {
    return Promise.all(this.#idle.map((w) => w.terminate()))
  }
}

const pool = new Pool(Number(values.workers))
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost')
  if (url.pathname === '/hello') return res.end('hello\n')
  if (url.pathname === '/work') {
    const digest = await pool.run(Number(url.searchParams.get('n') ?? 1000))
    return res.end(digest + '\n')
  }
  if (url.pathname === '/slow') {
    await new Promise((r) => setTimeout(r, 30))
    return res.end('slow\n')
  }
  res.statusCode = 404
  res.end('not found\n')
})

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  mark(`listening on ${port}`)
  if (values.serve) {
    console.log(`PORT ${port} PID ${process.pid}`)
    const stop = () => {
      server.closeAllConnections()
      server.close()
      pool.close()
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    return
  }
  console.log(`http-pool: listening on 127.0.0.1:${port}, ${values.workers} workers`)
  const client = fork(new URL('./load.mjs', import.meta.url), [
    String(port),
    values.seconds,
    values.connections,
  ])
  client.on('exit', async (code) => {
    mark('load done')
    server.close()
    await pool.close()
    process.exitCode = code ?? 1
  })
})
