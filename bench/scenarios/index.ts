// All scenarios, in the order they run by default.
import { images300 } from './images-300.js';
import { pullCold } from './pull-cold.js';
import { pullPresent } from './pull-present.js';
import type { Scenario } from './types.js';

export const scenarios: Scenario[] = [pullCold, pullPresent, images300];
