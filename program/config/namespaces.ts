/**
 * Config keys outside the program's own namespace: a near miss of a namespace the program reads
 * (`difi:azCount`, `aws:regoin`) is a typo whose value would be silently ignored, so it is refused
 * with the key it most likely meant. Keys of other namespaces (other providers, `pulumi:`, an
 * organisation's own keys) pass untouched. Regions are checked against the regions the AWS
 * provider itself knows (@pulumi/aws's Region enum), not a hand-kept list.
 */
import { Region } from "@pulumi/aws/types/enums";
import * as awsConfig from "@pulumi/aws/config/vars";

/** Every region the installed AWS provider knows, e.g. "us-east-1". */
export const AWS_REGIONS: readonly string[] = Object.values(Region).sort();

/** Configuration keys of the AWS provider ("aws:region", "aws:profile", ...), from its SDK's config module. */
const AWS_KEYS: readonly string[] = Object.keys(awsConfig);

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
  }
  return d[x.length][y.length];
}

/** The closest of `known` to `v` within `max` edits (ties: the first in `known`), if any. */
export function nearest(v: string, known: readonly string[], max: number): string | undefined {
  let best: string | undefined;
  let bestD = max + 1;
  for (const k of known) {
    const dist = editDistance(v, k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best;
}

/** Typos of up to two characters, one for names of four characters or fewer ("aws" vs "tls" stay apart). */
const tolerance = (s: string) => (s.length <= 4 ? 1 : 2);

/** The "allowed" text for a region value: undefined when the AWS provider knows it. */
export function regionProblem(v: string): string | undefined {
  if (AWS_REGIONS.includes(v)) return undefined;
  const near = v ? nearest(v, AWS_REGIONS, 2) : undefined;
  return `a region the AWS provider knows, such as us-east-1 or eu-west-1${near ? ` (did you mean ${near}?)` : ""}`;
}

/**
 * Problems with keys outside `project`'s own namespace (which parse.ts checks key by key):
 * a namespace one or two typos away from one the program reads, and AWS provider keys one or two
 * typos away from a real one.
 */
export function namespaceProblems(raw: Record<string, unknown>, project: string): string[] {
  const known = [project, "aws", "kubernetes", "eks", "random", "pulumi"];
  const problems: string[] = [];
  for (const full of Object.keys(raw).sort()) {
    const colon = full.indexOf(":");
    if (colon < 0) continue;
    const ns = full.slice(0, colon);
    const key = full.slice(colon + 1);
    if (ns === project) continue;
    if (!known.includes(ns)) {
      const near = nearest(ns, known, tolerance(ns));
      if (near) problems.push(`${full}: unknown namespace "${ns}"; did you mean ${near}:${key}? (the value would be ignored)`);
      continue;
    }
    if (ns === "aws" && !AWS_KEYS.includes(key)) {
      const near = nearest(key, AWS_KEYS, tolerance(key));
      if (near) problems.push(`${full}: not a key of the AWS provider; did you mean aws:${near}? (the value would be ignored)`);
    }
  }
  return problems;
}
