// Conformance corpus: 630 Kubernetes manifests with verdicts from Kyverno, pod-security-admission,
// Gatekeeper, Polaris, Kubescape and kube-score (see test/fixtures/policy-corpus/README.md, vendored with
// its sources and licences so `npm test` runs on a plain clone). For every case and every control the pack
// implements, the pack's verdict must agree with the expected one.

import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { evaluatePolicies, PlannedResource } from "../policy/runner";

const ROOT = path.resolve(__dirname, "..");
const CORPUS_DIR = path.join(ROOT, "test", "fixtures", "policy-corpus");
const CORPUS = path.join(CORPUS_DIR, "cases.json");

/** Corpus control -> the pack policy that implements it. */
const CONTROLS: Record<string, string> = {
    nonRoot: "k8s-run-as-non-root",
    readOnlyRootFs: "k8s-read-only-root-filesystem",
    resourceLimits: "k8s-resource-requests-limits",
    noPrivilegeEscalation: "k8s-no-privilege-escalation",
    dropAllCapabilities: "k8s-drop-all-capabilities",
    seccomp: "k8s-seccomp-profile",
    privileged: "k8s-no-privileged-containers",
    hostNamespaces: "k8s-no-host-namespaces",
    hostPath: "k8s-no-host-path-volumes",
    hostPorts: "k8s-no-host-ports",
};

/**
 * Disagreements we believe are the corpus's fault, by "<case id>|<control>", with the reason.
 * Empty: the pack agrees on every labelled verdict. A disagreement not listed here fails the test,
 * and an entry here that no longer disagrees fails it too, so the list stays honest.
 */
const KNOWN_CORPUS_DISAGREEMENTS: Record<string, string> = {};

type Verdict = "pass" | "fail" | "n/a";
interface CorpusCase {
    id: string;
    kind: string;
    apiVersion: string;
    manifest: Record<string, unknown>;
    expect: Record<string, Verdict>;
    tags: string[];
}

/** The Pulumi type token of a manifest: kubernetes:<group>/<version>:<Kind>, "core" for the legacy group. */
function typeOf(c: CorpusCase): string {
    const group = c.apiVersion.includes("/") ? c.apiVersion : `core/${c.apiVersion}`;
    return `kubernetes:${group}:${c.kind}`;
}

/** Every .ts file under test/ (fixtures excluded: they are data). */
function testSources(dir = path.join(ROOT, "test")): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "fixtures" ? [] : testSources(p);
        return e.name.endsWith(".ts") ? [p] : [];
    });
}

