// The OpenTelemetry anchor of `npm run bench:record`: `node --require otel-preload.cjs app.mjs`
// traces every HTTP request of the app with OpenTelemetry's Node tracer provider and its HTTP
// auto-instrumentation (@opentelemetry/instrumentation-http), as a user who adds OTel with no
// code change would, except that the exporter drops the spans: the cost measured is making and
// ending a span per request (ids, attributes, context propagation, the batch processor), not
// sending it anywhere. With ONERING_OTEL_COUNT=1 it prints `otel: <n> spans` to stderr at exit,
// to check that the instrumentation really reached the app.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, loaded by `node --require` */
'use strict'
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node')
const { registerInstrumentations } = require('@opentelemetry/instrumentation')
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http')

let spans = 0
/** A SpanExporter that counts and drops: the no-op end of the pipeline. */
const droppingExporter = {
  export(batch, done) {
    spans += batch.length
    done({ code: 0 })
  },
  shutdown() {
    return Promise.resolve()
  },
  forceFlush() {
    return Promise.resolve()
  },
}

const provider = new NodeTracerProvider({
  spanProcessors: [new BatchSpanProcessor(droppingExporter)],
})
provider.register()
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] })
// an ESM app imports node:http without require(): load it here, through the hook, so the
// instrumentation patches the module object both module systems share
require('node:http')

if (process.env.ONERING_OTEL_COUNT === '1') {
  let reported = false
  const report = () => {
    if (reported) return
    reported = true
    void provider.forceFlush().then(() => process.stderr.write(`otel: ${spans} spans\n`))
  }
  process.once('SIGTERM', report)
  process.once('beforeExit', report)
}
