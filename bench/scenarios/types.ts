// What a scenario is: a list of subjects (one per engine, plus optional reference lines)
// that the harness times round-robin, and the target that berth must meet.
import type { Engine, EngineName } from '../engines.js';
import type { BenchImages } from '../images.js';
import type { Registry } from '../registry.js';

export interface BenchContext {
  runs: number;
  /** Untimed rounds before the timed ones. */
  warmup: number;
  /** A temp dir for this harness run; scenarios make their own subdirs in it. */
  tmp: string;
  registry: Registry;
  images: BenchImages;
  /** References of the pushed images, e.g. 127.0.0.1:40123/bench/big:latest. */
  refs: { big: string; small: string };
  engines: Engine[];
}

export interface Subject {
  /** Engine name, or a label for a reference line such as "tar -xzf (ref)". */
  name: string;
  /** Set for engines; reference lines have none and take no part in the target. */
  engine?: EngineName;
  /** Untimed, once, before the first run. */
  setup?(): Promise<void>;
  /** Untimed, before each run (warm-up runs have negative numbers). */
  before?(run: number): Promise<void>;
  /**
   * The timed work; throws on failure. It may return the seconds it measured itself (the
   * wall time of the one command it ran), otherwise the harness times the whole call.
   */
  run(run: number): Promise<number | void>;
  /** Untimed, once, after the last run (also after a failure). */
  teardown?(): Promise<void>;
}

export interface Target {
  /** e.g. "berth <= 0.5 x min(docker, podman)". */
  text: string;
  /** berth's median divided by the reference peer's median must not exceed this. */
  ratio: number;
  /** Peers to compare with; the fastest one measured in this run is the reference. */
  against: EngineName[];
}

export interface Scenario {
  name: string;
  summary: string;
  target: Target;
  subjects(ctx: BenchContext): Subject[];
}
