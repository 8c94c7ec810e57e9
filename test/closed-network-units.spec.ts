/**
 * The pieces of private-registry and closed-network support a component consumer calls directly:
 * the image mapping (it must match ECR pull-through cache paths exactly, or pulls fail), the
 * component argument checks, and the proxy config a corporate egress proxy needs.
 */
import { strict as assert } from "assert";
import { helmImage, imageRef, registryPrefixProblem } from "../components/k8s/images";
import { resolveClusterArgs } from "../components/cluster/args";
import { Problems } from "../components/checks";
import { resolveEgress } from "../components/app/egress";
import { squidConf } from "../components/app/squid";
import { validateBackupsArgs } from "../components/backups/args";
import { DifyAppArgs } from "../components/app";

const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("image sources (components/k8s/images.ts)", () => {
  it("maps each upstream to its ECR pull-through cache path, keeping Docker Hub's library/ namespace", () => {
    const cases: [string, string][] = [
      ["postgres:16.14-alpine", `${ECR}/docker-hub/library/postgres:16.14-alpine`],
      ["docker.io/library/postgres:16", `${ECR}/docker-hub/library/postgres:16`],
      ["langgenius/dify-api:1.16.1", `${ECR}/docker-hub/langgenius/dify-api:1.16.1`],
      ["public.ecr.aws/aws-cli/aws-cli:2.36.15", `${ECR}/ecr-public/aws-cli/aws-cli:2.36.15`],
      ["registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0", `${ECR}/k8s/autoscaling/cluster-autoscaler:v1.35.0`],
      ["quay.io/prometheus/node-exporter:v1.8.0", `${ECR}/quay/prometheus/node-exporter:v1.8.0`],
      ["mirror.example.com:5000/team/tool:1.0", `${ECR}/mirror.example.com:5000/team/tool:1.0`],
    ];
    for (const [from, to] of cases) assert.equal(imageRef(from, { registry: ECR }), to, from);
  });

  it("leaves references untouched without a registry, and pins a digest only where one is given", () => {
    assert.equal(imageRef("ubuntu/squid:6.6-24.04_beta"), "ubuntu/squid:6.6-24.04_beta");
    assert.equal(imageRef("ubuntu/squid:6.6-24.04_beta", { digests: { "ubuntu/squid:6.6-24.04_beta": DIGEST } }), `ubuntu/squid:6.6-24.04_beta@${DIGEST}`);
    assert.equal(imageRef("postgres:16.14-alpine", { registry: "harbor.corp.example/dify", digests: { "postgres:16.14-alpine": DIGEST } }),
      `harbor.corp.example/dify/docker-hub/library/postgres:16.14-alpine@${DIGEST}`);
    // Charts render repository:tag, so the digest rides in the tag.
    assert.deepEqual(helmImage("registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0", { registry: ECR, digests: { "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0": DIGEST } }),
      { repository: `${ECR}/k8s/autoscaling/cluster-autoscaler`, tag: `v1.35.0@${DIGEST}` });
  });

  it("accepts registry hosts and paths, refuses what is not one", () => {
    for (const ok of [ECR, "harbor.corp.example/dify", "localhost:5000", "10.0.0.5:5000/mirror"]) assert.equal(registryPrefixProblem(ok), undefined, ok);
    for (const bad of ["https://harbor.corp.example", "myorg", "harbor.corp.example/", "harbor.corp.example/Dify", "harbor.corp.example/dify:1.0", "r.example.com:70000", ""]) {
      assert.ok(registryPrefixProblem(bad), `${JSON.stringify(bad)} refused`);
    }
  });
});

