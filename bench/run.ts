// The benchmark harness: `node build/bench/run.js [scenario...] [--runs N]`.
// Times each scenario for berth and, when present, docker and podman in the same run,
// round-robin, and prints medians, minimums, berth's ratio to each peer and the verdict
// against the scenario's target. Results go to bench/results/latest.json.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ENGINE_NAMES, setUpEngines, DEFAULT_BERTH, type Engine, type EngineName } from './engines.js';
import { prepareImages, pushImage } from './images.js';
import { startRegistry, REGISTRY_BIN } from './registry.js';
import { scenarios } from './scenarios/index.js';
import { buildScenarios } from './build.js';
import { isRootlessScenario, rootlessScenarios } from './rootless-scenarios.js';
import { setUpRootless, type RootlessSetup } from './rootless.js';
import type { BenchContext, Scenario, Target, Unit } from './scenarios/types.js';
import {
  benchDir,
  errorMessage,
  log,
  makeTempDir,
  median,
  minimum,
  onCleanup,
  removeTree,
  runCleanups,
  syncDisks,
} from './util.js';

// The build scenarios (build.ts) run after the others.
scenarios.push(...buildScenarios);
// The rootless scenarios (rootless-scenarios.ts) run only when named (`rootless`: all of them).
scenarios.push(...rootlessScenarios);

const USAGE = `usage: node build/bench/run.js [scenario...] [options]

scenarios: ${scenarios.map((s) => s.name).join(', ')}
  (default: all but the rootless ones, which run only when named; \`rootless\` names all of them)

options:
  --runs N             timed runs per engine and scenario (default 5)
  --warmup N           untimed runs per engine first (default 1)
  --engines LIST       comma-separated subset of ${ENGINE_NAMES.join(',')} (default: all present)
  --berth PATH         berth executable (default ${relative(process.cwd(), DEFAULT_BERTH) || DEFAULT_BERTH}, or $BERTH_BIN)
  --output PATH        results file (default bench/results/latest.json; rootless-latest.json
                       when only rootless scenarios run)
  --tmp DIR            parent of the harness's temp dir (default ${os.tmpdir()})
  --regenerate         rebuild the cached benchmark images under bench/.cache/
  --check              exit 1 when a target is missed
  -h, --help           this text
`;

interface SubjectResult {
  name: string;
  engine?: EngineName;
  /** The value of each successful timed run (seconds, or the scenario's unit), in order. */
  runs: number[];
  median: number | null;
  min: number | null;
  error?: string;
}

type Verdict = 'PASS' | 'FAIL' | 'n/a';

interface ScenarioResult {
  name: string;
  summary: string;
  target: Target;
  unit: Unit;
  /** Whether a higher value is better (throughput); otherwise lower is (times, sizes). */
  higherIsBetter: boolean;
  subjects: SubjectResult[];
  /** berth's median / each other subject's median. */
  ratios: Record<string, number>;
  /**
   * The peer a relative target compares with (the best of target.against measured: the lowest
   * median, or the highest where higher is better; for a per-peer target the one whose bound
   * berth comes closest to missing). None for an absolute one.
   */
  reference: string | null;
  ratio: number | null;
  verdict: Verdict;
  note: string;
}

