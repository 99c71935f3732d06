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
   * The measured work; throws on failure. It may return the value it measured itself: the
   * seconds of the command(s) it ran or, for a scenario whose unit is not seconds, the
   * value in that unit (it must then return one). Otherwise the harness times the call.
   */
  run(run: number): Promise<number | void>;
  /** Untimed, once, after the last run (also after a failure). */
  teardown?(): Promise<void>;
}

/** berth's median compared with the best peer's median. */
export interface RelativeTarget {
  /** e.g. "berth <= 0.5 x min(docker, podman)". */
  text: string;
  /**
   * berth's median divided by the reference peer's median must not exceed this (or, in a
   * scenario where higher is better, must reach it).
   */
  ratio: number;
  /** Peers to compare with; the best one measured in this run (the fastest) is the reference. */
  against: EngineName[];
}

/** berth's median compared with each peer's median, each peer with its own bound. */
export interface PerPeerTarget {
  /** e.g. "berth <= 0.33 x docker and <= 0.3 x podman". */
  text: string;
  /**
   * berth's median divided by that peer's median must not exceed the bound (where higher is
   * better: must reach it), for every peer measured.
   */
  each: Partial<Record<EngineName, number>>;
}

/**
 * berth's median against a fixed upper bound in the scenario's unit; peers are for
 * reference. Only for scenarios where lower is better.
 */
export interface AbsoluteTarget {
  /** e.g. "berth <= 2048 kB". */
  text: string;
  /** berth's median must not exceed this. */
  max: number;
}

export type Target = RelativeTarget | PerPeerTarget | AbsoluteTarget;

/** What a scenario measures: wall time in seconds (the default), a size in kB or a throughput in MB/s (10^6 bytes). */
export type Unit = 's' | 'kB' | 'MB/s';

export interface Scenario {
  name: string;
  summary: string;
  target: Target;
  /** Default 's'. */
  unit?: Unit;
  /**
   * Whether a higher value is better (a throughput). Default false: lower is better (times,
   * sizes). It turns the target's comparisons around and picks the peer with the highest
   * median as the reference.
   */
  higherIsBetter?: boolean;
  subjects(ctx: BenchContext): Subject[];
}
