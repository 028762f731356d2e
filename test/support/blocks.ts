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
  // No block is left: engine-versions shares library's (which uses index 0 only), takes indices
  // 1-7, and names its resources with its own tag (EngineScope's third argument).
  engineVersions: 13,
} as const;
