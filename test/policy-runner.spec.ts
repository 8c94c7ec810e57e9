// The offline runner: same policy objects as the pack, engine-shaped arguments, remediation,
// deterministic output, unknown values, speed.

import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { policies } from "../policy/policies";
import { evaluatePolicies, PlannedResource } from "../policy/runner";
import { containersOf, failingPolicies, Obj, podSpecOf, resource, workload } from "./fixtures/policy/builders";

// @pulumi/policy's own proxy and unknown sentinels, to feed policies exactly what the engine passes.
const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy: (o: Obj) => Obj; unknownStringValue: unknown };

type Reported = string | Obj;
interface EngineLikePolicy {
    name: string;
    validateResource: (args: Obj, report: (m: Reported, urn?: string) => void) => void;
    remediateResource?: (args: Obj) => Obj | undefined;
}
const policy = (name: string) => policies.find((p) => p.name === name) as unknown as EngineLikePolicy;

function engineArgs(r: PlannedResource, props: Obj): Obj {
    return {
        type: r.type, name: r.name, urn: r.urn, props, stackTags: new Map(),
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        getConfig: () => ({}), isType: () => false, asType: () => undefined,
        notApplicable: (reason?: string) => { throw new Error(`not applicable: ${reason}`); },
    };
}

describe("policy: offline runner", () => {
    it("calls the very policy objects the pack registers", () => {
        const target = policy("k8s-no-host-ports");
        const original = target.validateResource;
        let calls = 0;
        target.validateResource = (args, report) => { calls++; original(args, report); };
        try {
            evaluatePolicies([workload("Deployment", "a"), workload("Pod", "b")], {});
        } finally {
            target.validateResource = original;
        }
        assert.equal(calls, 2);
    });

    it("output is sorted by urn then policy, and stable across runs and input orders", () => {
        const a = workload("Deployment", "zeta");
        const b = workload("Pod", "alpha");
        for (const r of [a, b]) delete (podSpecOf(r).securityContext as Obj).seccompProfile;
        podSpecOf(a).hostNetwork = true;
        const one = evaluatePolicies([a, b], {});
        const two = evaluatePolicies([b, a], {});
        assert.deepEqual(one, two);
        const keys = one.violations.map((v) => `${v.urn} ${v.policy}`);
        assert.deepEqual(keys, [...keys].sort((x, y) => x.localeCompare(y)));
        assert.equal(one.pack, "dify-aws-policy");
    });

    it("handles the engine's unknown-checking proxy: unknowns become advisory, never an exception", () => {
        const r = workload("Deployment", "api");
        const props = JSON.parse(JSON.stringify(r.props)) as Obj;
        containersOf({ ...r, props })[0].image = proxy.unknownStringValue;
        const reported: Reported[] = [];
        policy("k8s-image-pinned").validateResource(engineArgs(r, proxy.unknownCheckingProxy(props)), (m) => reported.push(m));
        assert.equal(reported.length, 1);
        const m = reported[0] as Obj;
        assert.equal(m.enforcementLevel, "advisory");
        assert.match(String(m.message), /^Workload images must be pinned.*\ncannot be checked yet: container .* image is not known yet$/s);
        // Everything else about the same resource is still checked through the proxy.
        const ok: Reported[] = [];
        policy("k8s-run-as-non-root").validateResource(engineArgs(r, proxy.unknownCheckingProxy(props)), (x) => ok.push(x));
        assert.deepEqual(ok, []);
    });

    describe("remediation (opt-in with enforcementLevel remediate)", () => {
        it("adds allowPrivilegeEscalation: false and a RuntimeDefault seccomp profile where unset, then validates the result", () => {
            const r = workload("CronJob", "backup");
            delete (podSpecOf(r).securityContext as Obj).seccompProfile;
            for (const c of [...containersOf(r), ...containersOf(r, "initContainers")]) delete (c.securityContext as Obj).allowPrivilegeEscalation;
            assert.deepEqual(failingPolicies(evaluatePolicies([r], {})), ["k8s-no-privilege-escalation", "k8s-seccomp-profile"]);
            const report = evaluatePolicies([r], { config: { "k8s-no-privilege-escalation": "remediate", "k8s-seccomp-profile": "remediate" } });
            assert.deepEqual(report.violations, []);
            assert.deepEqual(report.remediations, [
                { policy: "k8s-no-privilege-escalation", urn: r.urn },
                { policy: "k8s-seccomp-profile", urn: r.urn },
            ]);
            assert.equal((podSpecOf(r).securityContext as Obj).seccompProfile, undefined, "the caller's props are not mutated");
        });
        it("never overrides an explicit value, and skips privileged containers", () => {
            const r = workload("Deployment", "api");
            const c = containersOf(r)[0].securityContext as Obj;
            c.allowPrivilegeEscalation = true;
            c.seccompProfile = { type: "Unconfined" };
            (podSpecOf(r).securityContext as Obj).seccompProfile = { type: "Unconfined" };
            const init = containersOf(r, "initContainers")[0].securityContext as Obj;
            delete init.allowPrivilegeEscalation;
            init.privileged = true;
            const report = evaluatePolicies([r], { config: { "k8s-no-privilege-escalation": "remediate", "k8s-seccomp-profile": "remediate" } });
            assert.deepEqual(report.remediations, []);
            assert.ok(report.violations.filter((v) => v.policy === "k8s-no-privilege-escalation").every((v) => v.level === "mandatory"), "remediate reports what it cannot fix as mandatory");
            assert.deepEqual(failingPolicies(report), ["k8s-no-privilege-escalation", "k8s-no-privileged-containers", "k8s-seccomp-profile"]);
        });
        it("works on the engine's proxied props and keeps unknown values intact", () => {
            const r = workload("Deployment", "api");
            const props = JSON.parse(JSON.stringify(r.props)) as Obj;
            const c = containersOf({ ...r, props })[0];
            delete (c.securityContext as Obj).allowPrivilegeEscalation;
            c.env = [{ name: "DB_HOST", value: proxy.unknownStringValue }];
            const result = policy("k8s-no-privilege-escalation").remediateResource!(engineArgs(r, proxy.unknownCheckingProxy(props)));
            assert.ok(result);
            const out = containersOf({ ...r, props: result })[0];
            assert.equal((out.securityContext as Obj).allowPrivilegeEscalation, false);
            assert.equal((out.env as Obj[])[0].value, proxy.unknownStringValue);
        });
    });

    it("stack policies get parents, dependencies and property dependencies like the engine provides", () => {
        const bucket = resource("aws:s3/bucket:Bucket", "b", {});
        const sse = resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "enc", {
            bucket: "[unknown]", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        }, { dependencies: [bucket.urn] });
        const other = resource("aws:s3/bucket:Bucket", "zz", {});
        const report = evaluatePolicies([bucket, sse, other], {});
        const enc = report.violations.filter((v) => v.policy === "s3-bucket-encryption");
        assert.deepEqual(enc.map((v) => v.urn), [other.urn], "enc belongs to b through its dependency");
    });

    it("is fast: a 1,000-resource plan evaluates well within the offline plan's budget", () => {
        const resources: PlannedResource[] = [];
        for (let i = 0; i < 200; i++) {
            resources.push(workload("Deployment", `d${i}`, undefined, "dify", 2), workload("CronJob", `c${i}`));
            resources.push(resource("aws:ec2/securityGroup:SecurityGroup", `sg${i}`, { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] }));
            resources.push(resource("aws:s3/bucket:Bucket", `b${i}`, {}), resource("kubernetes:core/v1:ConfigMap", `cm${i}`, { data: { a: "[secret]" } }));
        }
        const started = process.hrtime.bigint();
        evaluatePolicies(resources, {});
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
    });

    it("loads no @pulumi runtime module (only types are imported), so importing it is cheap", () => {
        const script = "require('./policy/runner'); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('node_modules'))))";
        const root = path.resolve(__dirname, "..");
        const result = spawnSync(process.execPath, ["-r", "./scripts/register-ts.js", "-e", script], { cwd: root, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        const loaded = JSON.parse(result.stdout.trim().split("\n").pop() ?? "[]") as string[];
        assert.deepEqual(loaded.filter((k) => k.includes("@pulumi")), []);
    });
});
