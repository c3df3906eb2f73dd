/**
 * `onering`: trace a Node.js app with no code change (`npx onering record -- node app.js`) into
 * trace.dat files that trace-cmd and KernelShark open. This module is the tiny API for code that
 * wants more than the automatic events: text marks and typed events of its own, which cost a
 * property read when the process is not recorded.
 *
 * @packageDocumentation
 */
export { mark, defineEvent, isRecording } from './user-api.js'
export type { UserEvent, UserEventSpec } from './user-api.js'
export type { UserFieldSpec } from './handoff.js'
