/**
 * The misuse table of `onering` (see `table.ts`): the user API — `mark`, `defineEvent`,
 * `isRecording` — called with bad arguments. Outside `onering record` (as here) the calls
 * record nothing, but their arguments are checked all the same, so a mistake shows before the
 * app is ever recorded.
 */
import { describe } from 'vitest'
import * as onering from 'onering'
import { checkTable, type Row, type Table } from './table.js'

const pure = (args: () => unknown[], names: string[], extra: Partial<Row> = {}): Row => ({
  make: () => ({ args: args() }),
  names,
  ...extra,
})

const spec = (): onering.UserEventSpec => ({
  system: 'app',
  name: 'order',
  fields: [
    { name: 'id', type: 'u32' },
    { name: 'item', type: 'string' },
  ],
})

const table: Table = {
  mark: pure(() => ['hello'], ['text'], { ok: { text: ['string', 'numeric'] } }),
  defineEvent: pure(() => [spec()], ['spec'], {
    // a default system; any C identifier is a name
    ok: { 'spec.system': ['undefined', 'string'], 'spec.name': ['string'] },
  }),
  isRecording: pure(() => [], []),
}

describe('onering misuse', () => {
  checkTable('onering', onering, table)
})
