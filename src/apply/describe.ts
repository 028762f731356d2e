import { printable } from '../core/printable.js';
import type { Action } from '../model/plan.js';

/**
 * One line naming what an action does, for logs, the progress display and the report; names are
 * escaped (src/core/printable.ts).
 */
export function describeAction(action: Action): string {
  return printable(describeRaw(action));
}

function describeRaw(action: Action): string {
  switch (action.kind) {
    case 'create':
      return `create network ${action.network}`;
    case 'remove':
      return `remove network ${action.network}`;
    case 'replace':
      return `replace network ${action.network}`;
    case 'connect':
      return `connect ${action.container} to ${action.network}`;
    case 'disconnect':
      return `disconnect ${action.container} from ${action.network}`;
    case 'reconnect':
      return `reconnect ${action.container} to ${action.network}`;
  }
}
