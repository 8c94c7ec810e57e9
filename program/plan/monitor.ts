/**
 * Runs Pulumi code in-process under mocks and records every resource registration the way
 * the engine would receive it: type, name, parent, inputs (with secrets), dependencies and
 * resource options. Built on the SDK's own MockMonitor; only registerResource is replaced, so
 * that options and dependencies (which the public Mocks interface does not see) are kept.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { isSecretWire, render, secretWire } from "./render";
import { mockCall, mockResourceState } from "../../components/testing";


/** One registered resource, as the plan and the tests see it. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent, or null for a top-level resource. */
  parent: string | null;
  /** True for provider-managed (custom) resources, false for components. */
  custom: boolean;
  /** True for a component implemented by a provider plugin (e.g. @pulumi/eks v4). */
  remote: boolean;
  /** Inputs with every secret replaced by "[secret]" and unknowns by "[unknown]". */
  inputs: Record<string, unknown>;
  /** Inputs with secrets revealed. For assertions only; never print these. */
  rawInputs: Record<string, unknown>;
  /** Dotted paths of the inputs that are secret. */
  secretPaths: string[];
  /** Every URN this resource waits for, explicit or through its inputs (sorted, unique). */
  dependencies: string[];
  /** URN::id of the explicit provider, or null for the default provider. */
  provider: string | null;
  options: {
    protect: boolean;
    /** URNs given explicitly in dependsOn (dependencies not explained by any input). */
    dependsOn: string[];
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    /** The URNs this resource may have had before (its `aliases`, resolved as the engine does); absent when none. */
    aliases?: string[];
  };
}

interface AliasSpecMessage { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean }

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getRemote(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> };
  getProvider(): string;
  getImportid(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getAliasesList(): { getUrn(): string; getSpec(): AliasSpecMessage | undefined }[];
  getAliasurnsList(): string[];
}

class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];
  /** Values only the provider knows after deploy (ids, ARNs, endpoints), as the mocks made them up. */
  readonly computed = new Set<string>();
  private seq = 0;

  constructor(private readonly region: string) {
    super({
      call: (args) => mockCall(args, this.region, this.recorded.map((r) => ({
        type: r.type, name: r.name, id: r.custom ? `${r.name}-id` : "", inputs: r.rawInputs,
      }))),
      newResource: () => {
        throw new Error("unreachable: registerResource is overridden");
      },
    });
  }

  private urnFor(parent: string, type: string, name: string, stack = settings.getStack(), project = settings.getProject()): string {
    let qualified = type;
    if (parent) {
      const parentType = parent.split("::")[2].split("$").pop();
      qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
  }

  /** The URNs a resource's aliases name, filled in as the engine does (a spec's missing parts are the resource's own). */
  private aliasUrns(req: RegisterRequest, parent: string, type: string, name: string): string[] {
    const out = [...req.getAliasurnsList()];
    for (const a of req.getAliasesList()) {
      const spec = a.getSpec();
      if (!spec) {
        if (a.getUrn()) out.push(a.getUrn());
        continue;
      }
      const aliasParent = spec.getNoparent() ? "" : spec.getParenturn() || parent;
      out.push(this.urnFor(aliasParent, spec.getType() || type, spec.getName() || name, spec.getStack() || undefined, spec.getProject() || undefined));
    }
    const own = this.urnFor(parent, type, name);
    return [...new Set(out)].filter((u) => u !== own).sort();
  }

  /**
   * Remembers the identifiers the mocks invented for this resource (its id and the computed outputs
   * that differ from its inputs) so the console can show them as <known after deploy>. Never a
   * secret: no random values, no additional secret outputs, nothing named like a credential, and
   * only single-token strings (ids, ARNs, host names), never documents such as a kubeconfig.
   */
  private noteComputed(type: string, name: string, id: string | undefined, extras: Record<string, unknown>, inputs: Record<string, unknown>, secretOutputs: string[]): void {
    if (type.startsWith("random:")) return;
    const add = (v: unknown): void => {
      if (typeof v === "string") {
        if (v.length >= 8 && v.length <= 300 && v !== name && !/\s/.test(v)) this.computed.add(v);
      } else if (Array.isArray(v)) v.forEach(add);
      else if (v !== null && typeof v === "object" && !isSecretWire(v)) Object.values(v).forEach(add);
    };
    // A computed output that repeats one of the inputs (a record's fqdn, a bucket's region) is known before deploy.
    const given = new Set<string>();
    const collect = (v: unknown): void => {
      if (typeof v === "string") given.add(v);
      else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
    };
    collect(inputs);
    const before = new Set(this.computed);
    if (id) add(id);
    for (const [k, v] of Object.entries(extras)) {
      if (secretOutputs.includes(k) || /password|secret|token|result|kubeconfig|certificate|private/i.test(k)) continue;
      if (JSON.stringify(v) !== JSON.stringify(inputs[k])) add(v);
    }
    for (const v of this.computed) if (!before.has(v) && given.has(v)) this.computed.delete(v);
  }

  override async registerResource(req: RegisterRequest, callback: (err: unknown, resp: unknown) => void): Promise<void> {
    try {
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent();
      const urn = this.urnFor(parent, type, name);
      const wire = req.getObject().toJavaScript();
      const r = render(wire);
      const propDeps = new Set<string>();
      req.getPropertydependenciesMap().forEach((v) => v.getUrnsList().forEach((u) => propDeps.add(u)));
      const deps = [...new Set(req.getDependenciesList())].sort();
      const aliases = this.aliasUrns(req, parent, type, name);
      this.recorded.push({
        urn,
        type,
        name,
        parent: parent || null,
        custom: req.getCustom(),
        remote: req.getRemote(),
        inputs: r.masked as Record<string, unknown>,
        rawInputs: r.revealed as Record<string, unknown>,
        secretPaths: r.secretPaths,
        dependencies: deps,
        provider: req.getProvider() || null,
        options: {
          protect: req.getProtect() === true,
          dependsOn: deps.filter((d) => !propDeps.has(d)),
          retainOnDelete: req.getRetainondelete() === true,
          deleteBeforeReplace: req.getDeletebeforereplace(),
          ignoreChanges: [...req.getIgnorechangesList()].sort(),
          ...(aliases.length > 0 ? { aliases } : {}),
        },
      });

      const custom = req.getCustom();
      const id = custom ? req.getImportid() || `${name}-id` : "";
      const extras = mockResourceState({ type, name, inputs: r.revealed as Record<string, unknown>, custom, id, region: this.region, seq: this.seq++ });
      // Outputs = the inputs as sent (already in wire form) plus what the provider would compute.
      // Mock rules return plain JSON, which is its own wire form; undefined means "not set".
      const serialized: Record<string, unknown> = { ...wire };
      for (const [k, v] of Object.entries(extras)) if (v !== undefined) serialized[k] = v;
      this.noteComputed(type, name, custom && !req.getImportid() ? id : undefined, extras, r.revealed as Record<string, unknown>, req.getAdditionalsecretoutputsList());
      // The engine marks these outputs secret; the SDK's MockMonitor does not, so do it here.
      for (const k of req.getAdditionalsecretoutputsList()) {
        if (k in serialized && !isSecretWire(serialized[k])) serialized[k] = secretWire(serialized[k]);
      }
      this.resources.set(urn, { urn, id, state: serialized });
      // A duck-typed response, as the SDK itself builds in test mode (runtime/resource.js): it only
      // calls these getters, and skipping the protobuf round trip is a large part of a plan's time.
      const resp = {
        getUrn: () => urn,
        getId: () => id,
        getObject: () => ({ toJavaScript: () => serialized }),
        getPropertydependenciesMap: () => undefined,
        getResult: () => 0, // Result.SUCCESS
        getUnknown: () => false, // SDK ≥ 3.26x: "the engine could not compute this resource's outputs"
      };
      callback(null, resp);
    } catch (err) {
      callback(err, undefined);
    }
  }
}

