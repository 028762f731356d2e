import { defineConfig } from 'vitest/config';

// Two projects: `unit` is the pure core (no engine); `engine` drives the real Docker engine.
// The engine project fails, never skips, when no engine is reachable (see test/support/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The property tests and the generator drift checks are CPU-bound: on two shared cores
          // under load they were seen taking over vitest's default 5 s.
          testTimeout: 30_000,
          // One module graph per worker, not one per file: the unit files share no state (each
          // builds its own engines, files and clock), and a fresh process per file cost three
          // times the tests themselves (measured: 54 s wall with isolation, 14 s without).
          isolate: false,
          // The pure core first, then the engine tests (projects with different worker counts
          // must run in separate groups).
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'engine',
          include: ['test/engine/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The engine serialises network writes; a few files at once is plenty on two cores.
          // (vitest's --maxWorkers does not reach a project's own setting: scripts/test.sh sets
          // this variable instead.)
          maxWorkers: Number(process.env.NETFORM_TEST_ENGINE_WORKERS || 2),
          // One module graph per worker, not one per file (NETFORM_TEST_ENGINE_ISOLATE=1 for one
          // per file): the engine files share no state but the engine, whose resources each file
          // names and labels itself. Measured on one 28.5 run: the tests' CPU 181 s with
          // isolation, 145 s without (docs/engines.md, "The engine matrix").
          isolate: process.env.NETFORM_TEST_ENGINE_ISOLATE === '1',
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
