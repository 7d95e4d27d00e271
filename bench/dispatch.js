// Dispatch throughput: emails from the outbox to a local smtp-server sink through the real
// dispatcher and the pooled SMTP transport, on the built dist/ (run `npm run build` first).
// The sink runs in a child process (as a real mail server would), so it does not compete with
// Gatehouse for the event loop. Reports messages/s and the RSS of the Gatehouse process at
// the start, the middle and the end, and checks every Message-ID arrived exactly once.
//
// Usage: npm run bench:dispatch [-- count]   (default 100000)
//   DATABASE_URL=postgres://… to run against a PostgreSQL server (it uses a fresh database
//   gatehouse_bench_dispatch there, dropped afterwards); otherwise an in-memory PGlite.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';

if (process.argv[2] === '--sink') {
  const seen = new Set();
  let duplicates = 0;
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk) => {
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^message-id:\s*(\S+)/im.exec(head)?.[1] ?? '';
        if (seen.has(id)) duplicates += 1;
        seen.add(id);
        callback();
      });
    },
  });
  sink.listen(0, '127.0.0.1', () => process.send({ port: sink.server.address().port }));
  process.on('message', () => {
    process.send({ distinct: seen.size, duplicates }, () => process.exit(0));
  });
} else {
  await run(Number(process.argv[2] ?? 100_000));
}

async function run(count) {
  const { buildApp } = await import('../dist/app.js');
  const { loadConfig } = await import('../dist/config.js');
  const { migrateToLatest, openDatabase } = await import('../dist/db/database.js');
  const { dispatchOnce } = await import('../dist/mail/dispatcher.js');
  const { smtpTransport } = await import('../dist/mail/smtp.transport.js');
  const { queuePlainEmails } = await import('../dist/mail/test-fixtures.js');
  const pg = (await import('pg')).default;

  const batchSize = Number(process.env.BATCH ?? 100);
  const concurrency = Number(process.env.CONC ?? 16);
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

  const child = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: 'inherit' });
  const { port } = await new Promise((resolve) => child.once('message', resolve));

  let databaseUrl = null;
  let admin = null;
  if (process.env.DATABASE_URL) {
    admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query('drop database if exists gatehouse_bench_dispatch with (force)');
    await admin.query('create database gatehouse_bench_dispatch');
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/gatehouse_bench_dispatch';
    databaseUrl = url.toString();
  }
  const config = loadConfig({ LOG_LEVEL: 'silent', SMTP_URL: `smtp://127.0.0.1:${port}`, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: null });
  await migrateToLatest(database.db);
  const app = await buildApp(config, { db: database.db, backend: database.backend });
  const ctx = app.ctx;

  console.log(`backend ${database.backend}, ${count} emails, batch ${batchSize}, concurrency ${concurrency}`);
  const queuedAt = performance.now();
  await queuePlainEmails(ctx.db, ctx.clock.now(), count, 'bench');
  console.log(`queued in ${((performance.now() - queuedAt) / 1000).toFixed(1)} s`);

  const transport = smtpTransport({ url: config.smtpUrl, maxConnections: 8 });
  const rss = { start: process.memoryUsage().rss, middle: 0, end: 0 };
  let sent = 0;
  let notSent = 0;
  const started = performance.now();
  let lastReport = started;
  for (;;) {
    const round = await dispatchOnce(ctx, transport, { batchSize, concurrency });
    if (round.claimed === 0) break;
    sent += round.sent;
    notSent += round.failed + round.retried;
    if (rss.middle === 0 && sent >= count / 2) rss.middle = process.memoryUsage().rss;
    const now = performance.now();
    if (now - lastReport > 15_000) {
      lastReport = now;
      console.log(`  ${sent} sent, ${(sent / ((now - started) / 1000)).toFixed(0)} msg/s, rss ${mb(process.memoryUsage().rss)}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  rss.end = process.memoryUsage().rss;
  await transport.close();
  await app.close();
  await database.close();
  if (admin !== null) {
    await admin.query('drop database if exists gatehouse_bench_dispatch with (force)');
    await admin.end();
  }
  child.send('report');
  const report = await new Promise((resolve) => child.once('message', resolve));

  console.log(`sent ${sent} of ${count} (not sent: ${notSent}); the sink received ${report.distinct} distinct Message-IDs, ${report.duplicates} duplicates`);
  console.log(`dispatch throughput: ${(sent / seconds).toFixed(0)} msg/s (${seconds.toFixed(1)} s)`);
  console.log(`rss: start ${mb(rss.start)}, middle ${mb(rss.middle)}, end ${mb(rss.end)}`);
  process.exit(sent === count && report.distinct === count && report.duplicates === 0 ? 0 : 1);
}
