/**
 * The `gatehouse` command line: serve, migrate, admin create, demo, org trust, keys rotate, user disable.
 * A usage error prints one line and exits 2; so does a bad configuration.
 */
import { parseArgs } from 'node:util';
import { createInstanceAdmin, ensureSetupLink } from './account/account.service.js';
import { parseEmail } from './auth/email.js';
import { assertPasswordPolicy, OWASP_SCRYPT_COST } from './auth/password.js';
import { systemClock } from './clock.js';
import { AppError } from './errors.js';
import { ConfigError, type Config, loadConfig } from './config.js';
import { migrateToLatest, openDatabase, type Database } from './db/database.js';
import { workerFactories } from './workers.js';
import type { DemoOutcome } from './demo/demo.js';

class UsageError extends Error {}

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  /** The name under which the one positional argument reaches `run`, for commands that take one. */
  positional?: string;
  run(config: Config, values: Record<string, string | boolean | undefined>): Promise<void>;
}

/** Opens the configured database, migrated, for a command that needs it; closes it after. */
export async function withDatabase<T>(config: Config, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database.db);
    return await work(database);
  } finally {
    await database.close();
  }
}

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Logs for a person at a terminal (pino-pretty), JSON for everything else (a pipe, a file, a log
 * collector). pino-pretty is a development dependency: without it, JSON.
 */