async function measure(scn: Scenario, ctx: BenchContext): Promise<ScenarioResult> {
  log(`scenario ${scn.name}: ${scn.summary}`);
  const unit = scn.unit ?? 's';
  const state = scn.subjects(ctx).map((s) => ({ s, runs: [] as number[], error: undefined as string | undefined }));
  for (const st of state) {
    if (!st.s.setup) continue;
    log(`${scn.name} ${st.s.name}: set-up`);
    try {
      await st.s.setup();
    } catch (e) {
      st.error = `set-up: ${errorMessage(e)}`;
      log(`${scn.name} ${st.s.name}: ${st.error}`);
    }
  }
  // Warm-up rounds first (not recorded), then the timed rounds. Round-robin, starting with a
  // different subject each round, so drift on the machine (page cache, memory handed back
  // to the host, background writeback) does not favour one engine.
  for (let i = -ctx.warmup; i < ctx.runs; i++) {
    const k = ((i % state.length) + state.length) % state.length;
    const label = i < 0 ? `warm-up ${i + ctx.warmup + 1}/${ctx.warmup}` : `run ${i + 1}/${ctx.runs}`;
    for (const st of [...state.slice(k), ...state.slice(0, k)]) {
      if (st.error) continue;
      try {
        await st.s.before?.(i);
        await syncDisks();
        const t0 = process.hrtime.bigint();
        const own = await st.s.run(i);
        if (typeof own !== 'number' && unit !== 's') throw new Error(`measured no value in ${unit}`);
        const value = typeof own === 'number' ? own : Number(process.hrtime.bigint() - t0) / 1e9;
        if (i >= 0) st.runs.push(value);
        log(`${scn.name} ${st.s.name}: ${label}: ${fmtValue(value, unit)}`);
      } catch (e) {
        st.error = `${label}: ${errorMessage(e)}`;
        log(`${scn.name} ${st.s.name}: ${st.error}`);
      }
    }
  }
  for (const st of state) {
    try {
      await st.s.teardown?.();
    } catch (e) {
      log(`${scn.name} ${st.s.name}: tear-down failed: ${errorMessage(e)}`);
    }
  }
  const subjects: SubjectResult[] = state.map(({ s, runs, error }) => ({
    name: s.name,
    ...(s.engine ? { engine: s.engine } : {}),
    runs,
    // A subject that failed part way has no median: a partial sample would flatter it.
    median: error || runs.length === 0 ? null : median(runs),
    min: runs.length === 0 ? null : minimum(runs),
    ...(error ? { error } : {}),
  }));
  return judge(scn, subjects);
}

function judge(scn: Scenario, subjects: SubjectResult[]): ScenarioResult {
  const unit = scn.unit ?? 's';
  const higherIsBetter = scn.higherIsBetter ?? false;
  /** Whether berth's ratio meets a bound: at most it, or where higher is better at least it. */
  const meets = (ratio: number, bound: number): boolean => (higherIsBetter ? ratio >= bound : ratio <= bound);
  /** How far a ratio is from missing its bound: above 1 it misses. */
  const strain = (ratio: number, bound: number): number => (higherIsBetter ? bound / ratio : ratio / bound);
  const target = scn.target;
  const berth = subjects.find((s) => s.engine === 'berth');
  const ratios: Record<string, number> = {};
  if (berth?.median != null)
    for (const s of subjects) if (s !== berth && s.median != null) ratios[s.name] = berth.median / s.median;
  const base = { name: scn.name, summary: scn.summary, target, unit, higherIsBetter, subjects, ratios };
  if (!berth) return { ...base, reference: null, ratio: null, verdict: 'n/a', note: 'berth not measured' };
  if ('max' in target) {
    // An absolute bound: the peers' lines are for reference only.
    if (higherIsBetter)
      return { ...base, reference: null, ratio: null, verdict: 'n/a', note: 'an absolute target is an upper bound (lower-is-better scenarios only)' };
    if (berth.median == null) return { ...base, reference: null, ratio: null, verdict: 'FAIL', note: 'berth failed' };
    return {
      ...base,
      reference: null,
      ratio: null,
      verdict: berth.median <= target.max ? 'PASS' : 'FAIL',
      note: `${fmtValue(berth.median, unit)}, limit ${fmtValue(target.max, unit)}`,
    };
  }
  if ('each' in target) {
    // Every measured peer has its own bound; the one berth comes closest to missing is the reference.
    const bounds = subjects
      .filter((s) => s.engine && target.each[s.engine] !== undefined && s.median != null)
      .map((s) => ({ name: s.name, bound: target.each[s.engine!]! }));
    if (bounds.length === 0)
      return { ...base, reference: null, ratio: null, verdict: 'n/a', note: `no peer measured (${Object.keys(target.each).join(', ')})` };
    if (berth.median == null) return { ...base, reference: null, ratio: null, verdict: 'FAIL', note: 'berth failed' };
    const worst = bounds.reduce((a, b) => (strain(ratios[b.name], b.bound) > strain(ratios[a.name], a.bound) ? b : a));
    return {
      ...base,
      reference: worst.name,
      ratio: ratios[worst.name],
      verdict: bounds.every((b) => meets(ratios[b.name], b.bound)) ? 'PASS' : 'FAIL',
      note: bounds.map((b) => `${ratios[b.name].toFixed(2)} x ${b.name}`).join(', '),
    };
  }
  const peers = subjects
    .filter((s) => s.engine && target.against.includes(s.engine) && s.median != null)
    .sort((a, b) => (higherIsBetter ? b.median! - a.median! : a.median! - b.median!));
  const reference = peers[0] ?? null;
  if (!reference)
    return { ...base, reference: null, ratio: null, verdict: 'n/a', note: `no peer measured (${target.against.join(', ')})` };
  if (berth.median == null)
    return { ...base, reference: reference.name, ratio: null, verdict: 'FAIL', note: 'berth failed' };
  const ratio = berth.median / reference.median!;
  return {
    ...base,
    reference: reference.name,
    ratio,
    verdict: meets(ratio, target.ratio) ? 'PASS' : 'FAIL',
    note: `${ratio.toFixed(2)} x ${reference.name}`,
  };
}

