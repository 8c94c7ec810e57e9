/**
 * `npm run plan -- --diff base.json`: what changes between a saved plan (`--json`) and this one,
 * resource by resource, with the input paths and their old and new values. Like `pulumi preview`
 * it says which changes `pulumi up` will not make (the resource's ignoreChanges) and which replace
 * the resource (replacements.ts); unlike it, it needs no state and no cloud: both sides are plans.
 *
 * Values are the plan documents' own: secrets are "[secret]" on both sides (a changed secret is
 * invisible here, as it is in the document), values the providers compute exist only as the
 * mocks' stand-ins (the console shows them as <known after deploy>).
 */
import type { PlanResource } from "./plan";
import { replaceRuleFor } from "./replacements";

/** What the diff reads of a plan document's resource (older documents may lack knownAfterDeploy). */
export type DiffResource = Pick<PlanResource, "urn" | "type" | "name" | "parent" | "custom" | "inputs"> & {
  options: Pick<PlanResource["options"], "protect" | "retainOnDelete" | "deleteBeforeReplace" | "ignoreChanges" | "aliases">;
};

export interface DiffDocument {
  stack: string;
  resources: DiffResource[];
  outputs: Record<string, unknown>;
  knownAfterDeploy?: string[];
}

/** One changed input (or output, or resource option). `old`/`new` are absent when the value was not set. */
export interface PropertyChange {
  path: string;
  old?: unknown;
  new?: unknown;
  /** The ignoreChanges entry that keeps `pulumi up` from making this change. */
  ignoredBy?: string;
  /** The change replaces the resource (delete and create) instead of updating it. */
  replaces?: boolean;
}

export interface ResourceRef {
  urn: string;
  type: string;
  name: string;
  /** The top-level component it belongs to, e.g. "DifyApp dify" (empty for a top-level resource). */
  component: string;
}

export interface ResourceChange extends ResourceRef {
  /**
   * update: changed in place; replace: deleted and created again (or created first);
   * ignored: every change is covered by ignoreChanges, so `pulumi up` leaves it as it is.
   */
  action: "update" | "replace" | "ignored";
  changes: PropertyChange[];
  /** Resource options that differ (protect, retainOnDelete, deleteBeforeReplace, ignoreChanges). */
  options: PropertyChange[];
  /** True when replacements.ts has no data for the type: a replacement cannot be predicted. */
  replaceUnknown: boolean;
}

/** A resource whose URN changed, found in the base under one of its aliases: `pulumi up` keeps it (no delete, no create). */
export interface ResourceMove extends ResourceRef {
  /** Its URN in the base (one of its aliases). */
  from: string;
  /** The top-level component it belonged to in the base. */
  fromComponent: string;
}

export interface PlanDiff {
  base: string;
  head: string;
  added: ResourceRef[];
  removed: ResourceRef[];
  /** Resources that moved (new URN, alias to the old one); any input changes are in `changed` too. */
  moved: ResourceMove[];
  changed: ResourceChange[];
  outputs: PropertyChange[];
}

// ---- paths ----

/** A path segment: an object key, an array index, or an array element matched by its `name`. */
type Segment = { key: string } | { index: number } | { named: string } | { json: true };

const IDENT = /^[A-Za-z_$][\w$-]*$/;

export function formatPath(segs: readonly Segment[]): string {
  let out = "";
  for (const s of segs) {
    if ("key" in s) out += IDENT.test(s.key) ? (out === "" ? s.key : `.${s.key}`) : `[${JSON.stringify(s.key)}]`;
    else if ("index" in s) out += `[${s.index}]`;
    else if ("named" in s) out += `[${s.named}]`;
    else out += "(json)";
  }
  return out;
}

