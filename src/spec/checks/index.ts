import type { Diagnostic } from '../../model/diagnostic.js';
import type { NetformSpec } from '../../model/spec.generated.js';
import { CODES } from '../codes.js';
import { DiagnosticSink } from '../diagnose.js';
import type { SourceNode } from '../source-map.js';
import { checkContainers } from './containers.js';
import { checkEngineKeys } from './engine-keys.js';
import { NAME_PATTERN, networkFacts, type CheckContext } from './context.js';
import { checkEngines } from './engines.js';
import { checkIpam, checkOverlaps } from './ipam.js';
import { checkNetworks } from './networks.js';
import { checkContainersOnSwarmNetworks, checkServices, checkSwarmNetworks } from './services.js';
import { checkSelectors } from './selectors.js';

export type { CheckContext } from './context.js';

/** Every semantic rule beyond the JSON Schema, on a schema-valid spec. All problems, not the first. */
export function checkSemantics(spec: NetformSpec, source: SourceNode, context: CheckContext): Diagnostic[] {
  const sink = new DiagnosticSink(source);
  if (!NAME_PATTERN.test(context.project)) {
    if (context.projectFromSpec) {
      sink.atValue(CODES.invalidName, ['project'], {
        message: `project name ${JSON.stringify(context.project)} is not valid`,
        hint: 'use letters, digits, and _ . - (not first)',
      });
    } else {
      sink.atValue(CODES.invalidName, [], {
        message: `no project is set and none can be made from the directory name`,
        hint: 'add project: NAME to the spec',
      });
    }
  }
  const networks = networkFacts(spec.networks);
  checkNetworks(networks, sink);
  checkIpam(networks, sink);
  checkOverlaps(networks, sink);
  checkContainers(spec.containers, networks, sink);
  checkSwarmNetworks(networks, sink);
  checkContainersOnSwarmNetworks(spec.containers, networks, sink);
  checkServices(spec.services, networks, sink);
  checkEngineKeys(networks, spec.containers, sink);
  checkSelectors(spec, networks, sink);
  checkEngines(spec.engines, spec.containers, networks, sink);
  return sink.diagnostics;
}
