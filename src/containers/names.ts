// Container names: docker's rule for what a name may be, and generated names in docker's
// "adjective_name" style (a word list of our own).
import { randomInt } from 'node:crypto';
import { invalid } from '../errors.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME.test(n)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return n;
}

const LEFT = ['agile', 'amber', 'brave', 'brisk', 'calm', 'candid', 'clever', 'cosmic', 'crisp', 'daring', 'eager', 'earnest', 'fervent', 'fluent', 'gentle', 'glad', 'happy', 'hardy', 'humble', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'mellow', 'merry', 'nimble', 'noble', 'patient', 'placid', 'plucky', 'proud', 'quick', 'quiet', 'rapid', 'serene', 'sharp', 'smooth', 'steady', 'sturdy', 'swift', 'tidy', 'upbeat', 'vivid', 'warm', 'wise', 'witty', 'zesty'];
const RIGHT = ['anchor', 'beacon', 'bollard', 'buoy', 'capstan', 'cleat', 'compass', 'cutter', 'davit', 'dinghy', 'dock', 'ferry', 'gangway', 'harbor', 'hawser', 'helm', 'hull', 'jetty', 'keel', 'ketch', 'lantern', 'lighthouse', 'marina', 'mast', 'mooring', 'oar', 'pier', 'pilot', 'quay', 'rudder', 'sail', 'schooner', 'sextant', 'skiff', 'sloop', 'spar', 'tide', 'tiller', 'trawler', 'wharf', 'winch', 'yawl'];

export function generateName(taken: (n: string) => boolean): string {
  for (let i = 0; i < 64; i++) {
    const n = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}${i > 8 ? randomInt(100) : ''}`;
    if (!taken(n)) return n;
  }
  return `berth_${randomInt(1e9)}`;
}
