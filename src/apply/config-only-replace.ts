import type { ConfigOnlyReplace } from '../model/plan.js';
import type { ActionRun } from './action-run.js';
import { errorMessage } from './errors.js';
import { networkCreateRequest } from './network-request.js';
import { CONFIG_IN_USE, removeNetworkWhenFree } from './network-removal.js';

/*
 * The config-only networks a swarm network is made from, replaced inside the replace of that
 * swarm network (src/apply/replace.ts; docs/swarm.md, "Replacing a swarm macvlan or ipvlan"):
 * after the old swarm network is removed and before the new one is made, each on its own engine.
 */

/** How far one config-only network's replace got: its old network removed, its new one made. */
export interface ConfigOnlyProgress {
  replace: ConfigOnlyReplace;
  /** The new network's ID once it is made. */
  newId?: string;
}

const targetOf = (replace: ConfigOnlyReplace): string =>
  `network ${replace.network}${replace.engine !== undefined ? ` on engine ${replace.engine}` : ''}`;

/**
 * Replaces every config-only network of `replaces`, each on its engine, the engines at once: the
 * old one removed (retried while its node has not yet let go of the swarm network removed just
 * before: "configuration network … is in use"), the new one made with netform's ownership labels.
 * Each replace that removed its old network is recorded in `progress`, for the undo. Throws the
 * first failure, once every engine's replace has ended.
 */
export async function replaceConfigOnlyNetworks(
  run: ActionRun,
  replaces: readonly ConfigOnlyReplace[],
  progress: ConfigOnlyProgress[],
): Promise<void> {
  const results = await Promise.allSettled(
    replaces.map(async (replace) => {
      const port = run.portOf(replace.engine);
      const target = targetOf(replace);
      await run.request('remove-network', target, () =>
        removeNetworkWhenFree(port, replace.networkId, CONFIG_IN_USE),
      );
      const step: ConfigOnlyProgress = { replace };
      progress.push(step);
      step.newId = await run.request('create-network', target, () =>
        port.createNetwork(networkCreateRequest(replace.after, run.project)),
      );
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Undoes `progress`: on each engine, the new config-only network removed (retried while in use)
 * and the old one made again from `before`, which carries its labels. Runs after the new swarm
 * network is gone and before the old one is made again. Every failure is returned, with its
 * engine and the engine's words.
 */
export async function restoreConfigOnlyNetworks(
  run: ActionRun,
  progress: readonly ConfigOnlyProgress[],
): Promise<string[]> {
  const rollback = { rollback: true };
  const results = await Promise.allSettled(
    progress.map(async ({ replace, newId }) => {
      const port = run.portOf(replace.engine);
      const target = targetOf(replace);
      if (newId !== undefined) {
        await run.request(
          'remove-network',
          target,
          () => removeNetworkWhenFree(port, newId, CONFIG_IN_USE),
          rollback,
        );
      }
      await run.request(
        'create-network',
        target,
        () => port.createNetwork(networkCreateRequest(replace.before)),
        rollback,
      );
    }),
  );
  return results.flatMap((result, i) =>
    result.status === 'rejected' ? [`${targetOf(progress[i]!.replace)}: ${errorMessage(result.reason)}`] : [],
  );
}
