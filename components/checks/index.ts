/**
 * One set of checks for every component and for the program's stack config: the value checks
 * (DNS labels, host names, CIDRs, regions, Kubernetes quantities, ...) and one problem collector.
 * A component collects every problem with its arguments and throws them together, before
 * anything is registered; each problem names where (an argument path such as
 * `args.services["api"].cpuRequest`, or a config key), what was given and what is allowed.
 *
 * A value check returns undefined when the value is fine, else the "allowed" text
 * ("a DNS-1123 label ...").
 */

/** What is wrong with one argument or config key. */
export interface Problem {
  /** Where: an argument path (`args.namespace`) or a config key (`dify:namespace`). */
  path: string;
  /** The value given (undefined when it was missing). */
  got: unknown;
  /** What is allowed, in the user's words. */
  allowed: string;
}

/** A value check: undefined when `v` is fine, else what is allowed. */
export type Check<T = string> = (v: T) => string | undefined;

/** `"dify"`, `5`, `["a"]`, `undefined`: how a given value is quoted in messages. */
export function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** `path: got X, allowed Y`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: got ${show(p.got)}, allowed ${p.allowed}`;
}

/** Thrown by a component (or the config) with every problem at once. */
export class ArgumentError extends Error {
  constructor(
    /** Whose arguments: `DifyApp "dify"`. */
    readonly subject: string,
    readonly problems: readonly Problem[],
  ) {
    super(`${subject}: ${problems.map(formatProblem).join("; ")}`);
    this.name = "ArgumentError";
  }
}

/** Collects problems; `throwIfAny()` reports them all. */
export class Problems {
  readonly list: Problem[] = [];
  constructor(readonly subject: string) {}

  /** Records a problem. */
  add(path: string, got: unknown, allowed: string): void {
    const problem = { path, got, allowed };
    // The same problem found twice (e.g. through two routes) is reported once.
    if (!this.list.some((q) => formatProblem(q) === formatProblem(problem))) this.list.push(problem);
  }

  /** Runs `check` on a string value (anything else is a problem too); true when it passed. */
  check(path: string, v: unknown, check: Check): boolean {
    const allowed = typeof v === "string" ? check(v) : check("") ?? "a string";
    if (allowed === undefined) return true;
    this.add(path, v, allowed);
    return false;
  }

  /** `v` (default `dflt` when undefined) must be an integer in [min, max]; returns it. */
  int(path: string, v: unknown, dflt: number, min: number, max: number, unit = ""): number {
    const x = v ?? dflt;
    if (typeof x !== "number" || !Number.isInteger(x) || x < min || x > max) {
      this.add(path, v, `an integer from ${min} to ${max}${unit ? ` (${unit})` : ""}`);
      return dflt;
    }
    return x;
  }

  /** Every item of a list must pass `check`; the list must have at least `minItems` items. */
  items(path: string, v: unknown, check: Check, minItems = 0): boolean {
    if (!Array.isArray(v)) {
      this.add(path, v, `a list${minItems ? ` of at least ${minItems}` : ""}`);
      return false;
    }
    let ok = true;
    if (v.length < minItems) {
      this.add(path, v, `at least ${minItems} item(s)`);
      ok = false;
    }
    v.forEach((item, i) => { ok = this.check(`${path}[${i}]`, item, check) && ok; });
    return ok;
  }

  /** Problems an older validator threw (an Error naming the argument) join these. */
  absorb(fn: () => void, path: string, got: unknown): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof ArgumentError) e.problems.forEach((q) => this.add(q.path, q.got, q.allowed));
      else this.add(path, got, (e as Error).message);
    }
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws one ArgumentError listing every problem (nothing when there are none). */
  throwIfAny(): void {
    if (this.list.length) throw new ArgumentError(this.subject, this.list);
  }
}

// ---- value checks ----

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 label (Kubernetes namespaces and most object names), at most `max` characters. */
export function dnsLabel(max = 63): Check {
  return (v) => (DNS_LABEL.test(v) && v.length <= max
    ? undefined
    : `a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${max} characters`);
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}$/;
/** A lower-case DNS host name with a dot, no scheme, port or path. */
export const hostname: Check = (v) =>
  (HOSTNAME.test(v) ? undefined : "a DNS host name such as dify.example.com (lower case, no scheme, port or path)");

/** An IPv4 CIDR as {ip, bits}, or undefined when malformed or host bits are set. */
export function parseCidr(v: string): { ip: number; bits: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  if ((ip & mask) >>> 0 !== ip) return undefined; // host bits set: 10.0.0.1/16 is a typo for 10.0.0.0/16
  return { ip, bits };
}
/** An IPv4 CIDR block with no host bits set. */
export const cidr: Check = (v) => (parseCidr(v) ? undefined : "an IPv4 CIDR block with no host bits set, e.g. 10.40.0.0/16");

/** An AWS region code (commercial, GovCloud, ISO partitions). */
export const region: Check = (v) => (/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(v) ? undefined : "an AWS region code such as us-east-1");

/** An ALB name (ELB API CreateLoadBalancer Name): 1-32 letters, digits or '-', no '-' at either end, not "internal-...". */
export const albName: Check = (v) => (/^[A-Za-z0-9]([-A-Za-z0-9]{0,30}[A-Za-z0-9])?$/.test(v) && !v.startsWith("internal-")
  ? undefined : "1-32 letters, digits or '-' (no leading or trailing '-', not \"internal-...\")");

/** An e-mail address (pragmatic: the receiving service validates for real). */
export const email: Check = (v) => (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : "an e-mail address");

/** An IAM role ARN. */
export const roleArn: Check = (v) => (/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(v) ? undefined : "an IAM role ARN (arn:aws:iam::<account>:role/<name>)");

/** A Celery queue name as Dify uses them. */
export const celeryQueue: Check = (v) => (/^[a-z0-9_]+$/.test(v) ? undefined : "a Celery queue name (lower-case letters, digits, '_')");

/** An environment variable name. */
export const envName: Check = (v) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : "an environment variable name (letters, digits, '_', not starting with a digit)");

// Kubernetes quantities (k8s.io/apimachinery/pkg/api/resource): CPU is cores, decimal or milli;
// memory is bytes with a decimal (k, M, G, ...) or binary (Ki, Mi, Gi, ...) suffix. "1Gi" of CPU
// or "500m" of memory (half a byte) are accepted by the API server but are always mistakes.
const CPU = /^(\d+(\.\d{1,3})?|\.\d{1,3}|\d+m)$/;
const MEMORY = /^(\d+(\.\d+)?|\.\d+)(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const SUFFIX: Record<string, number> = {
  m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A CPU quantity: cores ("2", "0.5") or millicores ("500m"). */
export const cpuQuantity: Check = (v) => (CPU.test(v) ? undefined : 'a CPU quantity such as "500m" or "2" (cores or millicores)');
/** A memory quantity: bytes with a suffix ("512Mi", "2Gi", "1G"). */
export const memoryQuantity: Check = (v) => (MEMORY.test(v) ? undefined : 'a memory quantity such as "512Mi" or "2Gi"');

/** A CPU or memory quantity as a number (cores or bytes), or undefined when malformed. */
export function parseQuantity(q: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
  if (!m) return undefined;
  return parseFloat(m[1]) * (m[2] ? SUFFIX[m[2]] : 1);
}
