import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'public/', '.cache/', 'runs/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/engine/**/*.ts', 'src/data/**/*.ts', 'src/metrics/**/*.ts'],
    rules: {
      // The engine, data and metrics layers run unchanged in Node, in a Web Worker and on the main
      // thread: no Node built-ins and no imports from the layers above them.
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'url', 'child_process', 'worker_threads'], message: 'no Node APIs below cli/' },
          { group: ['**/ui/**', '**/store/**', '**/worker/**', '**/cli/**'], message: 'imports point down only' },
        ],
      }],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'url', 'child_process', 'worker_threads'], message: 'no Node APIs in the engine' },
          { group: ['**/ui/**', '**/store/**', '**/worker/**', '**/cli/**', '**/data/**', '**/metrics/**'], message: 'the engine imports only tfjs' },
        ],
      }],
    },
  },
  {
    files: ['src/worker/**/*.ts'],
    rules: {
      // The worker owns tensors and answers requests; it never reaches up into the page's state or UI.
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/ui/**', '**/store/**', '**/cli/**'], message: 'the worker imports engine, data and metrics only' }],
      }],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      // The store talks to the worker through its client and is rendered by the UI, never the reverse.
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/ui/**', '**/cli/**'], message: 'the store does not import the UI' }],
      }],
    },
  },
  {
    // Tests may set up the Node backend from cli/ (the code under test still may not).
    files: ['src/**/*.test.ts', 'src/**/test-*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tools and tests do not import each other; what both need to drive a browser lives in harness/.
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/e2e/**'], message: 'cli/ does not import the tests: shared browser code belongs in harness/' }],
      }],
    },
  },
  {
    files: ['e2e/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/cli/**'], message: 'e2e/ does not import the tools: shared code belongs in harness/ or src/' }],
      }],
    },
  },
  {
    files: ['harness/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/cli/**', '**/e2e/**'], message: 'harness/ serves cli/ and e2e/ and imports neither' }],
      }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
