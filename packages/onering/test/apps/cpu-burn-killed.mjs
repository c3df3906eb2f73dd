// Burns CPU in burnBeforeKill for about 600 ms, yielding to the event loop between rounds
// (the profiler's chunk timer runs there), then dies of SIGKILL: no exit hook runs.
function burnBeforeKill(ms) {
  let x = 0
  const end = Date.now() + ms
  while (Date.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(x + i)
  return x
}

for (let k = 0; k < 30; k++) {
  burnBeforeKill(20)
  await new Promise((resolve) => setImmediate(resolve))
}
process.kill(process.pid, 'SIGKILL')