describe("component arguments for closed networks", () => {
  const cluster = { publicAccessCidrs: [] as string[] };

  it("DifyCluster refuses a bad registry prefix and closed mode without a registry, naming the argument", () => {
    assert.throws(() => resolveClusterArgs("prod", { ...cluster, imageSource: { registry: "https://x.example.com" } }),
      /DifyCluster "prod": args\.imageSource\.registry: got "https:\/\/x\.example\.com", allowed a registry host\[:port\]\[\/path\].*scheme/);
    assert.throws(() => resolveClusterArgs("prod", { ...cluster, closedNetwork: true }), /args\.imageSource\.registry: got nothing, allowed a registry prefix with closedNetwork/);
    assert.throws(() => resolveClusterArgs("prod", { ...cluster, imageSource: { registry: ECR }, ecrPullThroughCache: true }), /args\.dockerHubCredentialArn: got nothing, allowed a Secrets Manager ARN with ecrPullThroughCache/);
    assert.throws(() => resolveClusterArgs("prod", { ...cluster, imageSource: { registry: ECR }, ecrPullThroughCache: true }), /args\.githubCredentialArn: got nothing, allowed a Secrets Manager ARN with ecrPullThroughCache \(KEDA/);
    assert.throws(() => resolveClusterArgs("prod", { ...cluster, imageSource: { registry: ECR }, closedNetwork: true, extraVpcEndpoints: ["com.amazonaws.us-east-1.ssm"] }), /args\.extraVpcEndpoints: got "com\.amazonaws\.us-east-1\.ssm", allowed AWS service suffixes/);
    assert.throws(() => resolveClusterArgs("prod", { ...cluster, extraVpcEndpoints: ["ssm"] }), /allowed an empty list unless closedNetwork is true/);
    const s = resolveClusterArgs("prod", { ...cluster, imageSource: { registry: ECR }, closedNetwork: true });
    assert.equal(s.internetGateway, false, "closed mode drops the internet gateway unless asked to keep it");
  });

  it("DifyApp refuses an empty allow-list in closed mode, bad domains and a proxy that is not host:port", () => {
    const base = {} as DifyAppArgs;
    const egress = (a: DifyAppArgs) => {
      const p = new Problems('DifyApp "prod"');
      const plan = resolveEgress(p, a);
      p.throwIfAny();
      return plan;
    };
    assert.throws(() => egress({ ...base, closedNetwork: true }), /DifyApp "prod": args\.egressAllowedDomains: got nothing, allowed at least one domain with closedNetwork/);
    assert.throws(() => egress({ ...base, closedNetwork: true, egressAllowedDomains: [] }), /allowed at least one domain/);
    assert.throws(() => egress({ ...base, egressAllowedDomains: ["*.openai.com"] }), /args\.egressAllowedDomains\[0\]: got "\*\.openai\.com", allowed a lowercase DNS name/);
    assert.throws(() => egress({ ...base, egressUpstreamProxy: "http://proxy:3128" }), /args\.egressUpstreamProxy: got "http:\/\/proxy:3128", allowed "host:port"/);
    assert.throws(() => egress({ ...base, pipMirrorUrl: "https://user:pw@pypi.corp/simple" }), /args\.pipMirrorUrl: got .*, allowed an http\(s\) URL .* without credentials/);
    const e = egress({ ...base, closedNetwork: true, egressAllowedDomains: [".openai.com"], pipMirrorUrl: "https://pypi.corp.example/simple" });
    assert.deepEqual(e.allowedDomains, [".openai.com", "pypi.corp.example"], "the pip mirror host joins the allow-list");
  });

  it("DifyBackups refuses a bad registry prefix before anything is created", () => {
    assert.throws(() => validateBackupsArgs("prod", {
      imageSource: { registry: "myorg" },
    }), /args\.imageSource\.registry: got "myorg", allowed a registry host/);
  });

  it("squid forwards to a corporate proxy and never connects directly; default config has neither", () => {
    const conf = squidConf(["10.40.0.0/16"], 3128, { allowedDomains: ["api.openai.com"], upstreamProxy: { host: "proxy.corp.example", port: 8080 } });
    assert.match(conf, /^cache_peer proxy\.corp\.example parent 8080 0 no-query no-digest no-netdb-exchange default$/m);
    assert.match(conf, /^never_direct allow all$/m);
    const plain = squidConf(["10.40.0.0/16"], 3128);
    assert.doesNotMatch(plain, /cache_peer|never_direct|allowed_domains/);
    assert.match(plain, /^http_access deny to_private$/m);
  });
});
