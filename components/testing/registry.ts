/**
 * Per-area mock rules, merged here. Add a file per area (e.g. ./eks.ts) exporting
 * `state: Record<string, StateRule>` and/or `calls: Record<string, CallRule>`, and list it below.
 */
import * as eks from "./eks";
import * as random from "./random";
import * as data from "./data";
import * as observability from "./observability";
import * as edge from "./edge";
import * as loadBalancer from "./loadBalancer";
import { CallRule, StateRule } from "./types";

const areas: { state?: Record<string, StateRule>; calls?: Record<string, CallRule> }[] = [random, eks, data, observability, edge, loadBalancer];

export const extraState: Record<string, StateRule> = Object.assign({}, ...areas.map((a) => a.state ?? {}));
export const extraCalls: Record<string, CallRule> = Object.assign({}, ...areas.map((a) => a.calls ?? {}));
