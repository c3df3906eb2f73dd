// An uncaught exception after a mark: exit code 1, the error on stderr, the mark in the file.
import { mark } from 'onering'

mark('before the crash')
console.log('about to crash')
setTimeout(() => {
  throw new Error('boom from the app')
}, 10)
