// A Node child process: it records into its own file in the same directory.
import { spawnSync, spawn } from 'node:child_process'
import { mark } from 'onering'

if (process.argv[2] === 'child') {
  mark(`in child ${process.pid}`)
  console.log(`child ${process.pid}`)
} else {
  mark('parent before spawn')
  const c = spawn(process.execPath, [new URL(import.meta.url).pathname, 'child'], {
    stdio: 'inherit',
  })
  await new Promise((r) => c.on('exit', r))
  mark(`parent after child ${c.pid}`)
  spawnSync('true')
}
