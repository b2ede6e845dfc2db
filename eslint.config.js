import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/**
 * The layers of storage/, top to bottom. A part imports itself, the parts it
 * lists, and the base; never a part above it, nor a peer beside it (`|`).
 *
 *   embed                      start-up: one member and its client port (etcd's embed)
 *   client  |  http > grpc     the edges: the registry's client library; the wire edge
 *   server                     the member: requests, applier, membership, Raft driving
 *   snapshot > auth > lease    the member's services
 *   raft  |  mvcc              consensus (its pure core has a rule of its own below) and the KV engine
 *   base                       tls, proto, errors.ts, version.ts: import no other part
 *
 * `specifier` matches the import specifiers (relative paths) that reach a part.
 */
const storageParts = {
  embed: {
    files: ['storage/embed/**/*.ts'],
    specifier: '(^|/)embed/',
    imports: ['http', 'grpc', 'server', 'snapshot', 'auth', 'lease', 'raft', 'mvcc'],
  },
  client: { files: ['storage/client/**/*.ts'], specifier: '(^|/)client/', imports: ['server', 'snapshot', 'auth', 'lease', 'raft', 'mvcc'] },
  http: { files: ['storage/http/**/*.ts'], specifier: '(^|/)http/', imports: ['grpc', 'server', 'snapshot', 'auth', 'lease', 'raft', 'mvcc'] },
  grpc: { files: ['storage/grpc/**/*.ts'], specifier: '(^|/)grpc/', imports: ['server', 'snapshot', 'auth', 'lease', 'raft', 'mvcc'] },
  server: { files: ['storage/server/**/*.ts'], specifier: '(^|/)server/', imports: ['snapshot', 'auth', 'lease', 'raft', 'mvcc'] },
  snapshot: { files: ['storage/snapshot/**/*.ts'], specifier: '(^|/)snapshot/', imports: ['auth', 'lease', 'raft', 'mvcc'] },
  auth: { files: ['storage/auth/**/*.ts'], specifier: '(^|/)auth/', imports: ['lease', 'raft', 'mvcc'] },
  lease: { files: ['storage/lease/**/*.ts'], specifier: '(^|/)lease/', imports: ['raft', 'mvcc'] },
  raft: { files: ['storage/raft/**/*.ts'], specifier: '(^|/)raft/', imports: [] },
  mvcc: { files: ['storage/mvcc/**/*.ts'], specifier: '(^|/)mvcc/', imports: [] },
  base: { files: ['storage/tls/**/*.ts', 'storage/proto/**/*.ts', 'storage/*.ts'], specifier: undefined, imports: [] },
};

/** The store never depends on the registry or the API server. */
const notAboveStorage = { regex: '(^|/)(registry|api)/', message: 'The store never imports the registry or the API server.' };

/** One no-restricted-imports block per part of storage/: every part it may not import, with the reason. */
const storageLayerRules = Object.entries(storageParts).map(([name, part]) => {
  const forbidden = Object.entries(storageParts).filter(([other, p]) => other !== name && p.specifier !== undefined && !part.imports.includes(other));
  return {
    files: part.files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            notAboveStorage,
            ...forbidden.map(([other, p]) => ({
              regex: p.specifier,
              message: `storage layers: ${name} may not import ${other} (${name} imports ${part.imports.join(', ') || 'no other part'}, and the base; see eslint.config.js).`,
            })),
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'chaos-results/**', 'node_modules/**', 'scripts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Our sources import each other as .js (NodeNext); the files are .ts.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.js'] } })],
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
      // No import cycles anywhere (the rule follows value imports; a type-only import is erased).
      'import-x/no-cycle': 'error',
    },
  },
  {
    // The insight page's browser modules (ui/): plain JavaScript, no types to check against.
    files: ['ui/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      parserOptions: { projectService: false },
      globals: Object.fromEntries(
        ['document', 'window', 'location', 'localStorage', 'fetch', 'TextDecoder', 'Node', 'console', 'setTimeout', 'clearTimeout', 'URLSearchParams', 'btoa'].map((g) => [g, 'readonly']),
      ),
    },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
  ...storageLayerRules,
  {
    // The registry reaches the store only through the narrow store client (and its error type).
    files: ['registry/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/api/**',
            '**/storage/mvcc/**',
            '**/storage/server/**',
            '**/storage/grpc/**',
            '**/storage/raft/**',
            '**/storage/lease/**',
            '**/storage/snapshot/**',
            '**/storage/http/**',
            '**/storage/auth/**',
            '**/storage/tls/**',
            '**/storage/proto/**',
          ],
        },
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
    // The Raft core is pure: no I/O, no clock, no randomness of its own, nothing asynchronous.
    files: ['storage/raft/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./)',
              message: 'The Raft core imports only its own modules: no Node built-ins or packages (events included), nothing of its driver (../transport.js) or of the rest of the store.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the injected random source.' },
        { object: 'Date', property: 'now', message: 'Time arrives through tick().' },
        { object: 'performance', property: 'now', message: 'Time arrives through tick().' },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask'].map((name) => ({
          name,
          message: 'The Raft core schedules nothing: time arrives through tick() and work through step().',
        })),
        ...['Date', 'performance'].map((name) => ({ name, message: 'Time arrives through tick().' })),
        ...['process', 'require', 'fetch', 'crypto', 'Promise'].map((name) => ({ name, message: 'The Raft core does no I/O and nothing asynchronous.' })),
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        { selector: 'ImportExpression', message: 'The Raft core imports only its own modules, statically.' },
        { selector: 'TSImportEqualsDeclaration', message: 'The Raft core imports only its own modules.' },
        { selector: ':function[async=true]', message: 'The Raft core is synchronous: inputs in, a Ready out.' },
        { selector: 'AwaitExpression', message: 'The Raft core is synchronous: inputs in, a Ready out.' },
      ],
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
