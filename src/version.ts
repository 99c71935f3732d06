export const VERSION = '0.1.0';

/** The Engine API versions berth's service answers (and the newest it advertises). */
export const MIN_API_VERSION = '1.24';
export const API_VERSION = '1.47';
