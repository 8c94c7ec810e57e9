/**
 * What `npm run plan` prints: a summary a reviewer reads (at most 40 lines of 120 columns for
 * prod), then the detail (resources per component and type, the stack outputs), and with --diff
 * what changes against a saved plan. The JSON (--json, --diff-json) keeps every value; the console
 * shows values that exist only after deploy as <known after deploy> and exception reasons in full
 * only with --verbose.
 */
import type { PolicyReport } from "../../policy/runner";
import { componentsOf, describeComponent, imagesOf } from "./describe";
import type { DiffResource, PlanDiff, PropertyChange, ResourceChange } from "./diff";

export const WIDTH = 120;
export const KNOWN_AFTER_DEPLOY = "<known after deploy>";

/** The parts of a plan document the console reads; capacity and cost arrive as data when the program computes them. */
export interface ConsoleDocument {
  stack: string;
  resources: DiffResource[];
  outputs: Record<string, unknown>;
  policy: PolicyReport;
  knownAfterDeploy?: string[];
  capacity?: unknown;
  cost?: unknown;
}

export interface ConsoleContext {
  profile: string;
  region: string;
  difyVersion: string;
  verbose: boolean;
}

// ---- values ----

/** Replaces every string that contains a value known only after deploy. */
export function maskComputed(v: unknown, computed: ReadonlySet<string>): unknown {
  if (typeof v === "string") {
    if (computed.has(v)) return KNOWN_AFTER_DEPLOY;
    for (const c of computed) if (v.includes(c)) return KNOWN_AFTER_DEPLOY;
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => maskComputed(x, computed));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskComputed(x, computed)]));
  return v;
}

