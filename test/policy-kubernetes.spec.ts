// Kubernetes workload policies on good and bad fixtures: every kind, every container list,
// pod-level vs container-level precedence, Windows pods, images, unknown values.

import * as assert from "assert/strict";
import { evaluatePolicies, PlannedResource, PolicyConfigFile } from "../policy/runner";
import {
    byPolicy,
    clone,
    compliantPodSpec,
    containersOf,
    failingPolicies,
    mandatory,
    Obj,
    podSpecOf,
    restrictedContainer,
    workload,
    WORKLOAD_TYPES,
} from "./fixtures/policy/builders";

const run = (resources: PlannedResource[], config: PolicyConfigFile = {}) => evaluatePolicies(resources, { config });
const sc = (c: Obj): Obj => c.securityContext as Obj;

/** One bad fixture per policy: how to break a compliant Deployment, and the message that says how to fix it. */
const BREAKAGES: { policy: string; breakIt: (r: PlannedResource) => void; says: RegExp }[] = [
    { policy: "k8s-run-as-non-root", breakIt: (r) => delete (podSpecOf(r).securityContext as Obj).runAsNonRoot, says: /runAsNonRoot: true/ },
    { policy: "k8s-run-as-non-root", breakIt: (r) => ((podSpecOf(r).securityContext as Obj).runAsUser = 0), says: /runAsUser is 0 \(root\): set a non-zero UID/ },
    { policy: "k8s-read-only-root-filesystem", breakIt: (r) => delete sc(containersOf(r)[0]).readOnlyRootFilesystem, says: /readOnlyRootFilesystem: true and mount an emptyDir/ },
    { policy: "k8s-resource-requests-limits", breakIt: (r) => delete ((containersOf(r)[0].resources as Obj).limits as Obj).cpu, says: /set resources\.limits\.cpu/ },
    { policy: "k8s-resource-requests-limits", breakIt: (r) => delete (containersOf(r, "initContainers")[0].resources as Obj).requests, says: /initContainers\[0\] "migrate": set resources\.requests\.cpu, resources\.requests\.memory/ },
    { policy: "k8s-no-privilege-escalation", breakIt: (r) => (sc(containersOf(r)[0]).allowPrivilegeEscalation = true), says: /allowPrivilegeEscalation: false/ },
    { policy: "k8s-drop-all-capabilities", breakIt: (r) => (sc(containersOf(r)[0]).capabilities = { drop: ["NET_RAW"] }), says: /capabilities\.drop: \["ALL"\] \(currently \["NET_RAW"\]\)/ },
    { policy: "k8s-restrict-added-capabilities", breakIt: (r) => (sc(containersOf(r)[0]).capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] }), says: /remove SYS_ADMIN from securityContext\.capabilities\.add; only NET_BIND_SERVICE/ },
    { policy: "k8s-seccomp-profile", breakIt: (r) => delete (podSpecOf(r).securityContext as Obj).seccompProfile, says: /seccompProfile\.type: RuntimeDefault/ },
    { policy: "k8s-no-privileged-containers", breakIt: (r) => (sc(containersOf(r)[0]).privileged = true), says: /remove securityContext\.privileged: true/ },
    { policy: "k8s-no-host-namespaces", breakIt: (r) => (podSpecOf(r).hostPID = true), says: /hostPID is true: remove it/ },
    { policy: "k8s-no-host-path-volumes", breakIt: (r) => (podSpecOf(r).volumes as Obj[]).push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }), says: /volumes\[1\] "docker" mounts a hostPath \("\/var\/run\/docker\.sock"\): use an emptyDir/ },
    { policy: "k8s-no-host-ports", breakIt: (r) => ((containersOf(r)[0].ports as Obj[])[0].hostPort = 8080), says: /remove ports\[0\]\.hostPort 8080; expose the port through a Service/ },
    { policy: "k8s-image-pinned", breakIt: (r) => (containersOf(r)[0].image = "langgenius/dify-api:latest"), says: /moving tag "latest": pin a version tag/ },
];

