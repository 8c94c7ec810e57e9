/**
 * index.ts as the Pulumi CLI runs it: config arrives through the runtime (strings, maps as JSON),
 * outputs leave as module exports.
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { lastRecorded, resolve, runUnderMocks } from "../program/plan/monitor";
import { loadStackConfig } from "../program/plan/stack";
import { deployDify } from "../program";
import { parseStackConfig } from "../program/config";

const ENTRY = path.resolve(__dirname, "..", "index.ts");

/** Config as `pulumi up` hands it to the program: every value a string. */
function asCli(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function runEntry(config: Record<string, string>) {
  return runUnderMocks(() => {
    pulumi.runtime.setAllConfig(config);
    delete require.cache[ENTRY];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(ENTRY) as Record<string, pulumi.Output<unknown>>;
  }, { stack: "dev", project: "dify" });
}

describe("index.ts (the program the Pulumi CLI runs)", function () {
  this.timeout(60000);
  afterEach(() => pulumi.runtime.setAllConfig({}));

  it("deploys the dev stack from CLI-style config and exports the stack outputs", async () => {
    const run = await runEntry(asCli(loadStackConfig("dev")));
    const exports = run.value;
    for (const k of ["url", "kubeconfig", "clusterName", "namespace", "databaseEndpoint", "backupBucket"]) assert.ok(k in exports, `exports ${k}`);
    assert.equal((await resolve(exports.url)).value, "http://dify-dev.example.com");
    assert.equal((await resolve(exports.kubeconfig)).secret, true, "the kubeconfig output is secret");
    assert.ok(run.resources.some((r) => r.type === "dify-aws:index:DifyApp"));
  });

  it("exports exactly the program's outputs (program/outputs.ts), with the same values", async () => {
    // Each run registers the whole stack, so the two runs are separate mocked runs.
    const exported = (await runEntry(asCli(loadStackConfig("dev")))).value;
    const program = (await runUnderMocks(() => deployDify(parseStackConfig(loadStackConfig("dev"))), { stack: "dev", project: "dify" })).value as unknown as Record<string, pulumi.Output<unknown>>;
    assert.deepEqual(Object.keys(exported).sort(), Object.keys(program).sort(), "index.ts exports every output, nothing else");
    // The ones a hand-written export list once missed: the README tells users to point DNS at the first.
    for (const k of ["loadBalancerHostname", "dashboardName", "alarmTopicArn"]) assert.ok(k in exported, `exports ${k}`);
    for (const k of Object.keys(program)) {
      const [a, b] = await Promise.all([resolve(exported[k]), resolve(program[k])]);
      assert.deepEqual(a, b, `output ${k}: same value and secrecy`);
    }
  });

  it("refuses bad config with a RunError (message only, no stack trace) before registering anything", async () => {
    await assert.rejects(
      runEntry(asCli(loadStackConfig("dev", { "dify:azCount": 9, "dify:services": { api: { replicas: 0 } } }))),
      (e: unknown) => {
        assert.ok(e instanceof pulumi.RunError, "RunError: the CLI prints no stack trace for it");
        assert.match((e as Error).message, /dify:azCount: got 9, allowed an integer from 2 to 3/);
        assert.match((e as Error).message, /dify:services\.api\.replicas: got 0/);
        return true;
      },
    );
    assert.deepEqual(lastRecorded(), [], "nothing was registered");
  });
});
