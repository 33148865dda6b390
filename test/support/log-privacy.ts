import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Values the e2e tests send that no log line may hold: category labels of their own (accepted,
 * with a warning, while STRICT_CATEGORIES is off) and numbers no timing or id will ever be.
 */
export const SENTINELS = {
  poste: 'Sentinel-Poste-7e1d',
  domaine_etude: 'Sentinel-Domaine-42ab',
  unknownKey: 'sentinel_unknown_key_9c0f',
  unknownValue: 'Sentinel-Unknown-Value-5d27',
  revenu_mensuel: 7919.5173,
} as const;

const ROOT = join(__dirname, '..', '..');

/** What betrays a feature value in a log line: a sentinel, or a feature name as a JSON key (escaped or not). */
export function personalDataPatterns(): RegExp[] {
  const contract = JSON.parse(readFileSync(join(ROOT, 'models/attrition/contract.json'), 'utf8')) as { features: { name: string }[] };
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [
    ...Object.values(SENTINELS).map((value) => new RegExp(escape(String(value)))),
    ...contract.features.map(({ name }) => new RegExp(`\\\\?"${escape(name)}\\\\?"\\s*:`)),
  ];
}
