/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on 127.0.0.1 from
 * the binaries verify/build.sh cached, and stops exactly those processes again (on success,
 * failure, Ctrl-C or SIGTERM). Nothing listens on anything but loopback; all state lives in one
 * temporary directory (on /dev/shm when it exists) that is removed at the end.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Kubectl, sleep, waitFor } from "./kube";

/**
 * Admission plugins EKS enables (EKS user guide, "Amazon EKS platform versions": the list it
 * publishes for every 1.2x/1.3x platform version). kube-apiserver 1.35 enables most of them by
 * default; naming them all keeps the set explicit and adds NodeRestriction and
 * ExtendedResourceToleration, which are not default upstream.
 */
export const EKS_ADMISSION_PLUGINS = [
  "NodeRestriction", "ExtendedResourceToleration", "NamespaceLifecycle", "LimitRanger", "ServiceAccount",
  "TaintNodesByCondition", "PodSecurity", "Priority", "DefaultTolerationSeconds", "DefaultStorageClass",
  "StorageObjectInUseProtection", "PersistentVolumeClaimResize", "RuntimeClass", "CertificateApproval",
  "CertificateSigning", "CertificateSubjectRestriction", "DefaultIngressClass", "MutatingAdmissionWebhook",
  "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota",
];

/** Timings shortened for the drills; reported as they differ from EKS. */
export interface DrillTimings {
  /** tolerationSeconds DefaultTolerationSeconds gives pods for node.kubernetes.io/unreachable and not-ready (EKS: 300). */
  tolerationSeconds: number;
  /** kube-controller-manager --node-monitor-grace-period (upstream default 50 s). */
  nodeMonitorGraceSeconds: number;
  /** kwok's node lease duration (kubelet default 40 s; renewed every quarter of it). */
  nodeLeaseSeconds: number;
}

export const DRILL_TIMINGS: DrillTimings = { tolerationSeconds: 15, nodeMonitorGraceSeconds: 16, nodeLeaseSeconds: 8 };

/** Label kwok manages nodes by: removing it is how a node stops heartbeating (zone partition). */
export const KWOK_MANAGED_LABEL = "verify.dify-aws/simulated";

