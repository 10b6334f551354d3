/**
 * Where a CPU profile's time goes: self time grouped by package (or our own source directory)
 * and the top functions. Run: node --import tsx bench/profile-summary.ts FILE.cpuprofile
 * [--after SECONDS] [--until SECONDS] [--busy]. `--after` leaves out the first seconds (start-up:
 * module loading and compilation), `--until` what follows (say, all but the throughput phase); `--busy` leaves out idle time, so that shares are of the time spent working.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const profile = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Profile;
const option = (name: string) => process.argv.indexOf(name);
const afterUs = option('--after') > 0 ? Number(process.argv[option('--after') + 1]) * 1e6 : 0;
const untilUs = option('--until') > 0 ? Number(process.argv[option('--until') + 1]) * 1e6 : Infinity;
const busyOnly = option('--busy') > 0;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMs = new Map<number, number>();
let elapsedUs = 0;
profile.samples.forEach((id, i) => {
  elapsedUs += profile.timeDeltas[i] ?? 0;
  if (elapsedUs < afterUs || elapsedUs > untilUs) return;
  if (busyOnly && byId.get(id)?.callFrame.functionName === '(idle)') return;
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
});

function area(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const own = /\/(src\/[^/]+)\//.exec(url);
  if (own) return own[1] as string;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.split('/').slice(-2).join('/');
}

const areas = new Map<string, number>();
const functions = new Map<string, number>();
let total = 0;
for (const [id, ms] of selfMs) {
  const frame = (byId.get(id) as ProfileNode).callFrame;
  const where = area(frame.url, frame.functionName);
  areas.set(where, (areas.get(where) ?? 0) + ms);
  const fn = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-1)[0]}:${frame.lineNumber + 1}`;
  functions.set(fn, (functions.get(fn) ?? 0) + ms);
  total += ms;
}
const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), share: `${((100 * ms) / total).toFixed(1)}%` }));
console.log(
  JSON.stringify(
    { total_ms: Math.round(total), by_area: top(areas, 25), top_functions: top(functions, 30) },
    null,
    2,
  ),
);
