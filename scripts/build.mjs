// Build: one bundled, code-split CLI in dist/ (fast start-up: each command is its own
// chunk, loaded only when used), and a plain per-file transpile of src/, test/ and bench/
// into build/ for the test runner and the benchmarks. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const external = ['better-sqlite3', 'zstd-napi', '@napi-rs/xattr'];

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
  entryPoints: ['src/cli/main.ts', 'src/images/unpack-worker.ts'],
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  external,
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});

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
