/**
 * Outgoing mail (invitations, password resets, notifications): Dify's MailConfig
 * (api/configs/feature: MAIL_TYPE smtp | resend | sendgrid, MAIL_DEFAULT_SEND_FROM, SMTP_*,
 * RESEND_API_KEY, SENDGRID_API_KEY). Plain settings go to the api image's ConfigMap; the one
 * credential goes to its own Secret, read by the api-image pods through an optional envFrom.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Problem } from "../checks";

/** Mail provider (Dify's MAIL_TYPE). */
export enum MailType {
  /** Any SMTP server, e.g. Amazon SES SMTP (email-smtp.<region>.amazonaws.com:587). */
  Smtp = "smtp",
  /** Resend's HTTPS API. */
  Resend = "resend",
  /** SendGrid's HTTPS API. */
  SendGrid = "sendgrid",
}

/** How the SMTP connection is encrypted. */
export enum SmtpTls {
  /** Plain connection upgraded with STARTTLS (port 587). */
  StartTls = "starttls",
  /** TLS from the first byte (SMTPS, port 465). */
  Tls = "tls",
  /** No encryption (only for a relay inside your network). */
  None = "none",
}

/** Outgoing mail settings of DifyApp. */
export interface DifyMailArgs {
  /** Provider. Required. */
  type: MailType;
  /** Sender address (MAIL_DEFAULT_SEND_FROM), e.g. "Dify <no-reply@example.com>". Required. */
  from: string;
  /** SMTP server host name. Required for smtp. */
  smtpServer?: string;
  /** SMTP port. Default 587 (465 with `smtpTls` tls). */
  smtpPort?: number;
  /** SMTP user name. Default none (no authentication). */
  smtpUsername?: string;
  /** SMTP encryption. Default starttls. */
  smtpTls?: SmtpTls;
  /** The SMTP password, or the Resend / SendGrid API key. Pass a secret. Required. */
  secret: pulumi.Input<string>;
}

/** Name of the Secret holding the mail credential (api namespace). */
export const MAIL_SECRET_NAME = "dify-mail";

/** The env name the credential is read under, per provider. */
const SECRET_ENV: Record<MailType, string> = {
  [MailType.Smtp]: "SMTP_PASSWORD",
  [MailType.Resend]: "RESEND_API_KEY",
  [MailType.SendGrid]: "SENDGRID_API_KEY",
};

/** Validation problems of the mail args (empty when fine), each naming the argument. */
export function mailProblems(m: DifyMailArgs | undefined): Problem[] {
  if (!m) return [];
  const p: Problem[] = [];
  const bad = (path: string, got: unknown, allowed: string) => p.push({ path: `args.mail.${path}`, got, allowed });
  if (!Object.values(MailType).includes(m.type)) bad("type", m.type, `one of ${Object.values(MailType).join(", ")}`);
  if (typeof m.from !== "string" || !/@[^@\s]+\.[^@\s]+>?$/.test(m.from.trim())) bad("from", m.from, 'an e-mail address (optionally "Name <address>")');
  if (m.secret === undefined || m.secret === "") bad("secret", undefined, "the SMTP password or the provider's API key, as a secret");
  if (m.type === MailType.Smtp) {
    if (!m.smtpServer || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(m.smtpServer)) bad("smtpServer", m.smtpServer, "a host name (required for smtp)");
    if (m.smtpPort !== undefined && (!Number.isInteger(m.smtpPort) || m.smtpPort < 1 || m.smtpPort > 65535)) bad("smtpPort", m.smtpPort, "a port from 1 to 65535");
    if (m.smtpTls !== undefined && !Object.values(SmtpTls).includes(m.smtpTls)) bad("smtpTls", m.smtpTls, `one of ${Object.values(SmtpTls).join(", ")}`);
  }
  return p;
}

/** The SMTP port in use, or undefined for the HTTPS providers. */
export function smtpPort(m: DifyMailArgs | undefined): number | undefined {
  if (m?.type !== MailType.Smtp) return undefined;
  return m.smtpPort ?? (m.smtpTls === SmtpTls.Tls ? 465 : 587);
}

/** Plain settings for the api image's ConfigMap. */
export function mailEnv(m: DifyMailArgs | undefined): Record<string, string> {
  if (!m) return {};
  const env: Record<string, string> = { MAIL_TYPE: m.type, MAIL_DEFAULT_SEND_FROM: m.from };
  if (m.type === MailType.Smtp) {
    const tls = m.smtpTls ?? SmtpTls.StartTls;
    env.SMTP_SERVER = m.smtpServer!;
    env.SMTP_PORT = String(smtpPort(m));
    if (m.smtpUsername) env.SMTP_USERNAME = m.smtpUsername;
    // Dify: USE_TLS without OPPORTUNISTIC is SMTPS; both together is STARTTLS (libs/smtp.py).
    env.SMTP_USE_TLS = tls === SmtpTls.None ? "false" : "true";
    env.SMTP_OPPORTUNISTIC_TLS = tls === SmtpTls.StartTls ? "true" : "false";
  }
  return env;
}

/** The Secret with the mail credential, or undefined without mail. */
export function mailSecret(name: string, m: DifyMailArgs | undefined, namespace: pulumi.Input<string>, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret | undefined {
  if (!m) return undefined;
  return new k8s.core.v1.Secret(`${name}-mail`, {
    metadata: { name: MAIL_SECRET_NAME, namespace, labels },
    type: "Opaque",
    stringData: { [SECRET_ENV[m.type]]: pulumi.secret(pulumi.output(m.secret)) },
  }, opts);
}
