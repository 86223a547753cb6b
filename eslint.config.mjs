// Type-aware lint: the rules that catch real bugs in async socket code, and a
// boundary rule so a feature module cannot reach into another module's internals.
import tseslint from 'typescript-eslint';

const MODULES = ['intelligence', 'notifications', 'messaging', 'presence', 'killmail', 'campaign'];

export default tseslint.config(
  { ignores: ['dist/**', 'client/dist/**', 'src/generated/**', 'node_modules/**', 'data/**', 'bench/results/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Socket payloads and Prisma JSON are `unknown`/`any` at the edge by nature; they are
      // parsed with zod before use, which these rules cannot see.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // Each module may import the kernel and its own files, never another module's folder.
  ...MODULES.map((name) => ({
    files: [`src/modules/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: MODULES.filter((other) => other !== name).map((other) => ({
            group: [`**/modules/${other}`, `**/modules/${other}/**`, `../${other}`, `../${other}/**`],
            message: `modules talk through src/core ports, not ${other}'s internals`,
          })),
        },
      ],
    },
  })),
);
