// All scenarios, in the order they run by default.
import { images300 } from './images-300.js';
import { monitorRss } from './monitor-rss.js';
import { portThroughput } from './port-throughput.js';
import { ps300 } from './ps-300.js';
import { pullCold } from './pull-cold.js';
import { pullPresent } from './pull-present.js';
import { runD50 } from './run-d-50.js';
import { runRm } from './run-rm.js';
import { runRmUsernet } from './run-rm-usernet.js';
import type { Scenario } from './types.js';
import { apiScenarios } from '../api.js';

export const scenarios: Scenario[] = [
  pullCold,
  pullPresent,
  images300,
  runRm,
  runRmUsernet,
  runD50,
  ps300,
  monitorRss,
  portThroughput,
  // the Engine API (berth system service vs dockerd)
  ...apiScenarios,
];
