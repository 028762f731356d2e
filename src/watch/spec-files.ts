import { watch, type FSWatcher } from 'chokidar';
import { dirname, resolve } from 'node:path';
import { DEFAULT_SPEC_FILE } from '../spec/load.js';

export interface SpecFileWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` once the spec files have changed and then stayed unchanged for `quietMs`
 * (several files changed by one `git pull` make one call). Editors and git replace a file by
 * writing a new one and renaming it over the old: chokidar watches the files' directories, not
 * the files, so a replaced, deleted or re-created file is seen like an edited one.
 */
export async function watchSpecFiles(
  files: readonly string[],
  cwd: string,
  onChange: () => void,
  quietMs = 300,
): Promise<SpecFileWatcher> {
  const paths = new Set((files.length > 0 ? files : [DEFAULT_SPEC_FILE]).map((f) => resolve(cwd, f)));
  const directories = new Set([...paths].map((p) => dirname(p)));
  let timer: NodeJS.Timeout | undefined;
  const changed = (path: string): void => {
    if (!paths.has(resolve(path))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, quietMs);
  };
  const watcher: FSWatcher = watch([...directories], {
    ignoreInitial: true,
    depth: 0,
    // The directories themselves, and in them only the spec files.
    ignored: (path: string) => !directories.has(resolve(path)) && !paths.has(resolve(path)),
    awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
  });
  watcher.on('add', changed).on('change', changed).on('unlink', changed);
  await new Promise<void>((done) => watcher.once('ready', () => done()));
  return {
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
