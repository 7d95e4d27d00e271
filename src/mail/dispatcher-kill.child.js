// A dispatcher in its own process, for the kill test in smtp.faults.test.ts (PostgreSQL only:
// it shares the database with the test process). It sends through real SMTP, tells the parent
// "sent", and then waits to be killed before it can record anything. Runs the built dist/.
// Usage (forked with IPC): node dispatcher-kill.child.js <databaseUrl> <smtpUrl> <nowIso>
import { buildApp } from '../../dist/app.js';
import { loadConfig } from '../../dist/config.js';
import { openDatabase } from '../../dist/db/database.js';
import { dispatchOnce } from '../../dist/mail/dispatcher.js';
import { smtpTransport } from '../../dist/mail/smtp.transport.js';

const [databaseUrl, smtpUrl, nowIso] = process.argv.slice(2);
const database = await openDatabase({ databaseUrl, dataDir: null, poolSize: 2 });
const config = loadConfig({ LOG_LEVEL: 'silent', SMTP_URL: smtpUrl, DATABASE_URL: databaseUrl });
const app = await buildApp(config, { db: database.db, backend: database.backend, clock: { now: () => new Date(nowIso) } });
const real = smtpTransport({ url: smtpUrl });
const transport = {
  name: 'smtp-then-wait',
  async send(email) {
    const result = await real.send(email);
    process.send?.('sent');
    // Wait here for SIGKILL: the result is never recorded.
    await new Promise(() => undefined);
    return result;
  },
  close: () => real.close(),
};
await dispatchOnce(app.ctx, transport, { leaseMs: 2 * 60_000 });
