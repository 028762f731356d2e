/** `npx tsx bench/redraw.ts`: re-renders bench/results/*.md and chart.svg from the JSON results. */
import { fileURLToPath } from 'node:url';
import { redrawAll } from './report.js';

const dir = fileURLToPath(new URL('./results', import.meta.url));
redrawAll(dir)
  .then((count) => process.stdout.write(`re-rendered ${count} runs and chart.svg in ${dir}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
