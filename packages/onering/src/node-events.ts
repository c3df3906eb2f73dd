/**
 * The events of the `node` system: what the recorder writes for HTTP, fetch, sockets, workers,
 * children, GC and the event loop, as trace events with typed fields (`@onering/trace-events`
 * definitions) and fixed ids, so every thread and process of a recording, and the `onering`
 * commands reading it, agree on them. Durations and delays are nanoseconds.
 *
 * @packageDocumentation
 */
import { defineEvent, EventIdAllocator, FIRST_USER_EVENT_ID } from '@onering/trace-events'
import type { EventDefinition, FieldSpec } from '@onering/trace-events'

const ids = new EventIdAllocator()
const u32 = (name: string): FieldSpec => ({ name, type: 'u32' })
const s32 = (name: string): FieldSpec => ({ name, type: 's32' })
const u64 = (name: string): FieldSpec => ({ name, type: 'u64' })
const str = (name: string): FieldSpec => ({ name, type: 'string' })

let next = FIRST_USER_EVENT_ID
function nodeEvent(name: string, fields: FieldSpec[], printFmt: string): EventDefinition {
  return defineEvent({ system: 'node', name, id: next++, fields, printFmt }, ids)
}

/** `http_server_start`: a request arrived (`http.server.request.start`). */
export const HTTP_SERVER_START: EventDefinition = nodeEvent(
  'http_server_start',
  [u32('req'), str('method'), str('url')],
  '"req=%u %s %s", REC->req, __get_str(method), __get_str(url)',
)
/** `http_server_end`: its response finished (`http.server.response.finish`). */
export const HTTP_SERVER_END: EventDefinition = nodeEvent(
  'http_server_end',
  [u32('req'), u32('status'), u64('dur_ns'), str('method'), str('url')],
  '"req=%u status=%u dur_ns=%llu %s %s", REC->req, REC->status, REC->dur_ns, __get_str(method), __get_str(url)',
)
/** `http_client_start`: `http.request` sent a request (`http.client.request.start`). */
export const HTTP_CLIENT_START: EventDefinition = nodeEvent(
  'http_client_start',
  [u32('req'), str('method'), str('host'), str('path')],
  '"req=%u %s %s%s", REC->req, __get_str(method), __get_str(host), __get_str(path)',
)
/** `http_client_end`: its response was read (status), or it failed (status 0, error). */
export const HTTP_CLIENT_END: EventDefinition = nodeEvent(
  'http_client_end',
  [u32('req'), u32('status'), u64('dur_ns'), str('error')],
  '"req=%u status=%u dur_ns=%llu error=%s", REC->req, REC->status, REC->dur_ns, __get_str(error)',
)
/** `fetch_start`: a fetch/undici request was created (`undici:request:create`). */
export const FETCH_START: EventDefinition = nodeEvent(
  'fetch_start',
  [u32('req'), str('method'), str('origin'), str('path')],
  '"req=%u %s %s%s", REC->req, __get_str(method), __get_str(origin), __get_str(path)',
)
/** `fetch_headers`: its response headers arrived (`undici:request:headers`). */
export const FETCH_HEADERS: EventDefinition = nodeEvent(
  'fetch_headers',
  [u32('req'), u32('status'), u64('dur_ns')],
  '"req=%u status=%u dur_ns=%llu", REC->req, REC->status, REC->dur_ns',
)
/** `fetch_end`: its response ended (`undici:request:trailers`) or failed (`undici:request:error`). */
export const FETCH_END: EventDefinition = nodeEvent(
  'fetch_end',
  [u32('req'), u32('status'), u64('dur_ns'), str('error')],
  '"req=%u status=%u dur_ns=%llu error=%s", REC->req, REC->status, REC->dur_ns, __get_str(error)',
)
/** `net_connect`: a client socket was created (`net.client.socket`). */
export const NET_CONNECT: EventDefinition = nodeEvent(
  'net_connect',
  [u32('port'), str('host')],
  '"host=%s port=%u", __get_str(host), REC->port',
)
/** `net_accept`: a server accepted a connection (`net.server.socket`). */
export const NET_ACCEPT: EventDefinition = nodeEvent(
  'net_accept',
  [u32('port'), u32('local_port'), str('remote')],
  '"remote=%s port=%u local_port=%u", __get_str(remote), REC->port, REC->local_port',
)
/** `worker_start`: a worker thread started recording (written by the worker itself). */
export const WORKER_START: EventDefinition = nodeEvent(
  'worker_start',
  [u32('thread_id'), u32('ring'), str('name')],
  '"thread_id=%u ring=%u name=%s", REC->thread_id, REC->ring, __get_str(name)',
)
/** `worker_exit`: a worker thread exited (written by the thread that created it). */
export const WORKER_EXIT: EventDefinition = nodeEvent(
  'worker_exit',
  [u32('thread_id'), s32('code')],
  '"thread_id=%u code=%d", REC->thread_id, REC->code',
)
/** `child_spawn`: a child process was started (`child_process`). */
export const CHILD_SPAWN: EventDefinition = nodeEvent(
  'child_spawn',
  [s32('child_pid'), str('file')],
  '"child_pid=%d file=%s", REC->child_pid, __get_str(file)',
)
/**
 * `gc`: a garbage collection (a `perf_hooks` `gc` entry), stamped when it started (`start_ns`,
 * CLOCK_MONOTONIC; the event's own timestamp is the same unless an event of the same thread was
 * written after the collection started: a ring's timestamps never go back, so it is then that
 * event's).
 */
export const GC: EventDefinition = nodeEvent(
  'gc',
  [u32('kind'), u32('flags'), u64('dur_ns'), u64('start_ns')],
  '"kind=%u flags=%u dur_ns=%llu start_ns=%llu", REC->kind, REC->flags, REC->dur_ns, REC->start_ns',
)
/**
 * `loop_delay`: event-loop delay percentiles over the last interval (`monitorEventLoopDelay`)
 * and the event-loop utilization in parts per million (`eventLoopUtilization`).
 */
export const LOOP_DELAY: EventDefinition = nodeEvent(
  'loop_delay',
  [u64('min_ns'), u64('p50_ns'), u64('p99_ns'), u64('max_ns'), u32('samples'), u32('util_ppm')],
  '"min_ns=%llu p50_ns=%llu p99_ns=%llu max_ns=%llu samples=%u util_ppm=%u", REC->min_ns, REC->p50_ns, REC->p99_ns, REC->max_ns, REC->samples, REC->util_ppm',
)

/** Every `node` event. */
export const NODE_EVENTS: readonly EventDefinition[] = [
  HTTP_SERVER_START,
  HTTP_SERVER_END,
  HTTP_CLIENT_START,
  HTTP_CLIENT_END,
  FETCH_START,
  FETCH_HEADERS,
  FETCH_END,
  NET_CONNECT,
  NET_ACCEPT,
  WORKER_START,
  WORKER_EXIT,
  CHILD_SPAWN,
  GC,
  LOOP_DELAY,
]

/** The first id of user-defined events (`defineEvent`): after the `node` ones. */
export const FIRST_APP_EVENT_ID: number = FIRST_USER_EVENT_ID + 256

/** The event groups of `--events`. */
export const EVENT_GROUPS = [
  'http',
  'net',
  'fetch',
  'worker',
  'child',
  'gc',
  'loop',
  'marks',
] as const
/** One event group. */
export type EventGroup = (typeof EVENT_GROUPS)[number]
