// The user API from ESM: a typed event of the app's own and marks; output and exit code are the app's.
import { defineEvent, isRecording, mark } from 'onering'

const order = defineEvent({
  name: 'order',
  fields: [
    { name: 'id', type: 'u32' },
    { name: 'amount', type: 'u64' },
    { name: 'item', type: 'string' },
  ],
})
const values = [0, 0, '']
for (let i = 1; i <= 3; i++) {
  values[0] = i
  values[1] = i * 1000
  values[2] = `item-${i}`
  order.emit(values)
}
mark('done')
console.log(`recording=${isRecording()}`)
console.error('to stderr')
process.exitCode = 7
