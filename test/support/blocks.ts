/**
 * Test subnet blocks (see testSubnet in engine.ts), one per engine test file so files running in
 * parallel never ask for overlapping subnets. Add a line when you add an engine test file.
 */
export const BLOCKS = {
  validateOnline: 0,
  observe: 1,
  planCli: 2,
  exportCli: 3,
  apply: 4,
  replace: 5,
  applyFailures: 6,
  lock: 7,
  faults: 8,
  randomApply: 9,
  destroy: 10,
  examples: 11,
  // 15 (10.213.120.0/21): its first two /24s are examples/quickstart's, which scripts/demo.sh
  // applies; the Compose tests use only its indices 2-7.
  qaPlan: 12,
  library: 13,
  savedPlans: 14,
  compose: 15,
  // Name prefixes only (ids above 15 take no subnet block): the watch tests take their subnets
  // from 10.213.232.0/21 (watchSubnet in test/engine/watch-harness.ts); the Swarm tests from the
  // test swarm's 10.213.240.0/21 (swarmTestSubnet in test/support/swarm.ts).
  watch: 18,
  watchImage: 19,
} as const;

/**
 * Every block is taken (15 is the demo's): a file that needs few subnets shares the upper half
 * of a block whose file uses only its first indices, under names of its own (an `id` above 15).
 */
export const SHARED_BLOCKS = {
  // export-cli.test.ts uses indices 0-2 of block 3.
  selectors: { id: 16, block: 3, first: 4 },
  // replace.test.ts uses indices 0 and 1 of block 5.
  planHonesty: { id: 17, block: 5, first: 2 },
  // saved-plan.test.ts uses indices 0-4 of block 14; fleet.test.ts takes 5-7 on both of its
  // engines; fleet-context.test.ts makes no subnet. (Ids 18 and 19 are the watch tests'.)
  fleet: { id: 20, block: 14, first: 5 },
  fleetContext: { id: 21, block: 14, first: 5 },
  // library.test.ts uses index 0 of block 13; engine-versions.test.ts asks for subnet(1) to subnet(7).
  engineVersions: { id: 22, block: 13, first: 0 },
  // Name prefix only: watch-engines.test.ts takes watchSubnet(5) and (7) (watch-harness.ts).
  watchEngines: { id: 23, block: 13, first: 0 },
  // Name prefix only: leftovers.test.ts makes config-only networks, which take no subnet.
  leftovers: { id: 24, block: 13, first: 0 },
} as const;