function prettyLogsWanted(): boolean {
  if (!process.stdout.isTTY) return false;
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

async function serve(config: Config, options: { demoIfEmpty: boolean } = { demoIfEmpty: false }): Promise<void> {
  // Start-up time: the embedded database's WebAssembly start and the import of the HTTP stack
  // are independent, so they run side by side.
  const [database, { buildApp }] = await Promise.all([
    openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }),
    import('./app.js'),
  ]);
  await migrateToLatest(database.db);
  // `npm start`: the demo goes into the database this process already opened (a second open of
  // the embedded database cost a restart about ten seconds); with accounts present it is one query.
  if (options.demoIfEmpty) {
    const { loadDemoInto } = await import('./demo/demo.js');
    printDemoOutcome(await loadDemoInto(config, database, { ifEmpty: true }));
  }
  const app = await buildApp(config, { db: database.db, backend: database.backend, defaultMetrics: true, prettyLogs: prettyLogsWanted() });
  try {
    // The OpenID signing keys: made on a first start, and a SECRET_KEY that cannot read them stops here.
    await app.oidcReady();
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    await database.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${String(config.port)} is in use: set PORT`);
    if ((error as NodeJS.ErrnoException).code === 'EACCES') throw new UsageError(`port ${String(config.port)} needs privileges: set PORT`);
    throw error;
  }
  const workers = workerFactories.map((start) => start(app.ctx));
  app.log.info(`Gatehouse is listening on ${config.publicUrl}`);
  // First start on an empty database: a one-time link for creating the first admin.
  const setupLink = await ensureSetupLink(app.ctx);
  if (setupLink !== null) {
    app.log.warn(`No users yet. Create the first administrator within 24 hours at ${setupLink} (or run: gatehouse admin create)`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // Bounded: in-flight requests get SHUTDOWN_GRACE_MS to finish, then the process goes anyway.
    const deadline = setTimeout(() => {
      app.log.warn('shutdown grace period over; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    deadline.unref();
    await app.close();
    await Promise.all(workers.map((worker) => worker.stop()));
    // PGlite flushes its files to disk on close.
    await database.close();
    clearTimeout(deadline);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

/**
 * `gatehouse org trust <id>` / `org untrust <id>`: the operator vouches for an org (or stops).
 * A trusted org's own name and sender name reach its emails' subject and From, and its quota
 * ceiling is INVITATION_QUOTA_MAX rather than SELF_SERVICE_QUOTA_MAX.
 */
function orgTrustCommand(trusted: boolean): Command {
  const verb = trusted ? 'trust' : 'untrust';
  return {
    summary: trusted
      ? "trust an organization: its name and sender name reach its emails' subject and From; quota up to INVITATION_QUOTA_MAX"
      : 'withdraw trust: neutral subject and From, quota within SELF_SERVICE_QUOTA_MAX',
    usage: `gatehouse org ${verb} <orgId>`,
    options: {},
    positional: 'orgId',
    run: async (config, values) => {
      const orgId = values.orgId;
      if (typeof orgId !== 'string' || !UUID.test(orgId)) throw new UsageError('<orgId> must be an organization id (a UUID)');
      const { setOrgTrust } = await import('./orgs/org.service.js');
      try {
        const org = await withDatabase(config, (database) => setOrgTrust(database.db, config, orgId, trusted, systemClock.now()));
        console.log(`${org.name} (${org.id}) is ${trusted ? 'trusted' : 'no longer trusted'}; invitations per hour: ${String(org.invitations_per_hour)}.`);
      } catch (error) {
        if (error instanceof AppError && error.code === 'ORG_NOT_FOUND') throw new UsageError(`no organization ${orgId}`);
        throw error;
      }
    },
  };
}

/**
 * `gatehouse user disable <email>` / `user enable <email>`: the operator's way to stop an account
 * signing in anywhere, its app tokens revoked (docs/rules.md R57), or to let it back in.
 */
function userDisableCommand(disabled: boolean): Command {
  const verb = disabled ? 'disable' : 'enable';
  return {
    summary: disabled
      ? 'disable an account: it cannot sign in to Gatehouse or any app; its sessions and app tokens are revoked'
      : 'enable a disabled account again (it signs in anew everywhere)',
    usage: `gatehouse user ${verb} <email>`,
    options: {},
    positional: 'email',
    run: async (config, values) => {
      let email: string;
      try {
        email = parseEmail(String(values.email));
      } catch {
        throw new UsageError('<email> must be an email address');
      }
      const { findUserByEmail } = await import('./auth/user.repository.js');
      const { setUserDisabled } = await import('./account/user-status.service.js');
      const { oidcAccessHooks } = await import('./oidc/access-revocation.js');
      const user = await withDatabase(config, async (database) => {
        const found = await findUserByEmail(database.db, email);
        if (found === undefined) throw new UsageError(`no account ${email}`);
        return setUserDisabled({ db: database.db, accessHooks: oidcAccessHooks() }, { type: 'system', id: null, label: 'Gatehouse' }, found.id, disabled, systemClock.now());
      }).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'USER_NOT_ACTIVE') throw new UsageError(`${email} is not an active account yet (an invitee who never registered)`);
        throw error;
      });
      console.log(`${user.email} is ${user.status === 'disabled' ? 'disabled' : 'enabled'}.`);
    },
  };
}

function printDemoOutcome(result: DemoOutcome): void {
  if (result.reason === 'not-empty') {
    console.log('The database already has accounts: no demo loaded (run `gatehouse demo` to add it anyway).');
    return;
  }
  console.log(result.loaded ? 'Demo loaded: Riverside Veterinary Group, 3 clinics, 30 people.' : 'The demo is already loaded.');
  console.log(`Open ${result.url} and sign in as ${result.email} with the password ${result.password}`);
  console.log(
    `To see the console of one clinic's admin, sign in as ${result.clinicLead.email} (${result.clinicLead.location}) with the same password`,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const commands: Record<string, Command> = {
  serve: {
    summary: 'apply migrations, then run the HTTP server and the mail dispatcher',
    usage: 'gatehouse serve [--demo-if-empty]',
    options: { 'demo-if-empty': { type: 'boolean' } },
    run: (config, values) => serve(config, { demoIfEmpty: values['demo-if-empty'] === true }),
  },
  migrate: {
    summary: 'apply pending database migrations and exit',
    usage: 'gatehouse migrate',
    options: {},
    run: async (config) => {
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const result = await migrateToLatest(database.db).finally(() => database.close());
      const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
      console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
    },
  },
  'admin create': {
    summary: 'create an active instance admin (may create orgs), or promote an existing account',
    usage: 'gatehouse admin create --email E --password P [--first F --last L]',
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      first: { type: 'string' },
      last: { type: 'string' },
    },
    run: async (config, values) => {
      const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
      const email = text('email');
      const password = text('password');
      if (email === undefined) throw new UsageError('--email is required');
      if (password === undefined) throw new UsageError('--password is required');
      const input = { email, password, firstName: text('first') ?? '', lastName: text('last') ?? '' };
      try {
        // Checked before the database is opened, so bad input changes nothing.
        parseEmail(email);
        assertPasswordPolicy(password);
      } catch (error) {
        if (error instanceof AppError) throw new UsageError(`--${error.details[0]?.path ?? 'input'}: ${error.message}`);
        throw error;
      }
      const { user, created } = await withDatabase(config, (database) =>
        createInstanceAdmin(database.db, input, { scryptCost: OWASP_SCRYPT_COST, now: systemClock.now() }),
      );
      console.log(`${created ? 'Created' : 'Promoted'} instance admin ${user.email}.`);
    },
  },
  'keys rotate': {
    summary: 'add a new OpenID signing key; the old one keeps verifying for a day (restart other instances to sign with the new one)',
    usage: 'gatehouse keys rotate',
    options: {},
    run: async (config) => {
      const { resolveSecretKey } = await import('./oidc/secret-key.js');
      const { rotateSigningKey } = await import('./oidc/signing-keys.js');
      const secret = resolveSecretKey(config);
      const kid = await withDatabase(config, (database) => rotateSigningKey(database.db, secret, systemClock.now()));
      console.log(`New signing key ${kid} is current; the previous ones stay published for a day. Restart running instances to sign with it.`);
    },
  },
  'org trust': orgTrustCommand(true),
  'org untrust': orgTrustCommand(false),
  'user disable': userDisableCommand(true),
  'user enable': userDisableCommand(false),
  demo: {
    summary: 'load a demo clinic group with people in every access state (idempotent) and print how to sign in',
    usage: 'gatehouse demo [--if-empty]',
    options: { 'if-empty': { type: 'boolean' } },
    run: async (config, values) => {
      // Imported here so the other commands do not load the HTTP stack.
      const { loadDemo } = await import('./demo/demo.js');
      printDemoOutcome(await loadDemo(config, { ifEmpty: values['if-empty'] === true }));
    },
  },
};

