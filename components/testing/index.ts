/**
 * `dify-aws/testing`: mocks that make every dify-aws component runnable under Pulumi's unit-test
 * mocks (`pulumi.runtime.setMocks`), answering what the AWS, EKS and random providers would
 * compute (ARNs, endpoints, the EKS kubeconfig and OIDC issuer, subnet zones, the load balancer
 * lookup). Deterministic, so two runs compare equal.
 *
 *   import * as pulumi from "@pulumi/pulumi";
 *   import { setDifyMocks } from "dify-aws/testing";
 *   const mocks = setDifyMocks();             // before loading the code under test
 *   const program = await import("./index");
 *   await mocks.settled();                    // every resource registered
 *   // assert on program's outputs and on mocks.registered
 *
 * Each area keeps its rules in its own file (aws.ts, eks.ts, data.ts, ...); this file merges them
 * (type-specific rules win over the generic AWS defaults) and wraps them as Pulumi Mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs, MockCallResult, MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime/mocks";
import { awsCalls, awsDefaults, awsState } from "./aws";
import { extraCalls, extraState } from "./registry";
import { CallRule, MockResourceInput, RegisteredResource, StateRule } from "./types";

const stateRules: Record<string, StateRule> = { ...awsState, ...extraState };
const callRules: Record<string, CallRule> = { ...awsCalls, ...extraCalls };

/** Output properties for a registered resource, on top of its echoed inputs. */
export function mockResourceState(r: MockResourceInput): Record<string, unknown> {
  const base = r.custom && r.type.startsWith("aws:") ? awsDefaults(r) : {};
  const rule = stateRules[r.type];
  return { ...base, ...(rule ? rule(r) : {}) };
}

/** Result of a provider function call; unknown functions return {} as the SDK's mocks do. */
export function mockCall(args: MockCallArgs, region: string, registered: readonly RegisteredResource[] = []): Record<string, unknown> {
  const rule = callRules[args.token];
  return rule ? rule(args.inputs as Record<string, unknown>, region, registered) : {};
}

/** Options of DifyMocks. */
export interface DifyMocksOptions {
  /** Region the AWS answers are for. Default: the `aws:region` config, else "us-east-1". */
  region?: string;
}

/**
 * Pulumi Mocks for programs that use dify-aws components: every resource echoes its inputs plus
 * what its provider would compute, every provider function the components call gets an answer.
 */
export class DifyMocks implements pulumi.runtime.Mocks {
  /** Every resource registered so far (type, name, id, inputs), e.g. to assert on in a test. */
  readonly registered: RegisteredResource[] = [];
  private readonly region: string;
  private seq = 0;

  constructor(opts: DifyMocksOptions = {}) {
    this.region = opts.region ?? new pulumi.Config("aws").get("region") ?? "us-east-1";
  }

  newResource(args: MockResourceArgs): MockResourceResult {
    const custom = args.custom !== false;
    const id = custom ? args.id || `${args.name}-id` : "";
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const extras = mockResourceState({ type: args.type, name: args.name, inputs, custom, id, region: this.region, seq: this.seq++ });
    const state: Record<string, unknown> = { ...inputs };
    for (const [k, v] of Object.entries(extras)) if (v !== undefined) state[k] = v;
    this.registered.push({ type: args.type, name: args.name, id, inputs });
    return { id: custom ? id : undefined, state };
  }

  call(args: MockCallArgs): MockCallResult {
    return mockCall(args, this.region, this.registered);
  }

  /**
   * Resolves once every registration and call the program has started is answered, so
   * `registered` holds everything (an Output resolving says nothing about the other resources).
   */
  async settled(): Promise<void> {
    // The SDK's own "wait for every outstanding RPC" (what runInPulumiStack awaits); internal, so
    // absent from its typings. @pulumi/pulumi is a peer dependency: the program's own copy.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
    if (typeof settings.waitForRPCs !== "function") throw new Error("DifyMocks.settled: this @pulumi/pulumi has no runtime/settings waitForRPCs");
    await settings.waitForRPCs();
  }
}

/** Options of setDifyMocks. */
export interface SetDifyMocksOptions extends DifyMocksOptions {
  /** Project name. Default "project". */
  project?: string;
  /** Stack name. Default "stack". */
  stack?: string;
  /** Run as a preview (outputs the mocks do not compute are unknown). Default false. */
  preview?: boolean;
}

/** Installs DifyMocks with `pulumi.runtime.setMocks` and returns them. Call before the program under test is loaded. */
export function setDifyMocks(opts: SetDifyMocksOptions = {}): DifyMocks {
  const mocks = new DifyMocks(opts);
  void pulumi.runtime.setMocks(mocks, opts.project, opts.stack, opts.preview);
  return mocks;
}

export { ACCOUNT_ID } from "./types";
export type { CallRule, MockResourceInput, RegisteredResource, StateRule } from "./types";
