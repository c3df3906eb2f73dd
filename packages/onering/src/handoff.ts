/**
 * The hand-off between the recorder and the user API. The preload (CommonJS) and the app's
 * `import 'onering'` (ESM, or another copy of the package) are different module instances; they
 * meet through one property of `globalThis` under a registry symbol, set by the preload in each
 * thread it records.
 *
 * @packageDocumentation
 */

/** The `globalThis` key (a `Symbol.for` registry symbol, the same in every module instance). */
export const RECORDER_KEY: unique symbol = Symbol.for('onering.recorder') as never

/** A field of a user-defined event. */
export interface UserFieldSpec {
  /** The field's C identifier. */
  readonly name: string
  /** `string` (a `__data_loc char[]`), or an integer type. */
  readonly type: 'string' | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64'
}

/** What the recorder of a thread offers the user API. */
export interface ThreadRecorder {
  /** Record a `trace_marker` text (`ftrace/print`); false when it was not recorded. */
  mark(text: string): boolean
  /** Define a user event; returns its writer (takes the field values in order). */
  define(
    system: string,
    name: string,
    fields: readonly UserFieldSpec[],
  ): (values: ArrayLike<number | string>) => boolean
}

/** The recorder of this thread, if the process is being recorded. */
export function threadRecorder(): ThreadRecorder | undefined {
  return (globalThis as { [RECORDER_KEY]?: ThreadRecorder })[RECORDER_KEY]
}
