import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.config.js'

export default defineConfig([
  // the user API (`import { mark, defineEvent } from 'onering'`): ESM + CJS, platform-neutral
  packageBuild,
  // what runs in the traced process (a `--require` preload and its consumer thread) and the CLI
  {
    ...packageBuild,
    entry: { preload: 'src/preload.ts', consumer: 'src/consumer.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
    platform: 'node',
  },
  {
    ...packageBuild,
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
])
