import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'chaos-results/**', 'node_modules/**', 'scripts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() returns a promise the runner itself tracks.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // The store never depends on the registry or the API server.
    files: ['storage/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/registry/**', '**/api/**'] }],
    },
  },
  {
    // The registry reaches the store only through the narrow store client.
    files: ['registry/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/api/**', '**/storage/mvcc/**', '**/storage/server/**', '**/storage/grpc/**', '**/storage/raft/**', '**/storage/lease/**', '**/storage/snapshot/**', '**/storage/http/**'] },
      ],
    },
  },
  {
    // The API layer is thin: it talks to the registry, never to the store.
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/storage/**'] }],
    },
  },
  {
    // The Raft core is pure: no I/O, no clock, no randomness of its own.
    files: ['storage/raft/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', '../../*', 'fs', 'net', 'http', 'http2', 'crypto'] }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the injected random source.' },
        { object: 'Date', property: 'now', message: 'Time arrives through tick().' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process'],
    },
  },
  {
    // The driver takes time, timers and deferred work from its DriverClock, so the simulator
    // can run it on simulated time.
    files: ['storage/raft/node.ts'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'performance', 'Date'],
    },
  },
);