/** Parses a Pulumi property path ("spec.replicas", "a[0].b", "tags[\"x.y\"]", "a[*]", "*") into key segments; indices become "*". */
export function parsePattern(p: string): string[] {
  const out: string[] = [];
  const re = /\[(?:"((?:[^"\\]|\\.)*)"|(\d+|\*))\]|\.?([^.[\]]+)/g;
  for (let m = re.exec(p); m; m = re.exec(p)) {
    if (m[1] !== undefined) out.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) out.push("*");
    else out.push(m[3]);
  }
  return out;
}

/** The key segments of a change path, every array position as "*" (the JSON marker ends the input's own path). */
function keysOf(segs: readonly Segment[]): string[] {
  const out: string[] = [];
  for (const s of segs) {
    if ("json" in s) break;
    out.push("key" in s ? s.key : "*");
  }
  return out;
}

/** True when `pattern` covers `keys` (a prefix; "*" in the pattern matches any one segment). */
function covers(pattern: readonly string[], keys: readonly string[]): boolean {
  if (pattern.length > keys.length) return false;
  return pattern.every((p, i) => p === "*" || p === keys[i]);
}

/** Ignoring array positions on both sides: the replace table names lists without indices. */
const noIndex = (k: readonly string[]) => k.filter((s) => s !== "*");

/** True when the change at `keys` (a parent of `pattern`) changes what lies at `pattern`. */
function reachesInto(pattern: readonly string[], keys: readonly string[], oldV: unknown, newV: unknown): boolean {
  if (keys.length >= pattern.length || !covers(keys, pattern.slice(0, keys.length))) return false;
  const rest = pattern.slice(keys.length);
  if (rest.includes("*")) return true; // cannot follow a wildcard through two trees: assume it changes
  const at = (v: unknown) => rest.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), v);
  return !deepEqual(at(oldV), at(newV));
}

// ---- values ----

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Arrays whose elements are objects with distinct string `name`s (containers, env, ports, volumes) diff by name. */
function byName(v: unknown[]): Map<string, unknown> | undefined {
  const m = new Map<string, unknown>();
  for (const x of v) {
    const n = isPlainObject(x) ? x.name : undefined;
    if (typeof n !== "string" || m.has(n)) return undefined;
    m.set(n, x);
  }
  return m;
}

