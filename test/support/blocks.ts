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
  // 15 (10.213.120.0/21) is left free for examples/quickstart, which scripts/demo.sh applies.
  qaPlan: 12,
  library: 13,
  savedPlans: 14,
} as const;

/**
 * Files that share a block, each with its own subnet indices and a name mark (EngineScope's
 * `share`), as no block is left: fleet.test.ts uses block 14's indices 5-7 (saved-plan.test.ts
 * uses 0-4) and fleet-context.test.ts none, on both of their engines.
 */
export const SHARED_BLOCKS = {
  fleet: { block: 14, share: 'f', firstIndex: 5 },
  fleetContext: { block: 14, share: 'c' },
} as const;
