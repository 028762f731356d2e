/**
 * Where a netform run's CPU time goes: summarises V8 CPU profiles (`node --cpu-prof`, written by
 * `npm run bench -- --profile`) by self time per module group and per function, and inclusive
 * time per function.
 *
 * Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]
 */
import { parseArgs } from 'node:util';

import { profileSummary } from './profile.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  if (positionals.length === 0) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top N]');
  for (const file of positionals) {
    process.stdout.write(`== ${file}\n${await profileSummary(file, Number(values.top))}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
