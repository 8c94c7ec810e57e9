/**
 * 5-field cron (Kubernetes CronJob `schedule`, UTC) validation and conversion to the 6-field
 * AWS form `cron(min hour dom month dow year)` used by AWS Backup.
 *
 * AWS rules (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
 * day-of-week is 1-7 with 1 = SUN (cron: 0-7 with 0 and 7 = SUN); exactly one of day-of-month and
 * day-of-week must be `?`; a value in both is not expressible (cron ORs them, AWS cannot).
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

const DOW = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** One parsed field: `*` (any) or the explicit set of values it matches. */
interface Field {
  any: boolean;
  values: number[];
  text: string;
}

function value(spec: FieldSpec, token: string): number {
  const upper = token.toUpperCase();
  const byName = spec.names?.indexOf(upper) ?? -1;
  if (byName >= 0) return spec.name === "month" ? byName + 1 : byName;
  if (!/^\d+$/.test(token)) throw new Error(`${spec.name} "${token}" is not a number${spec.names ? " or a name" : ""}`);
  const n = Number(token);
  if (n < spec.min || n > spec.max) throw new Error(`${spec.name} ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

function parseField(spec: FieldSpec, text: string): Field {
  if (text === "*" || text === "?") return { any: true, values: [], text };
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new Error(`${spec.name} "${item}" is malformed`);
    const [, range, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new Error(`${spec.name} step must be at least 1 in "${item}"`);
    let lo: number;
    let hi: number;
    if (range === "*") {
      lo = spec.min;
      hi = spec.max;
    } else if (range.includes("-")) {
      const parts = range.split("-");
      if (parts.length !== 2) throw new Error(`${spec.name} range "${range}" is malformed`);
      lo = value(spec, parts[0]);
      hi = value(spec, parts[1]);
      if (lo > hi) throw new Error(`${spec.name} range "${range}" runs backwards`);
    } else {
      lo = value(spec, range);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(spec.name === "day-of-week" ? v % 7 : v);
  }
  return { any: false, values: [...out].sort((a, b) => a - b), text };
}

/** A parsed, valid 5-field schedule. */
export interface CronSchedule {
  minute: Field;
  hour: Field;
  dayOfMonth: Field;
  month: Field;
  dayOfWeek: Field;
}

/**
 * Parses a standard 5-field cron expression (minute hour day-of-month month day-of-week), the
 * form a Kubernetes CronJob accepts. Throws an Error describing the first problem.
 */
export function parseCron(expr: string): CronSchedule {
  if (typeof expr !== "string") throw new Error(`expected a string, got ${typeof expr}`);
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === "") {
    throw new Error(`"${expr}" has ${parts[0] === "" ? 0 : parts.length} fields; expected 5 (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"`);
  }
  const f = parts.map((p, i) => {
    if (p === "?") throw new Error(`"?" is AWS syntax, not cron; use "*" in the ${FIELDS[i].name} field`);
    return parseField(FIELDS[i], p);
  });
  return { minute: f[0], hour: f[1], dayOfMonth: f[2], month: f[3], dayOfWeek: f[4] };
}

/** Renders a numeric field for AWS: `*`, or the expanded value list (AWS accepts comma lists). */
function awsField(f: Field, render: (v: number) => string = String): string {
  return f.any ? "*" : f.values.map(render).join(",");
}

/**
 * Converts a 5-field cron schedule (UTC) to AWS Backup's `cron(m h dom mon dow y)`.
 * AWS Backup runs a rule at most once an hour, so the minute must be one fixed value: a schedule
 * firing several times an hour is refused rather than silently changed.
 */
export function toAwsCron(expr: string): string {
  const c = parseCron(expr);
  if (c.minute.any || c.minute.values.length !== 1) {
    throw new Error(`"${expr}" fires more than once an hour; AWS Backup runs a rule at most hourly, so the minute must be a single value`);
  }
  const domRestricted = !c.dayOfMonth.any;
  const dowRestricted = !c.dayOfWeek.any;
  if (domRestricted && dowRestricted) {
    throw new Error(`"${expr}" restricts both day-of-month and day-of-week (cron ORs them); AWS cron cannot express that, use one of them`);
  }
  const dom = dowRestricted ? "?" : awsField(c.dayOfMonth);
  const dow = dowRestricted ? awsField(c.dayOfWeek, (v) => DOW[v]) : "?";
  return `cron(${c.minute.values[0]} ${awsField(c.hour)} ${dom} ${awsField(c.month)} ${dow} *)`;
}

/** Throws a component-style error when `expr` is not a valid 5-field cron expression. */
export function assertCron(component: string, field: string, expr: unknown): string {
  try {
    parseCron(expr as string);
  } catch (e) {
    throw new Error(`${component}: args.${field} must be a 5-field cron expression in UTC (minute hour day-of-month month day-of-week), got ${JSON.stringify(expr)}: ${(e as Error).message}`);
  }
  return expr as string;
}
