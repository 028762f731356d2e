// Bundles the CLI with esbuild into dist/netform.js (package.json `bin`) and the chunks it loads
// on demand, dist/chunks/ (docs/architecture.md, "Start-up"). Run by `npm run build` after tsc,
// which still emits the library (dist/index.js and its .d.ts files) module by module.
//
// Each command's code is reached from src/cli/main.ts only through `import()`, so with
// `splitting` it lands in chunks that are read only when that command runs: `netform --version`
// reads and compiles dist/netform.js and commander's chunk, nothing of the pipeline. (One single
// file was measured first: V8 must compile all of it at every start, 1.1 MB minified, which put
// `--version` at 1.75× `node -e ''` on this machine; docs/benchmark.md.)
import { build } from 'esbuild';
import { chmod, readFile, rm } from 'node:fs/promises';
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

await rm(`${root}dist/chunks`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { netform: 'src/cli/bin.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The version is part of the bundle: no package.json to find and read at start-up (src/version.ts).
  define: { NETFORM_BUNDLED_VERSION: JSON.stringify(version) },
  // The maps name src/ files; the CLI reads them only to print an internal error's stack
  // (src/cli/stack.ts), so they cost nothing at start-up. Without sourcesContent they stay small.
  sourcemap: 'linked',
  sourcesContent: false,
  // ssh2 is loaded from node_modules when an ssh:// engine is opened: it locates files of its own
  // (__dirname), which a bundle does not have.
  external: ['ssh2'],
  plugins: [lazyModemSsh],
  banner: {
    // The CommonJS dependencies (ajv, docker-modem, pino…) call require() for node's own modules.
    js: "import { createRequire as __netformRequire } from 'node:module'; const require = __netformRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
await chmod(`${root}dist/netform.js`, 0o755);