function parseJsonDoc(s: string): unknown {
  const t = s.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

interface RawChange { segs: Segment[]; old?: unknown; new?: unknown; had: { old: boolean; new: boolean } }

function diffValues(a: unknown, b: unknown, segs: Segment[], out: RawChange[]): void {
  if (deepEqual(a, b)) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const s = [...segs, { key: k }];
      if (!(k in b)) out.push({ segs: s, old: a[k], had: { old: true, new: false } });
      else if (!(k in a)) out.push({ segs: s, new: b[k], had: { old: false, new: true } });
      else diffValues(a[k], b[k], s, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const na = byName(a);
    const nb = byName(b);
    if (na && nb && a.length > 0 && b.length > 0) {
      for (const [n, x] of nb) {
        const s = [...segs, { named: n }];
        if (na.has(n)) diffValues(na.get(n), x, s, out);
        else out.push({ segs: s, new: x, had: { old: false, new: true } });
      }
      for (const [n, x] of na) if (!nb.has(n)) out.push({ segs: [...segs, { named: n }], old: x, had: { old: true, new: false } });
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const s = [...segs, { index: i }];
      if (i >= b.length) out.push({ segs: s, old: a[i], had: { old: true, new: false } });
      else if (i >= a.length) out.push({ segs: s, new: b[i], had: { old: false, new: true } });
      else diffValues(a[i], b[i], s, out);
    }
    return;
  }
  if (typeof a === "string" && typeof b === "string") {
    const ja = parseJsonDoc(a);
    const jb = parseJsonDoc(b);
    if (ja !== undefined && jb !== undefined) return diffValues(ja, jb, [...segs, { json: true }], out);
  }
  out.push({ segs, old: a, new: b, had: { old: true, new: true } });
}

function toChange(c: RawChange): PropertyChange {
  const p: PropertyChange = { path: formatPath(c.segs) };
  if (c.had.old) p.old = c.old;
  if (c.had.new) p.new = c.new;
  return p;
}

/** The top-level component a resource belongs to ("DifyApp dify"), or "" when it is top-level itself. */
function componentOf(r: DiffResource, byUrn: Map<string, DiffResource>): string {
  let top: DiffResource | undefined;
  for (let cur = r.parent ? byUrn.get(r.parent) : undefined; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) top = cur;
  return top ? `${top.type.split(":").pop()} ${top.name}` : "";
}

const ref = (r: DiffResource, byUrn: Map<string, DiffResource>): ResourceRef => ({ urn: r.urn, type: r.type, name: r.name, component: componentOf(r, byUrn) });

/** Compares two plan documents of the same program. */
export function diffPlans(base: DiffDocument, head: DiffDocument): PlanDiff {
  const baseBy = new Map(base.resources.map((r) => [r.urn, r]));
  const headBy = new Map(head.resources.map((r) => [r.urn, r]));
  // As the engine matches: by URN, else by an alias naming a base URN no head resource has.
  const baseOf = new Map<string, DiffResource>();
  for (const h of head.resources) {
    const b = baseBy.get(h.urn) ?? (h.options?.aliases ?? []).filter((a) => !headBy.has(a)).map((a) => baseBy.get(a)).find((x) => x !== undefined);
    if (b) baseOf.set(h.urn, b);
  }
  const matched = new Set([...baseOf.values()].map((b) => b.urn));
  const added = head.resources.filter((r) => !baseOf.has(r.urn)).map((r) => ref(r, headBy));
  const removed = base.resources.filter((r) => !matched.has(r.urn)).map((r) => ref(r, baseBy));
  const moved: ResourceMove[] = head.resources.flatMap((h) => {
    const b = baseOf.get(h.urn);
    return b && b.urn !== h.urn ? [{ ...ref(h, headBy), from: b.urn, fromComponent: componentOf(b, baseBy) }] : [];
  });
  const changed: ResourceChange[] = [];
  for (const h of head.resources) {
    const b = baseOf.get(h.urn);
    if (!b) continue;
    const raw: RawChange[] = [];
    diffValues(b.inputs, h.inputs, [], raw);
    const optRaw: RawChange[] = [];
    for (const k of ["protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges"] as const) {
      diffValues(b.options?.[k] ?? (k === "ignoreChanges" ? [] : false), h.options?.[k] ?? (k === "ignoreChanges" ? [] : false), [{ key: k }], optRaw);
    }
    if (raw.length === 0 && optRaw.length === 0) continue;
    // pulumi up applies the ignoreChanges of the program it runs: the head's.
    const ignores = (h.options?.ignoreChanges ?? []).map((p) => ({ p, keys: parsePattern(p) }));
    const rule = h.custom || h.type === "eks:index:Cluster" ? replaceRuleFor(h.type) : undefined;
    const replacePatterns = (rule?.paths ?? []).map((p) => noIndex(parsePattern(p)));
    const changes = raw.map((c) => {
      const p = toChange(c);
      const keys = keysOf(c.segs);
      const ignored = ignores.find((i) => covers(i.keys, keys));
      if (ignored) p.ignoredBy = ignored.p;
      else if (replacePatterns.some((pat) => covers(pat, noIndex(keys)) || reachesInto(pat, noIndex(keys), c.old, c.new))) p.replaces = true;
      return p;
    });
    const effective = changes.filter((c) => !c.ignoredBy);
    const action = effective.length === 0 && optRaw.length === 0 ? "ignored" : effective.some((c) => c.replaces) ? "replace" : "update";
    changed.push({ ...ref(h, headBy), action, changes, options: optRaw.map(toChange), replaceUnknown: h.custom && !rule });
  }
  const outRaw: RawChange[] = [];
  diffValues(base.outputs, head.outputs, [], outRaw);
  return { base: base.stack, head: head.stack, added, removed, moved, changed, outputs: outRaw.map(toChange) };
}
