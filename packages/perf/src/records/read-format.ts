/**
 * The `read_format` values, as PERF_SAMPLE_READ and PERF_RECORD_READ carry them.
 * Not grouped: value, [time_enabled], [time_running], [id], [lost].
 * PERF_FORMAT_GROUP: nr, [time_enabled], [time_running], {value, [id], [lost]}[nr].
 *
 * @packageDocumentation
 */

import {
  PERF_FORMAT_GROUP,
  PERF_FORMAT_ID,
  PERF_FORMAT_LOST,
  PERF_FORMAT_TOTAL_TIME_ENABLED,
  PERF_FORMAT_TOTAL_TIME_RUNNING,
} from '../constants.js'
import { isArray } from './codec.js'
import type { ByteReader, ByteWriter } from './codec.js'
import type { PerfRecordContext } from './context.js'

/** One counter's values without PERF_FORMAT_GROUP; optional fields follow `read_format`. */
export interface PerfReadValues {
  /** The counter value. */
  value: bigint
  /** TOTAL_TIME_ENABLED: ns enabled. */
  time_enabled?: bigint
  /** TOTAL_TIME_RUNNING: ns running. */
  time_running?: bigint
  /** ID: the event id. */
  id?: bigint
  /** LOST: records lost by this event. */
  lost?: bigint
}

/** One member of a PERF_FORMAT_GROUP read. */
export interface PerfReadGroupEntry {
  /** The counter value. */
  value: bigint
  /** ID: the event id. */
  id?: bigint
  /** LOST: records lost by this event. */
  lost?: bigint
}

/** A PERF_FORMAT_GROUP read: the group's times and one entry per member (`nr` = length). */
export interface PerfReadGroup {
  /** TOTAL_TIME_ENABLED: ns enabled. */
  time_enabled?: bigint
  /** TOTAL_TIME_RUNNING: ns running. */
  time_running?: bigint
  /** The members, leader first. */
  values: readonly PerfReadGroupEntry[]
}

/** READ values: {@link PerfReadGroup} when `read_format` has GROUP, else {@link PerfReadValues}. */
export type PerfReadFormatValues = PerfReadValues | PerfReadGroup

/** Write READ values. @internal */
export function writeReadValues(
  w: ByteWriter,
  name: string,
  v: PerfReadFormatValues | undefined,
  ctx: PerfRecordContext,
): void {
  const rf = ctx.read_format
  if (typeof v !== 'object' || v === null) w.missing(name, 'required (read_format values)')
  if (rf & PERF_FORMAT_GROUP) {
    if (!('values' in v) || !isArray(v.values))
      w.missing(`${name}.values`, 'PERF_FORMAT_GROUP needs a values array')
    const values = v.values
    const g = ctx.read_group_size
    if (g !== undefined && values.length !== g) {
      w.missing(`${name}.values`, `has ${values.length} entries but the group has ${g} events`)
    }
    w.u64n(`${name}.nr`, values.length)
    if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED) w.u64(`${name}.time_enabled`, v.time_enabled)
    if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING) w.u64(`${name}.time_running`, v.time_running)
    values.forEach((e, i) => {
      if (typeof e !== 'object' || e === null)
        w.missing(`${name}.values[${i}]`, 'expected an object')
      w.u64(`${name}.values[${i}].value`, e.value)
      if (rf & PERF_FORMAT_ID) w.u64(`${name}.values[${i}].id`, e.id)
      if (rf & PERF_FORMAT_LOST) w.u64(`${name}.values[${i}].lost`, e.lost)
    })
  } else {
    if (!('value' in v)) w.missing(`${name}.value`, 'required without PERF_FORMAT_GROUP')
    w.u64(`${name}.value`, v.value)
    if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED) w.u64(`${name}.time_enabled`, v.time_enabled)
    if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING) w.u64(`${name}.time_running`, v.time_running)
    if (rf & PERF_FORMAT_ID) w.u64(`${name}.id`, v.id)
    if (rf & PERF_FORMAT_LOST) w.u64(`${name}.lost`, v.lost)
  }
}

/** Read READ values. @internal */
export function readReadValues(
  r: ByteReader,
  name: string,
  ctx: PerfRecordContext,
): PerfReadFormatValues {
  const rf = ctx.read_format
  if (rf & PERF_FORMAT_GROUP) {
    const nr = r.u64(`${name}.nr`)
    const g: PerfReadGroup = { values: [] }
    if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED) g.time_enabled = r.u64(`${name}.time_enabled`)
    if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING) g.time_running = r.u64(`${name}.time_running`)
    const entry = 8 + (rf & PERF_FORMAT_ID ? 8 : 0) + (rf & PERF_FORMAT_LOST ? 8 : 0)
    const n = r.checkCount(`${name}.nr`, nr, entry)
    const size = ctx.read_group_size
    if (size !== undefined && n !== size) {
      r.invalid(`${name}.nr`, `is ${n} but the group has ${size} events`)
    }
    const values: PerfReadGroupEntry[] = []
    for (let i = 0; i < n; i++) {
      const e: PerfReadGroupEntry = { value: r.u64(`${name}.values[${i}].value`) }
      if (rf & PERF_FORMAT_ID) e.id = r.u64(`${name}.values[${i}].id`)
      if (rf & PERF_FORMAT_LOST) e.lost = r.u64(`${name}.values[${i}].lost`)
      values.push(e)
    }
    g.values = values
    return g
  }
  const v: PerfReadValues = { value: r.u64(`${name}.value`) }
  if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED) v.time_enabled = r.u64(`${name}.time_enabled`)
  if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING) v.time_running = r.u64(`${name}.time_running`)
  if (rf & PERF_FORMAT_ID) v.id = r.u64(`${name}.id`)
  if (rf & PERF_FORMAT_LOST) v.lost = r.u64(`${name}.lost`)
  return v
}
