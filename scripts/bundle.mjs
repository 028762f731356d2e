// Bundles the CLI with esbuild (docs/architecture.md, "Start-up"). Run by `npm run build` after
// tsc, which still emits the library (dist/index.js and its .d.ts files) module by module.
//
// - dist/netform.cjs: the whole CLI (src/cli/bundle-entry.ts), one CommonJS file. Each command's
//   code is still reached from src/cli/main.ts only through `import()`, which esbuild turns into
//   a module initialised on first use, so `--version` runs none of the pipeline's code.
// - dist/netform.js (package.json `bin`): src/cli/launcher.ts, a few lines that compile
//   dist/netform.cjs with `vm.Script` and a V8 code cache (src/cli/code-cache.ts). Node 20's ESM
//   loader takes no cached data, hence CommonJS. Compiled from source, the one file costs more
//   than the per-command ESM chunks this script made before (V8 pre-parses all of it, 0.9 MB
//   minified); with the cache nothing is parsed, and only functions the cache lacks are compiled
//   (docs/benchmark.md, "Start-up").
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(await readFile(`${root}package.json`, 'utf8'));

// docker-modem requires its ssh agent (and with it ssh2, 150–300 ms to load here) at its top,
// whatever the engine's address. netform reaches ssh:// engines through its own tunnel
// (src/docker/ssh-tunnel.ts, which imports ssh2 when it opens), so docker-modem's `./ssh` is
// replaced by a stand-in that loads it on first call, which netform never makes.
const lazyModemSsh = {
  name: 'lazy-docker-modem-ssh',
  setup(b) {
    b.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
      args.importer.includes(`${sep}docker-modem${sep}lib${sep}`)
        ? { path: 'docker-modem/lib/ssh', namespace: 'lazy-ssh' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-ssh' }, () => ({
      contents: "module.exports = (options) => require('docker-modem/lib/ssh.js')(options);",
      resolveDir: root,
      loader: 'js',
    }));
  },
};

// The ESM chunks of earlier builds (dist/chunks/) are no longer read: remove them.
await rm(`${root}dist/chunks`, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  // The maps name src/ files; the CLI reads them only to print an internal error's stack
  // (src/cli/stack.ts), so they cost nothing at start-up. Without sourcesContent they stay small.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};
await build({
  ...common,
  entryPoints: { netform: 'src/cli/bundle-entry.ts' },
  outExtension: { '.js': '.cjs' },
  outdir: 'dist',
  format: 'cjs',
  // import() of node_modules' external ssh2 becomes require(): code compiled by vm.Script has no
  // ESM loader to import with.
  supported: { 'dynamic-import': false },
  define: {
    // The version is part of the bundle: no package.json to find and read at start-up (src/version.ts).
    NETFORM_BUNDLED_VERSION: JSON.stringify(version),
    'import.meta.url': '__netformUrl',
  },
  banner: { js: "var __netformUrl = require('node:url').pathToFileURL(__filename).href;" },
  // ssh2 is loaded from node_modules when an ssh:// engine is opened: it locates files of its own
  // (__dirname), which a bundle does not have.
  external: ['ssh2'],
  plugins: [lazyModemSsh],
});
const cli = await readFile(`${root}dist/netform.cjs`);
// What the launcher names its cache files by (src/cli/code-cache.ts), and the commands that get
// one of their own, read from the bundle itself (src/cli/commands/index.ts lists them).
const bundleHash = createHash('sha256').update(cli).digest('hex').slice(0, 16);
const { COMMAND_NAMES } = createRequire(import.meta.url)(`${root}dist/netform.cjs`);
await build({
  ...common,
  entryPoints: { netform: 'src/cli/launcher.ts' },
  outdir: 'dist',
  format: 'esm',
  define: {
    NETFORM_BUNDLED_VERSION: JSON.stringify(version),
    NETFORM_BUNDLE_HASH: JSON.stringify(bundleHash),
    NETFORM_COMMAND_NAMES: JSON.stringify(COMMAND_NAMES),
  },
});
await chmod(`${root}dist/netform.js`, 0o755);
