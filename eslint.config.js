// @ts-check
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig(
  globalIgnores(['**/dist/', '**/coverage/', 'docs/api/', '.nx/']),
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Binary/offset code builds messages from numbers all the time.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // The engine indexes typed arrays heavily; with noUncheckedIndexedAccess that needs `!`.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Public functions validate their arguments at run time for JavaScript callers, which
      // the type checker considers unnecessary.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // isolatedDeclarations wants explicit types on exported signatures.
      '@typescript-eslint/no-inferrable-types': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', '**/*.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
)