function help(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  const lines = Object.values(commands).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return ['Usage: gatehouse <command> [options]', '', 'Commands:', ...lines, '', 'Configuration is read from the environment (see README).'].join('\n');
}

function findCommand(argv: readonly string[]): { name: string; command: Command; rest: string[] } {
  // Two-word commands ("admin create") are looked up before one-word ones.
  const two = argv.slice(0, 2).join(' ');
  if (argv.length >= 2 && commands[two] !== undefined) return { name: two, command: commands[two], rest: argv.slice(2) };
  const one = argv[0] ?? '';
  const command = commands[one];
  if (command === undefined) throw new UsageError(one === '' ? 'no command given; try gatehouse --help' : `unknown command "${one}"; try gatehouse --help`);
  return { name: one, command, rest: argv.slice(1) };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(help());
    return 0;
  }
  try {
    const { command, rest } = findCommand(argv);
    let values: Record<string, string | boolean | undefined>;
    try {
      const parsed = parseArgs({
        args: rest,
        options: { ...command.options, help: { type: 'boolean', short: 'h' } },
        strict: true,
        allowPositionals: command.positional !== undefined,
      });
      values = parsed.values;
      if (command.positional !== undefined && values.help !== true) {
        if (parsed.positionals.length !== 1) throw new UsageError(`expected one argument; usage: ${command.usage}`);
        values = { ...values, [command.positional]: parsed.positionals[0] };
      }
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message.split('\n')[0] ?? 'bad arguments' : 'bad arguments');
    }
    if (values.help === true) {
      console.log(`Usage: ${command.usage}\n${command.summary}`);
      return 0;
    }
    const config = loadConfig();
    await command.run(config, values);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`gatehouse: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

export { UsageError };
