/**
 * Dispatch for mocked provider behaviour. Each area keeps its own rules in its own file
 * (aws.ts, and one file per component area for types it needs, e.g. eks.ts, data.ts); this
 * file only merges them. Type-specific rules win over the generic AWS defaults.
 */
import type { MockCallArgs } from "@pulumi/pulumi/runtime/mocks";
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
