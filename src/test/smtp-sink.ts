/**
 * A real SMTP server for tests (smtp-server + mailparser) that records what it received and
 * can be told to answer RCPT TO with an error (4xx, 5xx), to stop and to start again on
 * the same port.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string;
  from: string;
  fromName: string;
  replyTo: string | null;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
}

export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Answer RCPT TO for these recipients with the given reply code (for example 450 or 550). */
  rejectRecipient(address: string, responseCode: number): void;
  /** Accept every recipient again. */
  clearRejections(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Resolves when `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
}

export async function startSmtpSink(options: { port?: number; parse?: boolean } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const rejections = new Map<string, number>();
  let server: SMTPServer | null = null;
  let port = options.port ?? 0;
  const parse = options.parse ?? true;

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 10 * 1024 * 1024,
      onRcptTo(address, _session, callback) {
        const code = rejections.get(address.address.toLowerCase());
        if (code === undefined) {
          callback();
          return;
        }
        callback(Object.assign(new Error(`${String(code)} mailbox unavailable (test)`), { responseCode: code }));
      },
      onData(stream, session, callback) {
        if (!parse) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            const raw = Buffer.concat(chunks).toString('latin1');
            const messageId = /^message-id:\s*(\S+)/im.exec(raw)?.[1] ?? '';
            received.push({ messageId, to: session.envelope.rcptTo[0]?.address ?? '', from: '', fromName: '', replyTo: null, subject: '', text: '', html: '', headers: new Map() });
            callback();
          });
          return;
        }
        simpleParser(stream)
          .then((mail) => {
            const from = mail.from?.value[0];
            received.push({
              messageId: mail.messageId ?? '',
              to: session.envelope.rcptTo[0]?.address ?? '',
              from: from?.address ?? '',
              fromName: from?.name ?? '',
              replyTo: mail.replyTo?.value[0]?.address ?? null,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              headers: mail.headers,
            });
            callback();
          })
          .catch((error: unknown) => {
            callback(error instanceof Error ? error : new Error('parse failed'));
          });
      },
    });

  const start = async () => {
    const next = create();
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        resolve();
      });
    });
    next.on('error', () => undefined);
    port = (next.server.address() as AddressInfo).port;
    server = next;
  };
  await start();

  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${String(port)}`;
    },
    received,
    rejectRecipient(address, responseCode) {
      rejections.set(address.toLowerCase(), responseCode);
    },
    clearRejections() {
      rejections.clear();
    },
    async stop() {
      const current = server;
      server = null;
      if (current !== null) await new Promise<void>((resolve) => { current.close(() => { resolve(); }); });
    },
    start,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${String(count)} messages, got ${String(received.length)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
