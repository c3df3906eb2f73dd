import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.config.js'

// src/internal.ts: the `./internal` subpath (helpers shared with @onering/ftrace, not public)
export default defineConfig({ ...packageBuild, entry: ['src/index.ts', 'src/internal.ts'] })