/** One line, at most `max` characters: strings bare when simple, everything else as JSON. */
export function oneLine(v: unknown, max: number): string {
  let s = typeof v === "string" && !/[\n"]/.test(v) && v !== "" ? v : JSON.stringify(v) ?? String(v);
  if (s === KNOWN_AFTER_DEPLOY) return s;
  s = s.replace(/\s+/g, " ");
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/**
 * Wraps `text` to `width` columns: `first` before the first line, `indent` before the others.
 * Breaks after "; " where it can (one clause per line), else after ", " (list items stay whole),
 * else between words; a word longer than a line is cut with "…".
 */
export function wrap(first: string, text: string, indent: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let cur = first;
  let fresh = true;
  const flush = () => {
    lines.push(cur.trimEnd());
    cur = indent;
    fresh = true;
  };
  for (const clause of text.split(/(?<=; )/)) {
    const fits = indent.length + clause.trimEnd().length <= width;
    if (!fresh && fits && cur.length + clause.trimEnd().length > width) flush();
    // List items ("api 3–10, web 3–6") stay whole; prose that has no list falls back to words.
    const items = clause.split(/(?<=, )/).flatMap((item) => (indent.length + item.trimEnd().length <= width ? [item] : item.split(/(?<= )/)));
    for (let word of items) {
      if (!fresh && cur.length + word.trimEnd().length > width) flush();
      if (cur.length + word.trimEnd().length > width) word = `${word.slice(0, Math.max(1, width - cur.length - 1))}… `;
      cur += word;
      fresh = false;
    }
  }
  if (!fresh) lines.push(cur.trimEnd());
  return lines;
}

// ---- policy ----

/** The first clause of an exception's reason, short enough for one line. */
export function shortReason(reason: string, max: number): string {
  const colon = reason.indexOf(": ");
  if (colon >= 30 && colon <= max) return reason.slice(0, colon);
  const sentence = reason.split(/(?<=\.)\s/)[0];
  return oneLine(sentence, max);
}

function policyLines(p: PolicyReport, verbose: boolean): string[] {
  const mandatory = p.violations.filter((v) => v.level === "mandatory").length;
  const lines = [`Policy ${p.pack}: ${mandatory} mandatory, ${p.violations.length - mandatory} advisory violation(s), ${p.exceptions.length} exception(s)${!verbose && p.exceptions.length ? " (reasons in full: --verbose or the JSON)" : ""}`];
  for (const v of p.violations) lines.push(...wrap(`  [${v.level}] ${v.policy} ${v.urn.split("::").pop()}: `, v.message, "      "));
  // One line per resource and reason: the sandbox's one justification covers three policies.
  const groups = new Map<string, { name: string; reason: string; policies: string[] }>();
  for (const e of p.exceptions) {
    const key = `${e.urn}\n${e.reason}`;
    const g = groups.get(key) ?? { name: e.urn.split("::").pop() ?? e.urn, reason: e.reason, policies: [] };
    g.policies.push(e.policy);
    groups.set(key, g);
  }
  if (verbose) {
    for (const g of groups.values()) {
      lines.push(...wrap(`  [exception] ${g.name}: `, g.policies.join(", "), "      "));
      lines.push(...wrap("      ", g.reason.replace(/\s+/g, " "), "      "));
    }
    return lines;
  }
  // In the summary, resources waived from the same policies for the same short reason share an
  // entry (the three S3 access-log buckets); --verbose keeps each one's full reason.
  const short = new Map<string, { names: string[]; policies: string[]; reason: string }>();
  for (const g of groups.values()) {
    const reason = shortReason(g.reason, WIDTH - 6);
    const key = `${g.policies.join(",")}\n${reason}`;
    const s_ = short.get(key) ?? { names: [], policies: g.policies, reason };
    s_.names.push(g.name);
    short.set(key, s_);
  }
  for (const g of short.values()) {
    lines.push(...wrap(`  [exception] ${g.names.join(", ")}: `, g.policies.join(", "), "      "));
    lines.push(`      ${g.reason}`);
  }
  return lines;
}

// ---- capacity and cost (computed by the program, rendered here) ----

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === "object" && !Array.isArray(v);
const n = (v: unknown) => (typeof v === "number" ? v.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "?");

function capacityLines(capacity: unknown): string[] {
  if (!isRec(capacity)) return [];
  const range = (c: unknown, unit: string) => (isRec(c) ? `${c.floor === c.ceiling ? n(c.floor) : `${n(c.floor)} → ${n(c.ceiling)}`} ${unit}` : "");
  const parts = [
    range(capacity.apiConcurrentRequests, "concurrent api requests"),
    range(capacity.backgroundTasks, "background tasks"),
    range(capacity.codeExecutions, "sandbox code runs"),
  ].filter(Boolean);
  const limits = Array.isArray(capacity.limits) ? (capacity.limits as Rec[]) : [];
  const failing = limits.filter((l) => l.ok === false).map((l) => String(l.limit));
  if (limits.length) parts.push(failing.length ? `limits exceeded: ${failing.join(", ")}` : `all ${limits.length} limits hold at the ceiling`);
  return parts.length ? wrap("Capacity  ", parts.join("; "), "          ") : [];
}

function costLines(cost: unknown): string[] {
  if (!isRec(cost) || typeof cost.floorMonthly !== "number") return [];
  const money = (v: unknown) => (typeof v === "number" ? `$${v.toLocaleString("en-US", { maximumFractionDigits: 0 })}` : "?");
  const basis = [typeof cost.region === "string" ? `${cost.region} list prices` : "", typeof cost.asOf === "string" ? `as of ${cost.asOf}` : "",
    typeof cost.hoursPerMonth === "number" ? `${cost.hoursPerMonth} h` : ""].filter(Boolean).join(", ");
  const byCategory = new Map<string, number>();
  for (const l of Array.isArray(cost.lines) ? (cost.lines as Rec[]) : []) {
    if (typeof l.category === "string" && typeof l.floor === "number") byCategory.set(l.category, (byCategory.get(l.category) ?? 0) + l.floor);
  }
  // The five largest shares of the floor; the README's cost table has every line.
  const sorted = [...byCategory].sort((a, b) => b[1] - a[1]);
  const rest = sorted.slice(5).reduce((sum, [, v]) => sum + v, 0);
  const top = [...sorted.slice(0, 5).map(([c, v]) => `${c} ${money(v)}`), ...(rest > 0 ? [`the rest ${money(rest)}`] : [])];
  return wrap("Cost      ", `${money(cost.floorMonthly)}/month at the idle floor, ${money(cost.ceilingMonthly)} at the autoscaling ceiling${basis ? ` (${basis})` : ""}${top.length ? `; ${top.join(", ")}` : ""}`, "          ");
}

// ---- summary and detail ----

export function renderSummary(doc: ConsoleDocument, ctx: ConsoleContext): string[] {
  const { components, providers } = componentsOf(doc.resources);
  const counted = doc.resources.filter((r) => r.custom || r.type === "eks:index:Cluster");
  const prefix = components[0]?.name ?? "";
  const lines = [
    `Plan for stack "${doc.stack}" (profile ${ctx.profile}, ${ctx.region}): ${counted.length} resources in ${components.length} components` +
      `${providers.length ? ` (+ ${providers.length} provider${providers.length === 1 ? "" : "s"})` : ""}`,
  ];
  const url = typeof doc.outputs.url === "string" ? doc.outputs.url : "";
  lines.push(...wrap(`Dify ${ctx.difyVersion}${url ? ` at ${url}` : ""}; images: `, imagesOf(doc.resources).join(", "), "  "));
  // The description column starts after the usual names; a longer one (DifyLoadBalancerMonitoring)
  // runs into it rather than narrowing every description.
  const label = Math.min(Math.max(...components.map((c) => `${c.type.split(":").pop()} (${c.resources.length})`.length), 0), 23) + 4;
  for (const c of components) {
    const name = `  ${c.type.split(":").pop()} (${c.resources.length})`;
    const head = name.length >= label ? `${name} ` : name.padEnd(label);
    const desc = describeComponent(c, prefix);
    if (!c.resources.length) lines.push(`${head}nothing in this stack`);
    else if (!desc.length) lines.push(head.trimEnd());
    desc.forEach((d, i) => lines.push(...wrap(i === 0 ? head : " ".repeat(label), d, " ".repeat(label + 2))));
  }
  lines.push(...capacityLines(doc.capacity), ...costLines(doc.cost));
  lines.push(...policyLines(doc.policy, ctx.verbose));
  return lines;
}

export function renderDetail(doc: ConsoleDocument): string[] {
  const computed = new Set(doc.knownAfterDeploy ?? []);
  const { components, providers } = componentsOf(doc.resources);
  const lines = ["", "Resources by component and type:"];
  for (const c of components) {
    const types = new Map<string, number>();
    for (const r of c.resources.filter((r) => r.custom || r.type.startsWith("eks:"))) types.set(r.type, (types.get(r.type) ?? 0) + 1);
    lines.push(`  ${c.type.split(":").pop()} ${c.name}`);
    for (const [t, k] of [...types].sort()) lines.push(`    ${String(k).padStart(3)}  ${t}`);
  }
  if (providers.length) lines.push(`  providers: ${providers.map((p) => `${p.type.split(":").pop()} ${p.name}`).join(", ")}`);
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(doc.outputs)) lines.push(`  ${k}: ${oneLine(maskComputed(v, computed), WIDTH - k.length - 4)}`);
  return lines;
}

// ---- diff ----

/** How many changes of one resource the console lists (the JSON has all). */
const MAX_CHANGES = 12;

function changeLine(c: PropertyChange, computed: ReadonlySet<string>): string {
  const val = (has: boolean, v: unknown, max: number) => (has ? oneLine(maskComputed(v, computed), max) : "(unset)");
  const tag = c.ignoredBy ? `  [not applied: ignoreChanges ${c.ignoredBy}]` : c.replaces ? "  [forces replacement]" : "";
  const room = Math.max(20, Math.floor((WIDTH - 10 - c.path.length - tag.length) / 2));
  return `      ${c.path}: ${val("old" in c, c.old, room)} → ${val("new" in c, c.new, room)}${tag}`;
}

export function renderDiff(diff: PlanDiff, computed: ReadonlySet<string>, baseFile: string): string[] {
  // Older diff documents (--diff-json) have no moves.
  const moved = diff.moved ?? [];
  const replaced = diff.changed.filter((c) => c.action === "replace").length;
  const updated = diff.changed.filter((c) => c.action === "update").length;
  const ignored = diff.changed.flatMap((c) => c.changes.filter((x) => x.ignoredBy)).length;
  const lines = [
    "",
    ...wrap(`Diff against ${baseFile} (stack "${diff.base}"): `, `${diff.added.length} to create, ${updated} to update, ${replaced} to replace, ${diff.removed.length} to delete` +
      `${moved.length ? `, ${moved.length} moved (aliases keep them)` : ""}${ignored ? `; ${ignored} change(s) pulumi up will not make (ignoreChanges)` : ""}`, "  "),
  ];
  if (!diff.added.length && !diff.removed.length && !moved.length && !diff.changed.length && !diff.outputs.length) return [...lines, "  no changes"];
  const where = (r: { component: string }) => (r.component ? `  (${r.component})` : "");
  for (const r of diff.added) lines.push(`  + ${r.type} ${r.name}${where(r)}`);
  for (const r of diff.removed) lines.push(`  - ${r.type} ${r.name}${where(r)}`);
  for (const r of moved) lines.push(...wrap(`  > ${r.type} `, `${r.name}  (was ${r.fromComponent || "top level"}'s, now ${r.component || "top level"}'s)`, "      "));
  // Resources of one type with the very same changes (a version label on every object) read as one entry.
  const groups = new Map<string, { first: ResourceChange; names: string[] }>();
  for (const r of diff.changed) {
    const key = JSON.stringify([r.type, r.action, r.component, r.replaceUnknown, r.changes, r.options]);
    const g = groups.get(key) ?? { first: r, names: [] };
    g.names.push(r.name);
    groups.set(key, g);
  }
  for (const { first: r, names } of groups.values()) {
    const mark = r.action === "replace" ? "+-" : r.action === "ignored" ? "= " : "~ ";
    const note = r.action === "ignored" ? "  (no change: all under ignoreChanges)" : r.replaceUnknown ? "  (no replace data for this type)" : "";
    lines.push(...wrap(`  ${mark}${r.type} `, `${names.join(", ")}${where(r)}${note}`, "      "));
    const all = [...r.changes, ...r.options.map((o) => ({ ...o, path: `(option) ${o.path}` }))];
    for (const c of all.slice(0, MAX_CHANGES)) lines.push(changeLine(c, computed));
    if (all.length > MAX_CHANGES) lines.push(`      … and ${all.length - MAX_CHANGES} more (--diff-json has every change)`);
  }
  if (diff.outputs.length) {
    lines.push("  outputs:");
    for (const c of diff.outputs) lines.push(changeLine(c, computed));
  }
  return lines;
}
