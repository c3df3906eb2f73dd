/**
 * Whether trace-cmd runs here. Without it the suites that need it are skipped with a warning,
 * unless `CI` is set: then a failing test says it is missing (CI must run them).
 */
import { hasTool, requireTool } from './tool-env.js'

/** True when `trace-cmd --version` runs. */
export const hasTraceCmd: boolean = hasTool('trace-cmd')

/** Register the CI failure or print the skip warning for suite `what` when trace-cmd is missing. */
export function requireTraceCmd(what: string): void {
  requireTool('trace-cmd', 'trace-cmd', what)
}
