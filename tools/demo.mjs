// Placeholder: the real demo (importing the built @onering/* packages by name) comes later.
console.log('demo not yet written')
