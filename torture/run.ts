/**
 * `npm run torture`: reliability as figures. Fuzzing, kills under load, Redis faults, a soak and
 * disconnect storms against the real server; the last line printed is one JSON object of figures,
 * and the exit status is non-zero when any figure shows a violation.
 *
 *   npm run torture                 the full run (about 25 minutes)
 *   npm run torture -- --quick      a short run (under 5 minutes), as CI runs it
 *   npm run torture -- --only crash one phase (fuzz, crash, redis_faults, soak, disconnects)
 */
import { crashPhase } from './crash.js';
import { disconnectPhase } from './disconnects.js';
import { fuzzPhase } from './fuzz.js';
import { redisFaultPhase } from './redis-faults.js';
import { soakPhase } from './soak.js';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const settings = quick
  ? {
      fuzz: { protocolRuns: 300, modelRuns: 50 },
      crash: { ms: 10_000, rooms: 4 },
      redisFaults: { rounds: 1, rooms: 4 },
      soak: { minutes: 1, parked: 1000, messagesPerSecond: 20 },
      disconnects: { pairs: 500, rounds: 2 },
    }
  : {
      fuzz: { protocolRuns: 2000, modelRuns: 300 },
      crash: { ms: 60_000, rooms: 8 },
      redisFaults: { rounds: 3, rooms: 8 },
      soak: { minutes: 10, parked: 10_000, messagesPerSecond: 50 },
      disconnects: { pairs: 2000, rounds: 3 },
    };

const log = (line: string) => process.stderr.write(`${line}\n`);
type Figures = Record<string, number>;

/** Runs one phase, logs how long it took (the CPU is shared, so each phase's time matters). */
async function phase(name: string, body: () => Promise<object>): Promise<Figures | undefined> {
  if (only && only !== name) return undefined;
  log(`torture: ${name}…`);
  const started = performance.now();
  const figures = (await body()) as Figures;
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  log(`torture: ${name} done in ${seconds} s: ${JSON.stringify(figures)}`);
  return { ...figures, seconds };
}

const started = performance.now();
const results: Record<string, Figures> = {};
const record = (name: string, figures: Figures | undefined) => {
  if (figures) results[name] = figures;
};
record('fuzz', await phase('fuzz', () => fuzzPhase(settings.fuzz)));
record('crash', await phase('crash', () => crashPhase(settings.crash)));
record('redis_faults', await phase('redis_faults', () => redisFaultPhase(settings.redisFaults)));
record('soak', await phase('soak', () => soakPhase(settings.soak)));
record('disconnects', await phase('disconnects', () => disconnectPhase(settings.disconnects)));

/** Figures that must be zero; any other value is a violation. */
const MUST_BE_ZERO = [
  'fuzz.crashes',
  'fuzz.http_5xx',
  'fuzz.model_violations',
  'crash.lost',
  'crash.duplicated',
  'crash.reordered',
  'crash.reader_gaps',
  'crash.reader_mismatches',
  'crash.unexpected_errors',
  'redis_faults.lost',
  'redis_faults.duplicated',
  'redis_faults.reordered',
  'redis_faults.reader_gaps',
  'redis_faults.reader_mismatches',
  'redis_faults.unexpected_errors',
  'soak.errors',
  'disconnects.lost',
  'disconnects.duplicated',
  'disconnects.cursor_moved_by_undelivered',
  'disconnects.errors',
  'disconnects.parked_after',
];

const flat: Record<string, number> = {};
for (const [name, figures] of Object.entries(results))
  for (const [key, value] of Object.entries(figures)) flat[`${name}.${key}`] = value;
flat.quick = quick ? 1 : 0;
flat.total_seconds = Math.round((performance.now() - started) / 1000);
const violations = MUST_BE_ZERO.filter((key) => key in flat && flat[key] !== 0);
flat.violations = violations.length;
if (violations.length > 0)
  log(`torture: VIOLATIONS: ${violations.map((key) => `${key}=${flat[key]}`).join(', ')}`);
process.stdout.write(`${JSON.stringify(flat)}\n`);
process.exit(violations.length > 0 ? 1 : 0);
