import { strict as assert } from "assert";
import { MailType, SmtpTls } from "../components/app/mail";
import { DEPLOYMENT, envOf, ofType, runApp, runRefused, workloads } from "./app-fixture";

const SMTP_PASSWORD = "smtp-Sup3r/Secret+pw";

describe("DifyApp mail", () => {
  it("sends through SMTP with STARTTLS: settings in the api ConfigMap, the password only in its Secret, egress on 587", async () => {
    const { resources: rs } = await runApp({
      mail: { type: MailType.Smtp, from: "Dify <no-reply@example.com>", smtpServer: "email-smtp.us-east-1.amazonaws.com", smtpUsername: "AKIAEXAMPLE", secret: SMTP_PASSWORD },
    });
    const api = workloads(rs).find((w) => w.name === "dify-api")!;
    const env = envOf(rs, api.pod.containers[0]);
    assert.equal(env.get("MAIL_TYPE")?.value, "smtp");
    assert.equal(env.get("SMTP_SERVER")?.value, "email-smtp.us-east-1.amazonaws.com");
    assert.equal(env.get("SMTP_PORT")?.value, "587");
    assert.equal(env.get("SMTP_USE_TLS")?.value, "true");
    assert.equal(env.get("SMTP_OPPORTUNISTIC_TLS")?.value, "true");
    const secret = rs.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "dify-mail")!;
    assert.ok(secret.secretPaths.some((p) => p === "stringData" || p === "stringData.SMTP_PASSWORD"), "the password is a secret");
    assert.equal((secret.rawInputs.stringData as Record<string, string>).SMTP_PASSWORD, SMTP_PASSWORD);
    const plain = JSON.stringify(rs.filter((r) => r !== secret).map((r) => r.rawInputs));
    assert.ok(!plain.includes(SMTP_PASSWORD), "the password appears nowhere else");
    for (const w of ["dify-api", "dify-worker"]) {
      const d = ofType(rs, DEPLOYMENT).find((r) => r.name === w)!;
      const envFrom = JSON.stringify((d.rawInputs as { spec: { template: { spec: { containers: { envFrom: unknown }[] } } } }).spec.template.spec.containers[0].envFrom);
      assert.ok(envFrom.includes('"name":"dify-mail"'), `${w} reads the mail Secret`);
      const flows = rs.find((r) => r.name === `${w}-flows`)!;
      assert.ok(JSON.stringify(flows.rawInputs).includes('"port":587'), `${w} may reach SMTP on 587`);
    }
    const web = rs.find((r) => r.name === "dify-web-flows")!;
    assert.ok(!JSON.stringify(web.rawInputs).includes('"port":587'), "web may not");
  });

  it("SMTPS uses 465 and no STARTTLS; the HTTPS providers need no SMTP egress", async () => {
    const tls = await runApp({ mail: { type: MailType.Smtp, from: "a@b.io", smtpServer: "smtp.b.io", smtpTls: SmtpTls.Tls, secret: "x" } });
    const env = envOf(tls.resources, workloads(tls.resources).find((w) => w.name === "dify-api")!.pod.containers[0]);
    assert.equal(env.get("SMTP_PORT")?.value, "465");
    assert.equal(env.get("SMTP_OPPORTUNISTIC_TLS")?.value, "false");
    const resend = await runApp({ mail: { type: MailType.Resend, from: "a@b.io", secret: "re_key" } });
    const secret = resend.resources.find((r) => r.name === "dify-mail")!;
    assert.deepEqual(Object.keys(secret.rawInputs.stringData as object), ["RESEND_API_KEY"]);
    assert.ok(!JSON.stringify(resend.resources.filter((r) => r.name.endsWith("-flows")).map((r) => r.rawInputs)).includes('"port":587'));
  });

  it("refuses incomplete mail settings", async () => {
    for (const [mail, re] of [
      [{ type: MailType.Smtp, from: "a@b.io", secret: "x" }, /args\.mail\.smtpServer: got nothing, allowed a host name/],
      [{ type: MailType.Resend, from: "nobody", secret: "x" }, /args\.mail\.from: got "nobody", allowed an e-mail address/],
    ] as const) {
      const r = await runRefused({ mail });
      assert.match(r.message, re);
      assert.deepEqual(r.resources, [], "nothing registered");
    }
  });
});