export interface MockRunOptions {
  /** Stack name (default "test"). */
  stack?: string;
  /** Project name (default "dify"). */
  project?: string;
  /**
   * Run as a preview (default false). With false every mocked output is known, so apply()
   * callbacks run and values can be asserted; with true, outputs the mocks do not compute are
   * unknown, as in `pulumi preview`.
   */
  preview?: boolean;
  /** Region the AWS invokes answer for (default "us-east-1"). */
  region?: string;
}

/** The result of a mocked run. */
export interface MockRun<T> {
  value: T;
  resources: RecordedResource[];
  /** Values the mocks invented for what providers compute on deploy (ids, ARNs, endpoints), sorted. */
  computed: string[];
}

let running = false;
let lastMonitor: RecordingMonitor | undefined;

/** What the latest run registered, also when its program threw (to prove nothing was half-created). */
export function lastRecorded(): RecordedResource[] {
  return lastMonitor ? [...lastMonitor.recorded] : [];
}

// Internal to the SDK (stripped from its typings), but it is exactly "wait until every RPC the
// program started has completed", which is what a finished run means.
const waitForRPCs = (settings as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;

/**
 * Runs `fn` under fresh mocks and waits until every registration it started has finished.
 * Runs are serialized: the Pulumi runtime state is process-global.
 */
export async function runUnderMocks<T>(fn: () => T, opts: MockRunOptions = {}): Promise<MockRun<T>> {
  if (running) throw new Error("runUnderMocks: a mocked run is already in progress in this process");
  running = true;
  try {
    const region = opts.region ?? "us-east-1";
    const monitor = new RecordingMonitor(region);
    lastMonitor = monitor;
    settings.setMockOptions(monitor, opts.project ?? "dify", opts.stack ?? "test", opts.preview ?? false);
    // The same feature flags pulumi.runtime.setMocks turns on (it would install its own monitor).
    // getStore is internal (absent from the SDK's typings).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const store = (require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, unknown> }).getStore();
    for (const f of ["supportsSecrets", "supportsResourceReferences", "supportsDeletedWith", "supportsReplaceWith",
      "supportsAliasSpecs", "supportsParameterization"]) {
      store[f] = true;
    }
    store.supportsOutputValues = false;
    store.supportsTransforms = false;
    store.supportsResourceHooks = true;
    store.supportsErrorHooks = true;
    // As setMocks does: the mock monitor has no engine-side invoke dependency gate.
    store.supportsInvokeDependsOn = false;
    const value = fn();
    await waitForRPCs();
    const resources = [...monitor.recorded].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { value, resources, computed: [...monitor.computed].sort() };
  } finally {
    running = false;
  }
}

/** Resolves an Output (or plain value) and tells whether it is secret and known. */
export async function resolve<T>(o: pulumi.Input<T>): Promise<{ value: T | undefined; secret: boolean; known: boolean }> {
  const out = pulumi.output(o) as unknown as {
    promise(withUnknowns?: boolean): Promise<T>;
    isSecret: Promise<boolean>;
    isKnown: Promise<boolean>;
  };
  const [value, secret, known] = await Promise.all([out.promise(true), out.isSecret, out.isKnown]);
  return { value, secret, known };
}
