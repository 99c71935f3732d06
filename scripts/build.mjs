// Build: the CLI as one CommonJS bundle, dist/berth.cjs (Node's CommonJS loader starts
// ~10 ms faster than its ESM loader, and modules reached only through import() stay
// uninitialised until a command needs them), plus the layer-unpacking worker,
// dist/unpack-worker.cjs. And a plain per-file transpile of src/, test/ and bench/ into
// build/ for the test runner and the benchmarks. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// gRPC (berth system cri only) stays in node_modules: bundled, it would make every command's bundle larger.
// better-sqlite3's JavaScript is bundled (src/state/db.ts loads its addon by path); `bindings`, which
// it would use to find the addon otherwise, is never reached.
const external = ['bindings', 'zstd-napi', '@napi-rs/xattr', 'node-unix-socket', '@grpc/grpc-js', '@grpc/proto-loader'];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

rmSync('dist', { recursive: true, force: true });
rmSync('build', { recursive: true, force: true });

await build({
  entryPoints: { berth: 'src/cli/main.ts', 'unpack-worker': 'src/images/unpack-worker.ts' },
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  external,
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});

// dist/launch.cjs reads the CLI bundle as latin1 (faster than UTF-8): it must be ASCII. esbuild
// escapes non-ASCII characters in strings, but not in regular expression literals.
{
  const i = readFileSync('dist/berth.cjs').findIndex((b) => b > 0x7f);
  if (i >= 0) throw new Error(`dist/berth.cjs is not ASCII at byte ${i}: write the character as an escape (\\uXXXX) in the source`);
}

// Warm the code cache with a typical command, so the first real one starts fast too.
copyFileSync('scripts/launch.cjs', 'dist/launch.cjs');
// The CRI's API definition, loaded at run time by `berth system cri` (src/cri/proto.ts).
copyFileSync('src/cri/api.proto', 'dist/cri-api.proto');
const warm = mkdtempSync(join(tmpdir(), 'berth-build-'));
try {
  execFileSync(process.execPath, ['dist/launch.cjs', '--root', join(warm, 'root'), '--runroot', join(warm, 'run'), 'images'], { stdio: 'ignore', env: { ...process.env, BERTH_CONFIG: '/dev/null' } });
} finally {
  rmSync(warm, { recursive: true, force: true });
}

await build({
  entryPoints: [...walk('src'), ...walk('test'), ...walk('bench')],
  outdir: 'build',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
