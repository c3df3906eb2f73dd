// The events the test program emits (shared by the workers and the suite; ids are allocated in
// the same order everywhere).
import { EventIdAllocator } from '@onering/trace-events'
import { defineSpanAndSample } from '../../../test/support/span-sample-events.mjs'

export const { SPAN, SAMPLE } = defineSpanAndSample(new EventIdAllocator(), 'onering', 'app')
export const DEFINITIONS = [SPAN, SAMPLE]
