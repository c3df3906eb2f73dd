import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.config.js'

export default defineConfig(packageBuild)
