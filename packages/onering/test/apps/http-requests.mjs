// An HTTP server answering N requests made by this process (keep-alive, 4 at a time): the
// status is chosen by the request number, so a test can check every request's outcome.
import http from 'node:http'

const n = Number(process.argv[2] ?? 60)
const statusOf = (i) => (i % 5 === 0 ? 404 : i % 7 === 0 ? 500 : 200)
const server = http.createServer((req, res) => {
  const i = Number(new URL(req.url, 'http://x').searchParams.get('i'))
  res.statusCode = statusOf(i)
  res.end(`request ${i}\n`)
})
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  const one = (i) =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/item/${i % 3}?i=${i}`, agent }, (res) => {
          res.resume()
          res.on('end', resolve)
        })
        .on('error', reject)
    })
  const all = []
  for (let i = 0; i < n; i++) all.push(one(i))
  await Promise.all(all)
  // fetch (undici) too: two requests
  for (const i of [n, n + 1]) await (await fetch(`http://127.0.0.1:${port}/fetch?i=${i}`)).text()
  agent.destroy()
  server.close()
  console.log(`served ${n + 2}`)
})