function fmt(n: number | null | undefined, digits = 3): string {
  return n == null || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

/** A measured value with its unit: seconds to the millisecond, kB and MB/s whole. */
function fmtValue(n: number | null | undefined, unit: Unit): string {
  if (n == null || Number.isNaN(n)) return '-';
  return unit === 's' ? `${n.toFixed(3)} s` : `${n.toFixed(0)} ${unit}`;
}

function table(results: ScenarioResult[], runs: number): string {
  const head = ['scenario', 'engine', 'median', 'min', 'runs', 'berth/x', 'target', 'verdict'];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const r of results) {
    for (const s of r.subjects) {
      const isBerth = s.engine === 'berth';
      rows.push([
        r.name,
        s.name,
        s.median == null ? (s.error ? 'ERROR' : '-') : fmtValue(s.median, r.unit),
        fmtValue(s.min, r.unit),
        `${s.runs.length}/${runs}`,
        isBerth ? '' : fmt(r.ratios[s.name], 2),
        isBerth ? `${r.target.text}` : '',
        isBerth ? `${r.verdict} (${r.note})` : '',
      ]);
      if (s.error) notes.push(`${r.name} / ${s.name}: ${s.error}`);
    }
    if (!r.subjects.some((s) => s.engine === 'berth'))
      rows.push([r.name, 'berth', '-', '-', '-', '', r.target.text, `${r.verdict} (${r.note})`]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = new Set([2, 3, 4, 5]);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w)))];
  let prev = '';
  for (const row of rows) {
    if (prev && row[0] !== prev) out.push('');
    prev = row[0];
    out.push(line(row));
  }
  if (notes.length > 0) out.push('', 'errors:', ...notes.map((n) => `  ${n}`));
  return out.join('\n');
}

function parseOptions(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      engines: { type: 'string' },
      berth: { type: 'string' },
      output: { type: 'string' },
      tmp: { type: 'string' },
      regenerate: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a positive integer, not "${values.runs}"`);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup wants an integer >= 0, not "${values.warmup}"`);
  const engines = (values.engines ?? ENGINE_NAMES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of engines)
    if (!(ENGINE_NAMES as readonly string[]).includes(e))
      throw new Error(`unknown engine "${e}" (known: ${ENGINE_NAMES.join(', ')})`);
  const selected: Scenario[] = [];
  for (const name of positionals) {
    if (name === 'rootless') {
      for (const r of rootlessScenarios) if (!selected.includes(r)) selected.push(r);
      continue;
    }
    const s = scenarios.find((x) => x.name === name);
    if (!s) throw new Error(`unknown scenario "${name}" (known: ${scenarios.map((x) => x.name).join(', ')})`);
    if (!selected.includes(s)) selected.push(s);
  }
  return {
    runs,
    warmup,
    engines: engines as EngineName[],
    berth: values.berth ?? DEFAULT_BERTH,
    output:
      values.output ??
      join(benchDir, 'results', selected.length > 0 && selected.every(isRootlessScenario) ? 'rootless-latest.json' : 'latest.json'),
    tmp: values.tmp,
    regenerate: values.regenerate ?? false,
    check: values.check ?? false,
    scenarios: selected.length > 0 ? selected : scenarios.filter((s) => !isRootlessScenario(s)),
  };
}

