/**
 * The `onering` command: `record`, `script`, `report`.
 *
 * @packageDocumentation
 */
import { distDirOf, record } from './cli/record.js'
import { report } from './cli/report.js'
import { script } from './cli/script.js'
import { UsageError } from './cli/usage-error.js'

const HELP = `Usage: onering <command> [options]

Commands:
  record [options] -- <cmd> [args…]   run <cmd>, recording every Node process and thread
                                      it starts into DIR/trace.dat (default ./onering-trace)
  script [--json] FILE                print every event (like trace-cmd report)
  report [--json] FILE                summary: requests, routes, GC, event loop, lost events

onering <command> --help for its options.  Example:
  onering record -- node app.js && onering report onering-trace/trace.dat
`

async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv
  switch (cmd) {
    case 'record':
      return record(rest, distDirOf(import.meta.url))
    case 'script':
      return script(rest)
    case 'report':
      return report(rest)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP)
      return cmd === undefined ? 2 : 0
    default:
      throw new UsageError(`unknown command '${cmd}' (record, script, report; see onering --help)`)
  }
}

// `onering script FILE | head`: a closed pipe ends the listing, quietly
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
  process.exit(0)
})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`onering: ${err.message}\n`)
      process.exitCode = err.code
    } else {
      process.stderr.write(`onering: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exitCode = 1
    }
  },
)
