// Exceptions, system namespaces and the per-environment config files.

import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { settingsSchema } from "../policy/lib/settings";
import { schemaProblems } from "../policy/lib/config";
import { policies, policyNames } from "../policy/policies";
import { evaluatePolicies, loadPolicyConfig, PolicyConfigFile, validatePolicyConfig } from "../policy/runner";
import { byPolicy, clone, containersOf, failingPolicies, mandatory, Obj, podSpecOf, workload } from "./fixtures/policy/builders";

const SANDBOX_POLICIES = ["k8s-run-as-non-root", "k8s-read-only-root-filesystem", "k8s-restrict-added-capabilities"];
const REASON = "needs root to chroot its code runners; compensated by network isolation";

/** The sandbox as DifyApp builds it: root, writable root fs, drop ALL + SYS_CHROOT/SETUID/SETGID, otherwise restricted. */
function sandbox(name = "dify-sandbox", kind = "Deployment") {
    const r = workload(kind, name, undefined, "dify", 2);
    podSpecOf(r).securityContext = { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } };
    delete podSpecOf(r).initContainers;
    const c = containersOf(r)[0];
    c.image = "langgenius/dify-sandbox:0.2.15";
    c.securityContext = {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: false,
        runAsNonRoot: false,
        runAsUser: 0,
        capabilities: { drop: ["ALL"], add: ["SETGID", "SETUID", "SYS_CHROOT"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
    return r;
}

function withExceptions(exceptions: unknown[], extra: Obj = {}): PolicyConfigFile {
    return { "policy-exceptions": { exceptions, ...extra } } as PolicyConfigFile;
}

describe("policy: exceptions and config", () => {
    describe("the project's config files", () => {
        for (const env of ["dev", "prod"]) {
            it(`${env}.json loads, configures every policy explicitly, and excepts only dify-sandbox from exactly three policies (+ in prod the ALB and S3 access-log buckets from KMS)`, () => {
                const config = loadPolicyConfig(env);
                assert.deepEqual(Object.keys(config).sort(), [...policyNames].sort());
                const settings = config["policy-exceptions"] as Obj;
                const all = settings.exceptions as Obj[];
                // ELB access logs accept only SSE-S3 buckets; prod requires KMS, dev accepts AES256 anyway.
                const albLogs = all.filter((e) => e.resourceName === "dify-alb-logs");
                assert.deepEqual(albLogs.map((e) => [e.resourceType, e.policies]), env === "prod" ? [["aws:s3/bucket:Bucket", ["s3-bucket-encryption"]]] : []);
                // S3 server access logs are delivered only to SSE-S3 buckets (components/aws/accessLogs.ts).
                const accessLogs = all.filter((e) => String(e.resourceName).endsWith("access-logs"));
                assert.deepEqual(accessLogs.map((e) => [e.resourceType, e.resourceName, e.policies]), env === "prod"
                    ? ["dify-access-logs", "dify-backups-access-logs", "dify-backups-replica-access-logs"].map((n) => ["aws:s3/bucket:Bucket", n, ["s3-bucket-encryption"]])
                    : []);
                const exceptions = all.filter((e) => e.resourceName !== "dify-alb-logs" && !accessLogs.includes(e));
                assert.equal(exceptions.length, 1);
                assert.deepEqual(exceptions[0].resourceType, "kubernetes:apps/v1:Deployment");
                assert.deepEqual(exceptions[0].resourceName, "dify-sandbox");
                assert.deepEqual([...(exceptions[0].policies as string[])].sort(), [...SANDBOX_POLICIES].sort());
                assert.match(String(exceptions[0].reason), /CAP_SYS_CHROOT, CAP_SETUID and CAP_SETGID/);
                assert.match(String(exceptions[0].reason), /Still enforced: capabilities drop ALL, allowPrivilegeEscalation false, seccomp RuntimeDefault/);
            });
            it(`${env}: the sandbox as DifyApp builds it has zero mandatory violations and three listed exceptions`, () => {
                const r = sandbox();
                const report = evaluatePolicies([r, pdb()], { config: loadPolicyConfig(env) });
                assert.deepEqual(mandatory(report), []);
                assert.deepEqual(report.exceptions.map((e) => e.policy).sort(), [...SANDBOX_POLICIES].sort());
                assert.ok(report.exceptions.every((e) => e.urn === r.urn && e.reason.length > 100));
            });
            it(`${env}: the exception does not let the sandbox escalate privileges, run privileged, skip drop ALL or seccomp`, () => {
                const r = sandbox();
                const c = containersOf(r)[0].securityContext as Obj;
                c.allowPrivilegeEscalation = true;
                c.privileged = true;
                c.capabilities = { add: ["SYS_CHROOT"] };
                c.seccompProfile = { type: "Unconfined" };
                const failing = failingPolicies(evaluatePolicies([r, pdb()], { config: loadPolicyConfig(env) }));
                assert.deepEqual(failing, ["k8s-drop-all-capabilities", "k8s-no-privilege-escalation", "k8s-no-privileged-containers", "k8s-seccomp-profile"]);
            });
        }
        it("prod is stricter than dev where it matters (PDBs, deletion protection, KMS for S3)", () => {
            const dev = loadPolicyConfig("dev");
            const prod = loadPolicyConfig("prod");
            assert.deepEqual((dev["k8s-pdb-for-replicated-deployments"] as Obj).enforcementLevel, "advisory");
            assert.deepEqual((prod["k8s-pdb-for-replicated-deployments"] as Obj).enforcementLevel, "mandatory");
            assert.equal(dev["rds-deletion-protection"], "advisory");
            assert.equal(prod["rds-deletion-protection"], "mandatory");
            assert.equal(dev["rds-instance-multi-az"], "advisory", "dev runs one single-AZ DB instance on purpose");
            assert.equal(prod["rds-instance-multi-az"], "mandatory", "prod must survive an AZ loss");
            assert.equal((prod["s3-bucket-encryption"] as Obj).requireKms, true);
        });
        it("a missing environment file is a clear error", () => {
            assert.throws(() => loadPolicyConfig("staging"), /No policy config for environment "staging": expected .*staging\.json \(existing: dev, prod\)/);
            assert.throws(() => loadPolicyConfig("../package"), /Invalid policy environment name/);
        });
    });

    describe("exceptions are narrow", () => {
        it("apply only to the named type + logical name, and only to the named policies", () => {
            const config = withExceptions([{ resourceType: "kubernetes:apps/v1:Deployment", resourceName: "dify-sandbox", policies: SANDBOX_POLICIES, reason: REASON }]);
            const other = sandbox("dify-api");
            const asStatefulSet = sandbox("dify-sandbox", "StatefulSet");
            const report = evaluatePolicies([other, asStatefulSet], { config });
            assert.deepEqual(report.exceptions, []);
            for (const r of [other, asStatefulSet]) {
                assert.deepEqual(failingPolicies({ ...report, violations: report.violations.filter((v) => v.urn === r.urn) }), SANDBOX_POLICIES.slice().sort());
            }
        });
        it("an exception that is not needed is reported (advisory) so it can be removed", () => {
            const config = withExceptions([{ resourceType: "kubernetes:apps/v1:Deployment", resourceName: "web", policies: ["k8s-no-host-ports"], reason: REASON }]);
            const report = evaluatePolicies([workload("Deployment", "web")], { config });
            const [v] = byPolicy(report, "k8s-no-host-ports");
            assert.equal(v.level, "advisory");
            assert.match(v.message, /lists "k8s-no-host-ports" but the resource complies: remove "k8s-no-host-ports"/);
        });
        it("an exception that matches no resource is reported at stack level (advisory)", () => {
            const config = withExceptions([{ resourceType: "kubernetes:apps/v1:Deployment", resourceName: "gone", policies: ["k8s-no-host-ports"], reason: REASON }]);
            const report = evaluatePolicies([workload("Deployment", "web")], { config });
            const [v] = byPolicy(report, "policy-exceptions");
            assert.equal(v.level, "advisory");
            assert.equal(v.urn, "urn:pulumi:test::dify-aws::pulumi:pulumi:Stack::dify-aws-test");
            assert.match(v.message, /"gone" .* matches no resource in this stack/);
        });
        it("also waive stack policies, keyed by the resource the finding is about", () => {
            const r = workload("Deployment", "api", undefined, "dify", 3);
            const config = withExceptions([{ resourceType: "kubernetes:apps/v1:Deployment", resourceName: "api", policies: ["k8s-pdb-for-replicated-deployments"], reason: REASON }]);
            const report = evaluatePolicies([r], { config: { ...config, "k8s-pdb-for-replicated-deployments": "mandatory" } });
            assert.deepEqual(report.violations, []);
            assert.deepEqual(report.exceptions, [{ policy: "k8s-pdb-for-replicated-deployments", urn: r.urn, reason: REASON }]);
        });

        const valid = { resourceType: "kubernetes:apps/v1:Deployment", resourceName: "dify-sandbox", policies: ["k8s-run-as-non-root"], reason: REASON };
        const invalid: [string, Obj, RegExp][] = [
            ["a wildcard name", { ...valid, resourceName: "*" }, /resourceName "\*" must be one exact logical name/],
            ["a glob in the name", { ...valid, resourceName: "dify-*" }, /no wildcards/],
            ["a wildcard type", { ...valid, resourceType: "kubernetes:*" }, /resourceType "kubernetes:\*" must be one exact Pulumi type token/],
            ["a type that is not a token", { ...valid, resourceType: "Deployment" }, /must be one exact Pulumi type token/],
            ["no resource name", { ...valid, resourceName: undefined }, /resourceName is required/],
            ["an empty resource name", { ...valid, resourceName: " " }, /resourceName is required/],
            ["no resource type", { ...valid, resourceType: "" }, /resourceType is required/],
            ["policies: all", { ...valid, policies: ["all"] }, /cannot contain "all": name each waived policy explicitly/],
            ["policies: *", { ...valid, policies: ["*"] }, /cannot contain "\*"/],
            ["a glob policy", { ...valid, policies: ["k8s-*"] }, /cannot contain "k8s-\*"/],
            ["an unknown policy", { ...valid, policies: ["k8s-run-as-nonroot"] }, /unknown policy "k8s-run-as-nonroot"/],
            ["the exceptions policy itself", { ...valid, policies: ["policy-exceptions"] }, /cannot contain "policy-exceptions" itself/],
            ["no policies", { ...valid, policies: [] }, /must list at least one policy name/],
            ["an empty reason", { ...valid, reason: "" }, /reason must explain in at least 20 characters/],
            ["a token reason", { ...valid, reason: "   temporary   " }, /reason must explain/],
            ["an unknown field", { ...valid, namespace: "dify" }, /unknown field "namespace"/],
        ];
        for (const [what, entry, message] of invalid) {
            it(`rejects ${what} (runner/loader, CLI schema, and the pack at preview time)`, () => {
                const config = withExceptions([clone(entry)]);
                assert.throws(() => validatePolicyConfig(config), message);
                const schema = settingsSchema(policyNames.filter((n) => n !== "policy-exceptions"));
                const cleaned = JSON.parse(JSON.stringify(entry)) as Obj;
                assert.ok(schemaProblems(schema.properties.exceptions, [cleaned], "exceptions").length > 0, "the JSON schema the CLI enforces rejects it too");
                // Engine path (config that got past the CLI): the entry is dropped and reported as mandatory.
                const exceptionsPolicy = policies[0] as unknown as { validateStack: (a: Obj, r: (m: unknown) => void) => void };
                const reported: Obj[] = [];
                exceptionsPolicy.validateStack(
                    { resources: [], getConfig: () => ({ exceptions: [cleaned] }), notApplicable: () => { throw new Error("n/a"); } },
                    (m) => reported.push(m as Obj),
                );
                assert.ok(reported.some((m) => m.enforcementLevel === "mandatory" && message.test(String(m.detail))), JSON.stringify(reported));
            });
        }
        it("rejects two entries for the same resource (merge them)", () => {
            assert.throws(() => validatePolicyConfig(withExceptions([valid, { ...valid, policies: ["k8s-no-host-ports"] }])), /repeats kubernetes:apps\/v1:Deployment "dify-sandbox": merge/);
        });
        it("an invalid entry never applies, even if the config reaches the pack unvalidated (engine order: policy-exceptions first)", () => {
            type Validate = (a: Obj, report: (m: unknown, urn?: string) => void) => void;
            const byName = (n: string) => policies.find((p) => p.name === n) as unknown as { validateResource: Validate };
            const r = sandbox();
            const args = (config: Obj): Obj => ({
                type: r.type, name: r.name, urn: r.urn, props: r.props, getConfig: () => config,
                notApplicable: () => { throw new Error("not applicable"); },
            });
            const run = (exceptions: Obj[]) => {
                const reported: unknown[] = [];
                byName("policy-exceptions").validateResource(args({ exceptions }), () => undefined);
                byName("k8s-run-as-non-root").validateResource(args({}), (m) => reported.push(m));
                return reported;
            };
            const wildcard = run([{ ...valid, resourceName: "*" }]);
            assert.ok(wildcard.some((m) => typeof m === "string"), "a plain (policy-level, mandatory) violation");
            const named = run([valid]);
            assert.ok(named.every((m) => typeof m === "object" && (m as Obj).enforcementLevel === "advisory" && (m as Obj).exceptionReason === REASON));
        });
    });

    describe("policy config validation", () => {
        const bad: [string, unknown, RegExp][] = [
            ["an unknown policy", { "k8s-run-as-nonroot": "mandatory" }, /"k8s-run-as-nonroot" is not a policy of this pack/],
            ["a bad level", { "k8s-run-as-non-root": "strict" }, /"strict" is not an enforcement level/],
            ["a bad level in an object", { "k8s-run-as-non-root": { enforcementLevel: "hard" } }, /enforcementLevel: "hard" is not an enforcement level/],
            ["an unknown setting", { "k8s-image-pinned": { requireDigests: true } }, /requireDigests is not a setting of this policy \(known: requireDigest\)/],
            ["a mistyped setting", { "rds-backup-retention": { minimumRetentionDays: "7" } }, /minimumRetentionDays must be of type integer/],
            ["settings on all", { all: { enforcementLevel: "advisory", foo: 1 } }, /"all" only takes an enforcementLevel/],
            ["not an object", ["k8s-run-as-non-root"], /must be a JSON object/],
        ];
        for (const [what, config, message] of bad) {
            it(`rejects ${what}`, () => assert.throws(() => validatePolicyConfig(config), message));
        }
        it("'all' sets every policy's level and a policy's own entry wins, as in the CLI", () => {
            const r = workload("Deployment", "api");
            podSpecOf(r).hostIPC = true;
            (containersOf(r)[0].securityContext as Obj).privileged = true;
            const report = evaluatePolicies([r], { config: { all: "advisory", "k8s-no-privileged-containers": "mandatory" } });
            assert.deepEqual(failingPolicies(report), ["k8s-no-privileged-containers"]);
            assert.equal(byPolicy(report, "k8s-no-host-namespaces")[0].level, "advisory");
        });
        it("a disabled policy reports nothing; disabling policy-exceptions disables every exception (fail closed)", () => {
            const r = sandbox();
            const config = loadPolicyConfig("prod");
            assert.deepEqual(byPolicy(evaluatePolicies([r], { config: { ...config, "k8s-run-as-non-root": "disabled" } }), "k8s-run-as-non-root"), []);
            const closed = evaluatePolicies([r], { config: { ...config, "policy-exceptions": "disabled" } });
            assert.deepEqual(closed.exceptions, []);
            assert.ok(failingPolicies(closed).includes("k8s-run-as-non-root"));
        });
    });

    describe("system namespaces", () => {
        it("third-party workloads in kube-system are advisory by default, and mandatory on request", () => {
            const r = workload("DaemonSet", "aws-node", undefined, "kube-system");
            podSpecOf(r).hostNetwork = true;
            const report = evaluatePolicies([r], {});
            assert.deepEqual(mandatory(report), []);
            assert.match(byPolicy(report, "k8s-no-host-namespaces")[0].message, /\[advisory: namespace "kube-system" is a system namespace; set policy-exceptions\.enforceInSystemNamespaces to enforce\]/);
            const enforced = evaluatePolicies([r], { config: withExceptions([], { enforceInSystemNamespaces: true }) });
            assert.deepEqual(failingPolicies(enforced), ["k8s-no-host-namespaces"]);
        });
        it("the list is configurable and does not cover the app's namespace", () => {
            const r = workload("Deployment", "karpenter", undefined, "karpenter");
            podSpecOf(r).hostNetwork = true;
            assert.deepEqual(failingPolicies(evaluatePolicies([r], {})), ["k8s-no-host-namespaces"]);
            assert.deepEqual(mandatory(evaluatePolicies([r], { config: withExceptions([], { systemNamespaces: ["kube-system", "karpenter"] }) })), []);
        });
    });

    it("README documents every policy with its default enforcement, and the exception format", () => {
        const readme = fs.readFileSync(path.resolve(__dirname, "..", "policy", "README.md"), "utf8");
        for (const p of policies) {
            const row = readme.split("\n").find((l) => l.startsWith(`| \`${p.name}\``));
            assert.ok(row, `README has a table row for ${p.name}`);
            assert.ok(row.includes(`| ${p.enforcementLevel} |`), `README row for ${p.name} states its default ${p.enforcementLevel}`);
            assert.ok(readme.includes(`#### \`${p.name}\``) || p.name === "policy-exceptions", `README has a section for ${p.name}`);
        }
        for (const field of ["resourceType", "resourceName", "policies", "reason", "systemNamespaces", "enforceInSystemNamespaces", "dify-ssrf-proxy"]) {
            assert.ok(readme.includes(field), `README explains ${field}`);
        }
    });
});

function pdb() {
    return {
        urn: "urn:pulumi:test::dify-aws::kubernetes:policy/v1:PodDisruptionBudget::dify-sandbox",
        type: "kubernetes:policy/v1:PodDisruptionBudget",
        name: "dify-sandbox",
        props: { metadata: { name: "dify-sandbox", namespace: "dify" }, spec: { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "dify-sandbox" } } } },
    };
}
