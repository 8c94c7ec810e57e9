// "Loading as the engine does": starts the pack's real entry (policy/index.ts) through the same
// run-policy-pack entry and ts-node type checking the Pulumi CLI uses, with @pulumi/policy's gRPC
// `serve` stubbed out (see fixtures/policy/load-pack-as-engine.js), and checks what it would serve.
// policy/index.ts is never imported here: constructing a PolicyPack in-process would start a server.

import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { policyNames } from "../policy/policies";

const PACK_DIR = path.resolve(__dirname, "..", "policy");
const LOADER = path.resolve(__dirname, "fixtures", "policy", "load-pack-as-engine.js");

interface ServedPolicy {
    name: string;
    description: string;
    enforcementLevel: string;
    severity: string;
    remediationSteps: string;
    kind: "resource" | "stack";
    validatesStack: boolean;
    remediates: boolean;
    configSchema?: { properties: Record<string, unknown>; required?: string[] };
}
interface Served {
    name: string;
    version: string;
    enforcementLevel: string;
    description: string;
    policies: ServedPolicy[];
}

describe("policy: the pack loads as the Pulumi engine loads it", function () {
    this.timeout(120000); // the first ts-node type check of the pack takes several seconds; later runs hit ts-node's cache
    let served: Served;
    let stdout = "";

    before(() => {
        const result = spawnSync(process.execPath, [LOADER, PACK_DIR], { encoding: "utf8", cwd: path.resolve(__dirname, "..") });
        stdout = result.stdout;
        assert.equal(result.status, 0, `the pack failed to load:\n${result.stderr}\n${result.stdout}`);
        const line = stdout.split("\n").find((l) => l.startsWith("PACK "));
        assert.ok(line, `the pack constructed a PolicyPack:\n${stdout}`);
        served = JSON.parse(line.slice(5)) as Served;
    });

    it("serves nothing but the stubbed pack (no gRPC port printed)", () => {
        assert.deepEqual(stdout.trim().split("\n").filter((l) => !l.startsWith("PACK ")), []);
    });

    it("has the package name and version, a description, and mandatory as the pack default", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { name: string; version: string; dependencies: Record<string, string> };
        assert.equal(served.name, "dify-aws-policy");
        assert.equal(served.name, pkg.name);
        assert.equal(served.version, pkg.version);
        assert.match(served.name, /^[a-zA-Z0-9-_.]{1,100}$/, "a name @pulumi/policy's server accepts");
        assert.ok(served.description.length > 40);
        assert.equal(served.enforcementLevel, "mandatory");
        // The pack runs in the CLI's Node process beside the program: one SDK version everywhere.
        const root = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "..", "package.json"), "utf8")) as { devDependencies: Record<string, string> };
        const cli = fs.readFileSync(path.join(PACK_DIR, "..", ".github", "pulumi-version"), "utf8").trim();
        assert.deepEqual(pkg.dependencies, { "@pulumi/policy": "1.21.0", "@pulumi/pulumi": root.devDependencies["@pulumi/pulumi"] });
        assert.equal(cli, root.devDependencies["@pulumi/pulumi"], ".github/pulumi-version pins the CLI to the SDK release the tests run");
    });

    it("serves exactly the policies the offline runner evaluates, in the same order, exceptions first", () => {
        assert.deepEqual(served.policies.map((p) => p.name), [...policyNames]);
        assert.equal(served.policies[0].name, "policy-exceptions");
        assert.ok(served.policies[0].validatesStack, "policy-exceptions also reports at stack level");
        assert.equal(served.policies.length, 26);
    });

    it("every policy has a stable kebab-case name, a fix-it description, remediation steps and a valid config schema", () => {
        const names = new Set<string>();
        for (const p of served.policies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)+$/, p.name);
            assert.notEqual(p.name, "all");
            assert.ok(!names.has(p.name), `duplicate ${p.name}`);
            names.add(p.name);
            assert.ok(/must/.test(p.description) && /:/.test(p.description), `${p.name}'s description says what is required and how: ${p.description}`);
            assert.ok(p.remediationSteps.length > 20, p.name);
            assert.ok(["advisory", "mandatory"].includes(p.enforcementLevel), p.name);
            assert.ok(["low", "medium", "high", "critical"].includes(p.severity), p.name);
            const props = p.configSchema?.properties ?? {};
            assert.ok(!("enforcementLevel" in props), `${p.name}: enforcementLevel is reserved`);
        }
        const remediating = served.policies.filter((p) => p.remediates).map((p) => p.name);
        assert.deepEqual(remediating, ["k8s-no-privilege-escalation", "k8s-seccomp-profile"]);
        const stack = served.policies.filter((p) => p.kind === "stack").map((p) => p.name);
        assert.deepEqual(stack, ["k8s-pdb-for-replicated-deployments", "s3-bucket-encryption", "s3-bucket-public-access-block", "s3-bucket-versioning"]);
    });

    it("PulumiPolicy.yaml declares the nodejs runtime and a description", () => {
        const doc = yaml.load(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8")) as { runtime: string; description: string };
        assert.equal(doc.runtime, "nodejs");
        assert.ok(doc.description.length > 20);
    });
});