function describeEngine(e: Engine) {
  return { name: e.name, bin: e.bin, version: e.version, notes: e.notes };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  for (const [bin, pkg] of [
    [REGISTRY_BIN, 'docker-registry'],
    ['/usr/bin/skopeo', 'skopeo'],
  ] as const)
    if (!existsSync(bin)) throw new Error(`${bin} is missing (apt-get install ${pkg})`);

  const loadBefore = os.loadavg()[0];
  const tmp = await makeTempDir('berth-bench-', opts.tmp);
  onCleanup(() => removeTree(tmp));
  log(`temp dir ${tmp}`);

  const images = await prepareImages({ regenerate: opts.regenerate });
  const registry = await startRegistry(tmp);
  onCleanup(() => registry.stop());
  log('pushing the benchmark images to the registry');
  const refs = {
    big: await pushImage(images.big, registry, 'bench/big'),
    small: await pushImage(images.small, registry, 'bench/small'),
  };

  // Only rootless scenarios: the root engines are not set up (no dockerd is started).
  const { engines, missing } = opts.scenarios.every(isRootlessScenario)
    ? { engines: [] as Engine[], missing: {} }
    : await setUpEngines(opts.engines, tmp, opts.berth);
  for (const e of engines) onCleanup(() => e.close());

  // The rootless scenarios get berth and podman run by the bench user (rootless.ts).
  let rootless: RootlessSetup | null = null;
  if (opts.scenarios.some(isRootlessScenario)) {
    const r = await setUpRootless(opts.engines, tmp, opts.berth);
    rootless = r;
    onCleanup(() => r.session.close());
    for (const e of r.engines) onCleanup(() => e.close());
  }

  const ctx: BenchContext = { runs: opts.runs, warmup: opts.warmup, tmp, registry, images, refs, engines };
  const results: ScenarioResult[] = [];
  for (const scn of opts.scenarios) {
    if (!isRootlessScenario(scn)) {
      results.push(await measure(scn, ctx));
      continue;
    }
    const r = await measure(scn, { ...ctx, engines: rootless?.engines ?? [] });
    const why = scn.skipped();
    if (r.subjects.length === 0 && why) r.note = `skipped: ${why}`;
    results.push(r);
  }

  const loadAfter = os.loadavg()[0];
  const busy = Math.max(loadBefore, loadAfter) > os.cpus().length / 2;
  const big = images.big;
  const header =
    `berth bench: ${opts.runs} run(s) each; big image ${(big.uncompressedBytes / 1e6).toFixed(1)} MB in ` +
    `${big.layers.length} layers, ${(big.compressedBytes / 1e6).toFixed(1)} MB gzip; ` +
    `${os.cpus().length} CPUs, ${os.release()}\n` +
    engines.map((e) => `  ${e.name}: ${e.version}`).join('\n') +
    Object.entries(missing)
      .map(([n, why]) => `\n  ${n}: not measured: ${why}`)
      .join('') +
    (rootless
      ? rootless.engines.map((e) => `\n  ${e.name} (rootless, as ${rootless!.session.user.name}): ${e.version}`).join('') +
        Object.entries(rootless.missing)
          .map(([n, why]) => `\n  ${n} (rootless): not measured: ${why}`)
          .join('')
      : '') +
    `\n  load average (1 min): ${loadBefore.toFixed(2)} at start, ${loadAfter.toFixed(2)} at end` +
    (busy ? ' -- the machine was busy with other work; expect noisy numbers' : '');
  process.stdout.write(`\n${header}\n\n${table(results, opts.runs)}\n`);

  const report = {
    version: 1,
    date: new Date().toISOString(),
    machine: {
      hostname: os.hostname(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      kernel: os.release(),
      node: process.version,
      loadAverage: { start: loadBefore, end: loadAfter },
    },
    runs: opts.runs,
    warmup: opts.warmup,
    engines: engines.map(describeEngine),
    missing,
    ...(rootless ? { rootless: rootless.info } : {}),
    images: {
      big: {
        ref: refs.big,
        manifest: big.manifest.digest,
        layers: big.layers.map((l) => ({ digest: l.digest, size: l.size, uncompressedSize: l.uncompressedSize, files: l.files })),
        compressedBytes: big.compressedBytes,
        uncompressedBytes: big.uncompressedBytes,
      },
      many: { count: images.many.count },
    },
    scenarios: results,
  };
  await mkdir(dirname(opts.output), { recursive: true });
  await writeFile(opts.output, JSON.stringify(report, null, 2) + '\n');
  const shown = relative(process.cwd(), opts.output);
  process.stdout.write(`\nresults: ${shown && !shown.startsWith('..') ? shown : opts.output}\n`);
  return opts.check && results.some((r) => r.verdict === 'FAIL') ? 1 : 0;
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (e) {
  process.stderr.write(`bench: ${errorMessage(e)}\n`);
  code = 2;
} finally {
  if (!stopping) await runCleanups();
}
process.exit(code);
