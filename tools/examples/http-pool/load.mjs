// The load client of the example app (its own process): `connections` keep-alive connections
// send requests back to back for `seconds`, a mix of routes, and print what they got.
//
//   node tools/examples/http-pool/load.mjs <port> [seconds] [connections]
import http from 'node:http'

const [port, seconds = '3', connections = '8'] = process.argv.slice(2)
if (port === undefined) {
  console.error('usage: load.mjs <port> [seconds] [connections]')
  process.exit(2)
}
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) })
const routes = ['/hello', '/hello', '/work?n=500', '/work?n=5000', '/slow', '/missing']
const end = Date.now() + Number(seconds) * 1000
const counts = new Map()

function get(path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: Number(port), path, agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      })
      .on('error', reject)
  })
}

async function loop(k) {
  for (let i = k; Date.now() < end; i++) {
    const status = await get(routes[i % routes.length])
    counts.set(status, (counts.get(status) ?? 0) + 1)
  }
}

await Promise.all(Array.from({ length: Number(connections) }, (_, k) => loop(k)))
agent.destroy()
const total = [...counts.values()].reduce((a, b) => a + b, 0)
console.log(
  `load: ${total} requests in ${seconds} s over ${connections} connections (${[...counts]
    .sort()
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ')})`,
)