export interface ControlPlane {
  kubectl: Kubectl;
  kubeconfig: string;
  workDir: string;
  /** Stops every process this module started and removes the work directory. Idempotent. */
  stop(): void;
  /** The last lines of every component log (for a failure report). */
  logTails(lines?: number): string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function openssl(cwd: string, args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** One CA, an apiserver serving cert for 127.0.0.1, and the service-account signing key. */
function makePki(dir: string): void {
  openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=verify-ca"]);
  openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver"]);
  fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n");
  openssl(dir, ["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "apiserver.crt", "-days", "2", "-extfile", "san.ext"]);
  openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
  openssl(dir, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

/** Starts the control plane; on any failure it stops what it started and throws with the log tails. */
export async function startControlPlane(binDir: string, stagesDir: string, timings: DrillTimings = DRILL_TIMINGS): Promise<ControlPlane> {
  const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const workDir = fs.mkdtempSync(path.join(base, "dify-verify-"));
  const children: { name: string; proc: ChildProcess; log: string }[] = [];
  let stopped = false;

  const stop = () => {
    if (stopped) return;
    stopped = true;
    // Reverse start order; exactly the PIDs started here, then wait briefly for them to go.
    for (const c of [...children].reverse()) {
      if (c.proc.exitCode === null && c.proc.pid !== undefined) {
        try { process.kill(c.proc.pid, "SIGTERM"); } catch { /* already gone */ }
      }
    }
    const deadline = Date.now() + 5000;
    for (const c of children) {
      while (c.proc.exitCode === null && c.proc.signalCode === null && Date.now() < deadline) {
        try { process.kill(c.proc.pid!, 0); } catch { break; }
        execFileSync("sleep", ["0.1"]);
      }
      if (c.proc.pid !== undefined) {
        try { process.kill(c.proc.pid, "SIGKILL"); } catch { /* exited */ }
      }
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    stop();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", stop);

  const logTails = (n = 25) =>
    children.map((c) => {
      const text = fs.existsSync(c.log) ? fs.readFileSync(c.log, "utf8").trimEnd().split("\n").slice(-n).join("\n") : "(no log)";
      return `---- ${c.name} (${c.proc.exitCode === null ? "running" : `exited ${c.proc.exitCode}`}) ----\n${text}`;
    }).join("\n");

  const start = (name: string, args: string[]) => {
    const log = path.join(workDir, `${name}.log`);
    const fd = fs.openSync(log, "a");
    const proc = spawn(path.join(binDir, name), args, { stdio: ["ignore", fd, fd], cwd: workDir });
    fs.closeSync(fd);
    children.push({ name, proc, log });
  };

  try {
    makePki(workDir);
    const token = [...Array(32)].map(() => Math.floor(Math.random() * 16).toString(16)).join("");
    fs.writeFileSync(path.join(workDir, "tokens.csv"), `${token},admin,admin,system:masters\n`);
    const [etcdClient, etcdPeer, apiPort, kwokPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const kubeconfig = path.join(workDir, "kubeconfig");
    fs.writeFileSync(kubeconfig, [
      "apiVersion: v1", "kind: Config", "clusters:", "- name: verify", "  cluster:",
      `    server: https://127.0.0.1:${apiPort}`, `    certificate-authority: ${path.join(workDir, "ca.crt")}`,
      "users:", "- name: admin", "  user:", `    token: ${token}`,
      "contexts:", "- name: verify", "  context: {cluster: verify, user: admin}", "current-context: verify", "",
    ].join("\n"));

    start("etcd", [
      "--name=verify", `--data-dir=${path.join(workDir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=verify=http://127.0.0.1:${etcdPeer}`, "--unsafe-no-fsync", "--log-level=warn",
    ]);
    const pki = (f: string) => path.join(workDir, f);
    start("kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki("apiserver.crt")}`, `--tls-private-key-file=${pki("apiserver.key")}`, `--client-ca-file=${pki("ca.crt")}`,
      `--token-auth-file=${pki("tokens.csv")}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki("sa.pub")}`, `--service-account-signing-key-file=${pki("sa.key")}`,
      "--service-cluster-ip-range=10.0.0.0/24", "--authorization-mode=Node,RBAC", "--allow-privileged=true",
      `--enable-admission-plugins=${EKS_ADMISSION_PLUGINS.join(",")}`,
      `--default-unreachable-toleration-seconds=${timings.tolerationSeconds}`,
      `--default-not-ready-toleration-seconds=${timings.tolerationSeconds}`,
    ]);
    const kubectl = new Kubectl(binDir, kubeconfig);
    const ready = await waitFor(async () => {
      const api = children.find((c) => c.name === "kube-apiserver")!;
      if (api.proc.exitCode !== null) throw new Error("kube-apiserver exited");
      const r = await kubectl.run(["get", "--raw", "/readyz"], undefined, 5000);
      return r.code === 0 && r.stdout.trim() === "ok" ? true : undefined;
    }, 90_000, 500);
    if (!ready) throw new Error("kube-apiserver did not become ready within 90 s");

    start("kube-controller-manager", [
      `--kubeconfig=${kubeconfig}`, "--leader-elect=false", "--controllers=*", "--secure-port=0",
      `--root-ca-file=${pki("ca.crt")}`, `--service-account-private-key-file=${pki("sa.key")}`,
      // Node lifecycle semantics are upstream's defaults except the grace period, shortened for
      // the drills (eviction rate 0.1 node/s, --unhealthy-zone-threshold 0.55,
      // --large-cluster-size-threshold 50 stay as on EKS).
      `--node-monitor-grace-period=${timings.nodeMonitorGraceSeconds}s`, "--node-monitor-period=2s",
    ]);
    start("kube-scheduler", [`--kubeconfig=${kubeconfig}`, "--leader-elect=false", "--secure-port=0"]);
    const stages = fs.readdirSync(stagesDir).filter((f) => f.endsWith(".yaml")).map((f) => `--config=${path.join(stagesDir, f)}`);
    start("kwok", [
      `--kubeconfig=${kubeconfig}`, `--manage-nodes-with-label-selector=${KWOK_MANAGED_LABEL}=true`,
      "--cidr=10.64.0.0/12", `--node-lease-duration-seconds=${timings.nodeLeaseSeconds}`,
      `--server-address=127.0.0.1:${kwokPort}`, ...stages,
    ]);
    await sleep(500);
    const dead = children.filter((c) => c.proc.exitCode !== null);
    if (dead.length) throw new Error(`${dead.map((c) => c.name).join(", ")} exited during start-up`);
    // The default ServiceAccount is created by the controller-manager; pods need it.
    const sa = await waitFor(async () => ((await kubectl.run(["get", "serviceaccount", "default", "-n", "default"])).code === 0 ? true : undefined), 60_000, 500);
    if (!sa) throw new Error("the controller-manager did not create the default ServiceAccount within 60 s");
    return { kubectl, kubeconfig, workDir, stop, logTails };
  } catch (e) {
    const tails = logTails();
    stop();
    throw new Error(`control plane failed to start: ${e instanceof Error ? e.message : String(e)}\n${tails}`);
  }
}
