/**
 * Checks a cron schedule as Kubernetes' cron parser accepts it: five fields
 * (minute, hour, day of month, month, day of week) of numbers, ranges, steps,
 * lists, names and `*` or `?`, or a descriptor such as @hourly; an optional
 * TZ= or CRON_TZ= prefix. Returns the parser's complaint, or undefined.
 */

const descriptors = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const bounds: readonly [number, number, readonly string[]][] = [
  [0, 59, []],
  [0, 23, []],
  [1, 31, []],
  [1, 12, months],
  [0, 6, days],
];

function value(text: string, min: number, names: readonly string[]): number | undefined {
  const named = names.indexOf(text.toLowerCase());
  if (named >= 0) return named + min;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function checkField(text: string, [min, max, names]: readonly [number, number, readonly string[]]): string | undefined {
  for (const part of text.split(',')) {
    const [range, step] = part.split('/');
    if (step !== undefined && !/^\d+$/.test(step)) return `failed to parse int from ${step}: strconv.Atoi: parsing ${JSON.stringify(step)}: invalid syntax`;
    if (range === '*' || range === '?') continue;
    const [lo, hi] = (range ?? '').split('-');
    const a = value(lo ?? '', min, names);
    if (a === undefined) return `failed to parse int from ${lo ?? ''}: strconv.Atoi: parsing ${JSON.stringify(lo ?? '')}: invalid syntax`;
    const b = hi === undefined ? a : value(hi, min, names);
    if (b === undefined) return `failed to parse int from ${hi ?? ''}: strconv.Atoi: parsing ${JSON.stringify(hi ?? '')}: invalid syntax`;
    if (a < min) return `beginning of range (${a}) below minimum (${min}): ${part}`;
    if (b > max) return `end of range (${b}) above maximum (${max}): ${part}`;
    if (a > b) return `beginning of range (${a}) beyond end of range (${b}): ${part}`;
  }
  return undefined;
}

export function cronScheduleError(schedule: string): string | undefined {
  let spec = schedule.trim();
  const tz = /^(CRON_)?TZ=\S+\s+/.exec(spec);
  if (tz !== null) spec = spec.slice(tz[0].length);
  if (spec.startsWith('@')) return descriptors.has(spec) || spec.startsWith('@every ') ? undefined : `unrecognized descriptor: ${spec}`;
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    const e = checkField(fields[i]!, bounds[i]!);
    if (e !== undefined) return e;
  }
  return undefined;
}
