import type { ObservedState } from '../model/observed.js';
import type { Plan } from '../model/plan.js';
import { describeAction } from './describe.js';

/**
 * What changed on the engine since a saved plan was made, in the user's terms: networks the plan
 * names that were removed or recreated, containers that went away, and the actions a plan made
 * now would add or drop. `fresh` is the plan the same spec gives against `observed`.
 */
export function describeStaleness(saved: Plan, fresh: Plan, observed: ObservedState): string[] {
  const changes: string[] = [];
  const networksByName = new Map<string, string[]>();
  for (const network of observed.networks) {
    networksByName.set(network.name, [...(networksByName.get(network.name) ?? []), network.id]);
  }
  const containerNames = new Map(observed.containers.map((c) => [c.id, c.name]));
  const containerIdsByName = new Map(observed.containers.map((c) => [c.name, c.id]));
  // Containers whose change is already said: their actions are not listed again as no longer needed.
  const explained = new Set<string>();
  const seen = new Set<string>();
  const note = (line: string): void => {
    if (!seen.has(line)) {
      seen.add(line);
      changes.push(line);
    }
  };

  for (const action of saved.actions) {
    const ids = networksByName.get(action.network) ?? [];
    if (action.kind === 'create') {
      if (ids.length > 0) note(`network ${action.network} now exists`);
    } else if (action.networkId !== undefined) {
      if (ids.length === 0) note(`network ${action.network} no longer exists`);
      else if (!ids.includes(action.networkId)) {
        note(
          `network ${action.network} was recreated (id ${short(action.networkId)} is now ${short(ids[0]!)})`,
        );
      }
    }
    if ('containerId' in action) {
      const name = containerNames.get(action.containerId);
      const sameName = containerIdsByName.get(action.container);
      const id = short(action.containerId);
      if (name !== undefined && name !== action.container) {
        note(`container ${action.container} (${id}) was renamed to ${name}`);
      } else if (name === undefined && sameName !== undefined) {
        note(`container ${action.container} was recreated (id ${id} is now ${short(sameName)})`);
      } else if (name === undefined) {
        note(`container ${action.container} (${id}) no longer exists`);
      }
      if (name !== action.container) explained.add(action.container);
    }
  }

  const before = new Set(
    saved.actions.filter((a) => !('container' in a && explained.has(a.container))).map(describeAction),
  );
  const now = new Set(fresh.actions.map(describeAction));
  for (const line of before) if (!now.has(line)) note(`no longer needed: ${line}`);
  for (const line of now) if (!before.has(line)) note(`now needed: ${line}`);
  return changes;
}

function short(id: string): string {
  return id.slice(0, 12);
}
