import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/apply/execute.js';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import { RESTORE_LABEL } from '../../../src/apply/restore-point.js';
import { reconcileOnce } from '../../../src/watch/reconcile.js';
import { replaceScenario } from '../apply/fixtures.js';

/**
 * A replace killed after every endpoint the spec lists is back: only c-x, which the spec does not
 * list, is still off the network. The plan has no actions (it cannot show the restore), so the
 * watch must not call that converged.
 */
async function interruptedAtTheUnlistedEndpoint() {
  const { port, desired } = replaceScenario();
  const plan = planForEngine(desired, await port.observe());
  port.hangOn('connect c-x');
  void executePlan(plan, port, { parallelism: 1 });
  await port.hung;
  expect(port.endpoint('c-x', 'app')).toBeUndefined();
  expect(planForEngine(desired, await port.observe()).actions).toEqual([]);
  return { port, desired };
}

describe('reconcileOnce and an interrupted replace', () => {
  it('enforce: restores the endpoint the restore point holds, and does not report converged', async () => {
    const { port, desired } = await interruptedAtTheUnlistedEndpoint();
    const outcome = await reconcileOnce(port, desired, 'enforce');
    expect(outcome.result).not.toBe('converged');
    expect(outcome.result).not.toBe('failed');
    expect(port.endpoint('c-x', 'app')?.aliases).toEqual(['x']);
    const left = (await port.observe()).networks.filter((n) => n.labels[RESTORE_LABEL] === 'shop');
    expect(left).toEqual([]);
    expect((await reconcileOnce(port, desired, 'enforce')).result).toBe('converged');
  });

  it('report: says there is drift and changes nothing', async () => {
    const { port, desired } = await interruptedAtTheUnlistedEndpoint();
    expect((await reconcileOnce(port, desired, 'report')).result).toBe('drift');
    expect(port.endpoint('c-x', 'app')).toBeUndefined();
  });
});