describe("policy: Kubernetes workloads", () => {
    for (const kind of Object.keys(WORKLOAD_TYPES)) {
        it(`${kind}: a restricted, pinned, resourced workload passes every policy`, () => {
            const report = run([workload(kind, "web")]);
            assert.deepEqual(report.violations, []);
        });
        it(`${kind}: the pod spec is found by kind and every control is checked`, () => {
            const r = workload(kind, "web");
            const spec = podSpecOf(r);
            spec.hostNetwork = true;
            (containersOf(r)[0].securityContext as Obj).privileged = true;
            assert.deepEqual(failingPolicies(run([r])), ["k8s-no-host-namespaces", "k8s-no-privileged-containers"]);
        });
    }

    for (const b of BREAKAGES) {
        it(`${b.policy} fails a Deployment and says how to fix it (${b.says.source.slice(0, 40)}...)`, () => {
            const r = workload("Deployment", "api");
            b.breakIt(r);
            const report = run([r]);
            assert.deepEqual(failingPolicies(report), [b.policy]);
            assert.ok(byPolicy(report, b.policy).some((v) => b.says.test(v.message)), JSON.stringify(report.violations, null, 1));
        });
    }

    it("checks initContainers and ephemeralContainers, and never asks an ephemeral container for resources", () => {
        const r = workload("Pod", "debug");
        podSpecOf(r).ephemeralContainers = [{ name: "shell", image: "busybox:1.36", securityContext: { privileged: true } }];
        const report = run([r]);
        const failing = failingPolicies(report);
        assert.ok(failing.includes("k8s-no-privileged-containers"));
        assert.ok(failing.includes("k8s-drop-all-capabilities"));
        assert.ok(!failing.includes("k8s-resource-requests-limits"), "ephemeral containers cannot have resources");
        assert.ok(byPolicy(report, "k8s-no-privileged-containers")[0].message.includes("ephemeralContainers[0] \"shell\""));

        const init = workload("Deployment", "api");
        (containersOf(init, "initContainers")[0].securityContext as Obj).runAsUser = 0;
        assert.deepEqual(failingPolicies(run([init])), ["k8s-run-as-non-root"]);
    });

    describe("pod-level vs container-level securityContext", () => {
        const cases: { name: string; pod: Obj; container: Obj; policy: string; fails: boolean }[] = [
            { name: "pod runAsNonRoot true, container unset", pod: { runAsNonRoot: true }, container: {}, policy: "k8s-run-as-non-root", fails: false },
            { name: "pod unset, container runAsNonRoot true", pod: {}, container: { runAsNonRoot: true }, policy: "k8s-run-as-non-root", fails: false },
            { name: "pod true, container overrides with false", pod: { runAsNonRoot: true }, container: { runAsNonRoot: false }, policy: "k8s-run-as-non-root", fails: true },
            { name: "pod false, container true (explicit pod false fails)", pod: { runAsNonRoot: false }, container: { runAsNonRoot: true }, policy: "k8s-run-as-non-root", fails: true },
            { name: "runAsNonRoot true but container runAsUser 0", pod: { runAsNonRoot: true }, container: { runAsUser: 0 }, policy: "k8s-run-as-non-root", fails: true },
            { name: "pod runAsUser 0 even if the container sets 1001", pod: { runAsNonRoot: true, runAsUser: 0 }, container: { runAsUser: 1001 }, policy: "k8s-run-as-non-root", fails: true },
            { name: "seccomp: pod RuntimeDefault, container unset", pod: { seccompProfile: { type: "RuntimeDefault" } }, container: {}, policy: "k8s-seccomp-profile", fails: false },
            { name: "seccomp: pod unset, container Localhost", pod: {}, container: { seccompProfile: { type: "Localhost", localhostProfile: "p.json" } }, policy: "k8s-seccomp-profile", fails: false },
            { name: "seccomp: container Unconfined overrides pod RuntimeDefault", pod: { seccompProfile: { type: "RuntimeDefault" } }, container: { seccompProfile: { type: "Unconfined" } }, policy: "k8s-seccomp-profile", fails: true },
            { name: "seccomp: explicit pod Unconfined fails even if containers override", pod: { seccompProfile: { type: "Unconfined" } }, container: { seccompProfile: { type: "RuntimeDefault" } }, policy: "k8s-seccomp-profile", fails: true },
            { name: "readOnlyRootFilesystem at pod level is not a pod field", pod: { readOnlyRootFilesystem: true }, container: { readOnlyRootFilesystem: undefined }, policy: "k8s-read-only-root-filesystem", fails: true },
        ];
        for (const c of cases) {
            it(`${c.name}: ${c.fails ? "fails" : "passes"}`, () => {
                const spec = clone(compliantPodSpec());
                spec.securityContext = c.pod;
                for (const container of [...(spec.containers as Obj[]), ...(spec.initContainers as Obj[])]) {
                    const s = container.securityContext as Obj;
                    delete s.runAsNonRoot;
                    Object.assign(s, c.container);
                }
                const report = run([workload("Deployment", "api", spec)]);
                assert.equal(byPolicy(report, c.policy).length > 0, c.fails, JSON.stringify(byPolicy(report, c.policy)));
            });
        }
    });

    it("exempts Windows pods from the Linux-only controls, as PSS does", () => {
        const spec: Obj = {
            os: { name: "windows" },
            securityContext: { runAsNonRoot: true },
            containers: [{ name: "iis", image: "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022", resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } }],
        };
        assert.deepEqual(run([workload("Pod", "win", spec)]).violations, []);
    });

    describe("k8s-image-pinned", () => {
        const images: [string, boolean][] = [
            ["nginx", false],
            ["nginx:latest", false],
            ["nginx:LATEST", false],
            ["registry.local:5000/team/nginx", false],
            ["nginx:", false],
            ["nginx@sha256:abc", false],
            ["nginx:1.27.2", true],
            ["registry.local:5000/team/nginx:1.27.2", true],
            ["langgenius/dify-sandbox:0.2.15", true],
            [`nginx@sha256:${"a".repeat(64)}`, true],
            [`nginx:latest@sha256:${"b".repeat(64)}`, true],
        ];
        for (const [image, ok] of images) {
            it(`${image} ${ok ? "is" : "is not"} pinned`, () => {
                const r = workload("Deployment", "api");
                containersOf(r)[0].image = image;
                assert.equal(byPolicy(run([r]), "k8s-image-pinned").length === 0, ok);
            });
        }
        it("requireDigest: true accepts only digests", () => {
            const r = workload("Deployment", "api");
            const report = run([r], { "k8s-image-pinned": { requireDigest: true } });
            assert.match(byPolicy(report, "k8s-image-pinned")[0].message, /not pinned by digest: append @sha256/);
        });
    });

    it("allowedAddedCapabilities widens what may be added, without touching drop ALL", () => {
        const r = workload("Deployment", "api");
        sc(containersOf(r)[0]).capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE", "CHOWN"] };
        assert.deepEqual(failingPolicies(run([r])), ["k8s-restrict-added-capabilities"]);
        assert.deepEqual(failingPolicies(run([r], { "k8s-restrict-added-capabilities": { allowedAddedCapabilities: ["NET_BIND_SERVICE", "CHOWN"] } })), []);
        sc(containersOf(r)[0]).capabilities = { drop: ["all"] };
        assert.deepEqual(failingPolicies(run([r])), ["k8s-drop-all-capabilities"], "the value must be exactly ALL");
    });

    describe("unknown and secret values", () => {
        it("an unknown securityContext is advisory 'cannot be checked yet', never a crash or a mandatory violation", () => {
            const r = workload("Deployment", "api");
            containersOf(r)[0].securityContext = "[unknown]";
            const report = run([r]);
            assert.deepEqual(mandatory(report), []);
            const v = byPolicy(report, "k8s-no-privilege-escalation");
            assert.equal(v[0].level, "advisory");
            assert.match(v[0].message, /cannot be checked yet: .*securityContext\.allowPrivilegeEscalation is not known yet/);
        });
        it("unknown or secret images, pod specs and container lists do not crash", () => {
            const a = workload("Deployment", "a");
            containersOf(a)[0].image = "[secret]";
            const b = workload("Deployment", "b");
            ((b.props.spec as Obj).template as Obj).spec = "[unknown]";
            const c = workload("CronJob", "c");
            podSpecOf(c).initContainers = "[unknown]";
            const report = run([a, b, c]);
            assert.deepEqual(mandatory(report), []);
            assert.ok(report.violations.every((v) => /cannot be checked yet/.test(v.message)));
        });
        it("a definite violation still wins over an unknown elsewhere", () => {
            const r = workload("Deployment", "api");
            podSpecOf(r).hostNetwork = true;
            podSpecOf(r).hostPID = "[unknown]";
            assert.deepEqual(failingPolicies(run([r])), ["k8s-no-host-namespaces"]);
        });
    });

    it("checks any API version of a workload kind, and ignores patches and other kinds", () => {
        const r = workload("Deployment", "old");
        const legacy = { ...r, type: "kubernetes:extensions/v1beta1:Deployment", urn: r.urn.replace("apps/v1", "extensions/v1beta1") };
        (containersOf(legacy)[0].securityContext as Obj).privileged = true;
        assert.deepEqual(failingPolicies(run([legacy])), ["k8s-no-privileged-containers"]);
        const patch = { ...legacy, type: "kubernetes:apps/v1:DeploymentPatch" };
        assert.deepEqual(run([patch]).violations, []);
        const cm = { ...legacy, type: "kubernetes:core/v1:ConfigMap" };
        assert.deepEqual(run([cm]).violations, []);
    });

    it("a second container is checked as well as the first", () => {
        const spec = compliantPodSpec();
        (spec.containers as Obj[]).push({ ...restrictedContainer("sidecar"), securityContext: { readOnlyRootFilesystem: true } });
        const report = run([workload("StatefulSet", "db", spec)]);
        assert.deepEqual(failingPolicies(report), ["k8s-drop-all-capabilities", "k8s-no-privilege-escalation"]);
        assert.ok(report.violations.every((v) => v.message.includes("containers[1] \"sidecar\"")));
    });
});