describe("policy: conformance corpus (test/fixtures/policy-corpus/cases.json)", function () {
    this.timeout(20000);
    const cases = JSON.parse(fs.readFileSync(CORPUS, "utf8")) as CorpusCase[];

    // The GitHub test workflow runs `npm test` on a plain checkout: a test that reads a file beside the
    // repository (the corpus used to be read from the steering folder beside the clone) fails there.
    it("is vendored: no test reads a path outside the repository", () => {
        const outside = testSources().filter((f) => {
            const src = fs.readFileSync(f, "utf8");
            const up = path.relative(path.dirname(f), ROOT).split(path.sep).filter((s) => s === "..").length;
            // path.resolve(__dirname, "..", ...) with more ".." than lead to the repository root, or an absolute /work path.
            const escapes = [...src.matchAll(/path\.(?:resolve|join)\(__dirname((?:,\s*"\.\.")+)/g)]
                .some((m) => (m[1].match(/"\.\."/g) ?? []).length > up);
            return escapes || /["'`]\/work\//.test(src);
        });
        assert.deepEqual(outside.map((f) => path.relative(ROOT, f)), []);
        assert.ok(fs.existsSync(path.join(CORPUS_DIR, "README.md")), "the corpus README (sources, licences) is vendored with the data");
    });

    it("has the 630 cases and ten controls the README describes, and the README's count table matches the data", () => {
        assert.equal(cases.length, 630);
        for (const c of cases) assert.deepEqual(Object.keys(c.expect).sort(), Object.keys(CONTROLS).sort());
        const readme = fs.readFileSync(path.join(CORPUS_DIR, "README.md"), "utf8");
        const labels = cases.reduce((n, c) => n + Object.values(c.expect).filter((v) => v !== "n/a").length, 0);
        assert.match(readme, new RegExp(`There are ${labels} labels in all`));
        for (const control of Object.keys(CONTROLS)) {
            const row = new RegExp(`^\\| ${control} \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\|$`, "m").exec(readme);
            assert.ok(row, `README count row for ${control}`);
            const labelled = cases.filter((c) => c.expect[control] !== "n/a");
            const count = (pred: (c: CorpusCase) => boolean) => cases.filter(pred).length;
            const actual = [
                count((c) => c.expect[control] === "pass"), count((c) => c.expect[control] === "fail"), count((c) => c.expect[control] === "n/a"),
                ...["Pod", "Deployment", "StatefulSet", "CronJob"].map((k) => labelled.filter((c) => c.kind === k).length),
            ];
            assert.deepEqual(row.slice(1).map(Number), actual, `README count row for ${control}`);
        }
    });

    it("agrees with every labelled verdict, for every control (100%)", () => {
        const started = Date.now();
        const resources: PlannedResource[] = cases.map((c, i) => {
            const type = typeOf(c);
            // Manifests are fed as plain inputs, invalid ones included (pod-level container fields,
            // apiVersion v1 Deployments, batch/v1beta1 CronJobs, selector-less controllers).
            return { urn: `urn:pulumi:corpus::corpus::${type}::case-${i}`, type, name: `case-${i}`, props: c.manifest };
        });
        const report = evaluatePolicies(resources, {});
        const failing = new Set(report.violations.map((v) => `${v.urn}|${v.policy}`));
        const elapsed = Date.now() - started;

        type Row = { policy: string; labelled: number; pass: number; fail: number; agree: number; disagree: number; knownCorpusIssues: number; agreement: string };
        const rows: Record<string, Row> = {};
        for (const [control, policy] of Object.entries(CONTROLS)) {
            rows[control] = { policy, labelled: 0, pass: 0, fail: 0, agree: 0, disagree: 0, knownCorpusIssues: 0, agreement: "" };
        }
        const unexpected: string[] = [];
        const stillDisagreeing = new Set<string>();
        cases.forEach((c, i) => {
            for (const [control, policy] of Object.entries(CONTROLS)) {
                const expected = c.expect[control];
                if (expected === "n/a") continue;
                const row = rows[control];
                row.labelled++;
                row[expected]++;
                const got: Verdict = failing.has(`${resources[i].urn}|${policy}`) ? "fail" : "pass";
                const key = `${c.id}|${control}`;
                if (got === expected) {
                    row.agree++;
                } else if (KNOWN_CORPUS_DISAGREEMENTS[key]) {
                    row.knownCorpusIssues++;
                    stillDisagreeing.add(key);
                } else {
                    row.disagree++;
                    unexpected.push(`${key}: expected ${expected}, pack says ${got}`);
                }
            }
        });
        for (const row of Object.values(rows)) row.agreement = `${((100 * row.agree) / row.labelled).toFixed(1)}%`;
        console.log(`\n      Corpus agreement per control (${cases.length} cases, evaluated in ${elapsed} ms; n/a labels skipped):`);
        console.table(rows);
        for (const [key, reason] of Object.entries(KNOWN_CORPUS_DISAGREEMENTS)) {
            console.log(`      known corpus disagreement ${key}: ${reason}`);
        }
        assert.deepEqual(unexpected, [], "every disagreement is either fixed or listed with a reason");
        const stale = Object.keys(KNOWN_CORPUS_DISAGREEMENTS).filter((k) => !stillDisagreeing.has(k));
        assert.deepEqual(stale, [], "listed corpus disagreements that now agree must be removed from the list");
        assert.ok(Object.values(rows).every((r) => r.labelled > 0), "all ten controls have labelled cases");
        assert.ok(elapsed < 5000, `corpus evaluated in ${elapsed} ms`);
    });

    it("models the PSS Windows exemption instead of skipping the Windows cases", () => {
        const windows = cases.filter((c) => c.tags.includes("windows-pod"));
        assert.equal(windows.length, 2);
        for (const c of windows) {
            const type = typeOf(c);
            const report = evaluatePolicies([{ urn: `urn:pulumi:corpus::corpus::${type}::w`, type, name: "w", props: c.manifest }], {});
            for (const control of ["noPrivilegeEscalation", "dropAllCapabilities", "seccomp"]) {
                assert.equal(c.expect[control], "pass");
                assert.ok(!report.violations.some((v) => v.policy === CONTROLS[control]), `${c.id} ${control}`);
            }
        }
    });
});
