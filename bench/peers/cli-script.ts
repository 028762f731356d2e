import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tail, timeChild } from '../measure.js';
import { diffOps, type Op } from '../ops.js';
import type { Peer, PhaseJob, PhaseRun } from '../peer.js';
import { BENCH_LABEL } from '../scenario.js';

const quote = (s: string): string => (/^[\w.,:/=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function command(op: Op): string {
  switch (op.kind) {
    case 'create': {
      const labels = Object.entries(op.network.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
      return `docker network create --driver bridge --subnet ${[op.network.subnet, ...labels, op.network.name].map(quote).join(' ')} >/dev/null`;
    }
    case 'remove':
      return `docker network rm ${quote(op.network)} >/dev/null`;
    case 'connect':
      return `docker network connect ${[...op.aliases.flatMap((a) => ['--alias', a]), op.network, op.container].map(quote).join(' ')}`;
    case 'disconnect':
      return `docker network disconnect ${quote(op.network)} ${quote(op.container)}`;
  }
}

/**
 * The script the tutorials teach, generated: one `docker network create/connect/disconnect/rm`
 * per write, in order, under `set -e`. A shell script has no plan: its "no-op" is the read a
 * script would need to find out that nothing is to do (inspect the networks and the containers),
 * without the comparison.
 */
export function renderScript(job: PhaseJob): string {
  const lines = ['#!/bin/bash', 'set -euo pipefail'];
  if (job.phase === 'noop') {
    const label = `${BENCH_LABEL}=${job.scenario.run}`;
    lines.push(
      `docker network inspect $(docker network ls -q --filter ${quote(`label=${label}`)}) >/dev/null`,
      `docker container inspect ${job.scenario.containers.map(quote).join(' ')} >/dev/null`,
    );
  } else {
    for (const op of diffOps(job.from, job.to).flat()) lines.push(command(op));
  }
  return `${lines.join('\n')}\n`;
}

export function cliScriptPeer(): Peer {
  return {
    id: 'cli',
    title: 'docker CLI script',
    floor: false,
    unavailable: () => Promise.resolve(undefined),
    async run(job: PhaseJob): Promise<PhaseRun> {
      const script = join(job.workDir, `cli-${job.phase}.sh`);
      await writeFile(script, renderScript(job), { mode: 0o755 });
      const result = await timeChild('bash', [script], {
        env: { ...process.env, DOCKER_HOST: `unix://${job.socketPath}` },
        timeFile: join(job.workDir, 'cli.time'),
      });
      return {
        wallMs: result.wallMs,
        maxRssKb: result.maxRssKb,
        cpuMs: result.cpuMs,
        error: result.code === 0 ? undefined : `exit ${result.code}: ${tail(result.stderr)}`,
      };
    },
  };
}
