/**
 * SMTP through nodemailer: pooled connections, TLS by scheme (`smtps://` is TLS from the first
 * byte, usually port 465; `smtp://` upgrades with STARTTLS when the server offers it), and
 * timeouts so a hung server costs a retry, not a stuck dispatcher.
 *
 * SMTP_URL is handed to nodemailer, which also reads query options such as
 * `?requireTLS=true` or `?tls.rejectUnauthorized=false` (README "Email").
 */
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { MailTransport, OutgoingEmail, SendResult } from './transport.js';

export interface SmtpOptions {
  url: string;
  /** Parallel connections in the pool. */
  maxConnections?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export function smtpTransport(options: SmtpOptions): MailTransport {
  const poolOptions: SMTPPool.Options = {
    pool: true,
    url: options.url,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: 500,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const transporter = nodemailer.createTransport(poolOptions);
  return {
    name: 'smtp',
    async send(email: OutgoingEmail): Promise<SendResult> {
      const info = await transporter.sendMail({
        messageId: email.messageId,
        from: { name: email.from.name, address: email.from.address },
        ...(email.replyTo === null ? {} : { replyTo: email.replyTo }),
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        // Tells mail servers and vacation responders this is an automated message (RFC 3834).
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      const code = /^(\d{3})/.exec(info.response);
      return { responseStatus: code === null ? null : Number(code[1]) };
    },
    async close() {
      transporter.close();
    },
  };
}
