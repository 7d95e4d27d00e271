/**
 * buildApp(config, deps): the one place that wires Gatehouse together. It returns a Fastify
 * instance that is ready to `listen` or to be driven with `inject` in tests.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import cookie from '@fastify/cookie';
import type { Kysely } from 'kysely';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import type { Backend } from './db/database.js';
import type { DB } from './db/schema.js';
import { frameworkErrors, registerErrorHandling } from './http/errors.plugin.js';
import { registerJsonInputCheck } from './http/json-input.js';
import { registerMetrics } from './http/metrics.js';
import { buildValidator } from './http/validation.js';
import type { RouteDeclaration } from './http/route.js';
import { opsRoutes } from './http/ops.routes.js';
import { REDACT_PATHS, redactUrl } from './http/redact.js';
import { OWASP_SCRYPT_COST } from './auth/password.js';
import { AfterReply } from './http/after-reply.js';
import { registerRateLimit } from './http/rate-limit.js';
import { registerAuthentication } from './auth/actor.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { sessionRoutes } from './account/session.routes.js';
import { mailRoutes } from './mail/mail.routes.js';
import type { MailContext } from './mail/mail.hooks.js';
import { createOutbox } from './outbox/outbox.js';
import { webhookDeliverer } from './webhooks/delivery.js';
import { invitationMailHooks } from './invitations/invitation.delivery.js';
import { devReceiverRoutes } from './webhooks/dev-receiver.routes.js';
import { webhookRoutes } from './webhooks/webhook.routes.js';
import { checkLanding } from './apps/app.landing.js';
import { accountRoutes } from './account/account.routes.js';
import { apiKeyRoutes } from './orgs/api-key.routes.js';
import { orgRoutes } from './orgs/org.routes.js';
import { accessRoutes } from './access/access.routes.js';
import { grantRoutes } from './orgs/grant.routes.js';
import { roleRoutes } from './orgs/role.routes.js';
import { peopleRoutes } from './people/person.routes.js';
import { eventRoutes } from './events/event.routes.js';
import { invitationRoutes } from './invitations/invitation.routes.js';
import { inviteeRoutes } from './invitations/invitee.routes.js';
import { webRoutes } from './http/web.plugin.js';
import { ErrorComponent, NamedComponent } from './http/schemas.js';
import { UserComponent } from './auth/user.presenter.js';
import { MembershipComponent } from './account/membership.presenter.js';
import { MeComponent, MeOrgComponent } from './account/me.presenter.js';
import { MailboxMessageComponent } from './mail/mail.routes.js';
import { MemberUserComponent, OrgComponent, ResourceComponent, RoleComponent } from './orgs/org.presenter.js';
import { GrantComponent } from './orgs/grant.presenter.js';
import { ApiKeyComponent, NewApiKeyComponent } from './orgs/api-key.presenter.js';
import { AccessEntryComponent, PendingAccessComponent } from './access/access.routes.js';
import { AuditEventComponent, EventComponent } from './events/event.schema.js';
import { NewWebhookComponent, WebhookComponent, WebhookDeliveryComponent } from './webhooks/webhook.presenter.js';
import { InvitationComponent } from './invitations/invitation.presenter.js';
import { BulkResultComponent, InvitationDetailComponent, InvitationPreviewComponent, InvitationLookupComponent, PublicInvitationComponent } from './invitations/invitation.schema.js';
import { PeopleCountsComponent, PeopleImportComponent, PersonComponent } from './people/person.presenter.js';

/**
 * The named schemas of the API (`components.schemas` of the OpenAPI document): each registered
 * once here, and referenced by `$ref` from the routes (common/component.ts).
 */
const COMPONENTS = [
  ErrorComponent,
  NamedComponent,
  UserComponent,
  MembershipComponent,
  OrgComponent,
  ResourceComponent,
  RoleComponent,
  MemberUserComponent,
  GrantComponent,
  AccessEntryComponent,
  PendingAccessComponent,
  ApiKeyComponent,
  NewApiKeyComponent,
  PersonComponent,
  PeopleImportComponent,
  PeopleCountsComponent,
  MeOrgComponent,
  MeComponent,
  InvitationComponent,
  InvitationDetailComponent,
  BulkResultComponent,
  InvitationPreviewComponent,
  PublicInvitationComponent,
  InvitationLookupComponent,
  EventComponent,
  AuditEventComponent,
  WebhookComponent,
  NewWebhookComponent,
  WebhookDeliveryComponent,
  MailboxMessageComponent,
  AppComponent,
  AppWithSecretComponent,
  InteractionDetailsComponent,
  WidgetTokenComponent,
  WidgetSessionComponent,
];
import { appRoutes } from './apps/app.routes.js';
import { AppComponent, AppWithSecretComponent } from './apps/app.presenter.js';
import { InteractionDetailsComponent, lazyProvider, oidcRoutes } from './oidc/oidc.routes.js';
import { oidcAccessHooks } from './oidc/access-revocation.js';
import { registerWidgetCors } from './widgets/widget.cors.js';
import { WidgetSessionComponent, WidgetTokenComponent, widgetRoutes } from './widgets/widget.routes.js';

export interface RegisteredRoute {
  method: string;
  url: string;
  /** What a route declared with http/route.ts. */
  declaration?: RouteDeclaration;
}

export interface AppDeps {
  db: Kysely<DB>;
  backend: Backend;
  clock?: Clock;
  /** scrypt N; defaults to the OWASP figure 2^17. */
  scryptCost?: number;
  /** Collect process metrics (off in tests, where many apps share one process). */
  defaultMetrics?: boolean;
  /** Where log lines go (stdout by default); tests capture them. */
  logStream?: NodeJS.WritableStream;
  /** Where the built console lives (default dist/web of this checkout). */
  webRoot?: string;
  /**
   * Log for people (pino-pretty, one coloured line per entry) rather than JSON: `gatehouse serve`
   * sets it when stdout is a terminal and pino-pretty is installed.
   */
  prettyLogs?: boolean;
}

/** The context of this app: what every service receives, with what mail needs (its hooks). */
export type GatehouseContext = AppContext & MailContext;

function trustProxyOption(setting: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return [...setting];
}

/**
 * One log line per request, when it is answered ("GET /path 200 3ms", with the request, status
 * and time as fields), instead of Fastify's two (received, completed).
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {
    // Logged once, on completion.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = Math.round(reply.elapsedTime);
    const line = `${request.method} ${redactUrl(request.url)} ${String(reply.statusCode)} ${String(responseTime)}ms`;
    const fields = { req: request, res: { statusCode: reply.statusCode }, responseTime };
    if (error === null || error === undefined) request.log.info(fields, line);
    else request.log.error({ ...fields, err: error }, line);
  }
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
      ...(deps.prettyLogs === true && deps.logStream === undefined
        ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,req,res,responseTime,reqId' } } }
        : {}),
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: {
        req: (request: { method: string; url: string; ip?: string }) => ({
          method: request.method,
          url: redactUrl(request.url),
          ip: request.ip,
        }),
      },
    },
    schemaController: { compilersFactory: { buildValidator } },
    routerOptions: { ignoreTrailingSlash: true },
    // request.ip (the per-IP rate limits, logs) comes from X-Forwarded-For only through trusted proxies.
    trustProxy: trustProxyOption(config.trustProxy),
    frameworkErrors,
    logController: new OneLinePerRequest(),
  });

  const metrics = registerMetrics(app, { defaultMetrics: deps.defaultMetrics ?? false });
  const base: AppContext = {
    config,
    db: deps.db,
    backend: deps.backend,
    clock: deps.clock ?? systemClock,
    log: app.log,
    scryptCost: deps.scryptCost ?? OWASP_SCRYPT_COST,
    metrics,
    afterReply: new AfterReply(app.log),
    outbox: createOutbox(deps.db, metrics.registry),
    // Access removed anywhere revokes the person's OpenID sessions and tokens (R54).
    accessHooks: oidcAccessHooks(),
  };
  // Delivery: webhooks are a deliverer of every dispatch round; email brings its transport per
  // dispatcher (mail/dispatcher.worker.ts). The invitation lifecycle hooks into mail, so mail
  // never imports invitations.
  base.outbox.register(webhookDeliverer(base));
  const ctx: GatehouseContext = { ...base, mailHooks: invitationMailHooks(base) };
  app.decorate('ctx', ctx);
  // Deferred work still uses the database: let it finish before the app (and its pool) closes.
  app.addHook('onClose', () => ctx.afterReply.settled());
  // Every route as registered, so a test can check each org-scoped one has a policy entry, and
  // read what a route declared through http/route.ts (its permission and error codes).
  const routeList: RegisteredRoute[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    const declaration = route.config?.declaration;
    for (const method of [route.method].flat()) {
      routeList.push({ method, url: route.url, ...(declaration === undefined ? {} : { declaration }) });
    }
  });

  registerErrorHandling(app);
  await registerSecurityHeaders(app, config);
  registerJsonInputCheck(app);

  for (const { definition } of COMPONENTS) app.addSchema(definition);
  await app.register(swagger, {
    // A shared schema is listed under its own name (its `$id`), so `$ref: 'Invitation#'` is
    // `#/components/schemas/Invitation` in the document.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${String(i)}`) },
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse', version: '1', description: 'Invitations and access, over HTTP.' },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'gatehouse_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(cookie);
  await registerRateLimit(app);
  // Before authentication: a preflight is answered before any credential is looked at.
  await registerWidgetCors(app, ctx);
  registerAuthentication(app, ctx);

  await app.register(opsRoutes(ctx, metrics));
  await app.register(sessionRoutes(ctx));
  await app.register(mailRoutes(ctx));
  await app.register(webhookRoutes(ctx));
  await app.register(devReceiverRoutes(ctx));
  await app.register(accountRoutes(ctx));
  // Orgs sit below apps: the default landing of an org's invitations is checked by the apps side.
  await app.register(
    orgRoutes(ctx, {
      checkDefaultLanding: async (trx, orgId, landing) => {
        await checkLanding(trx, orgId, landing, { appId: 'settings.defaultAppId', returnTo: 'settings.defaultReturnTo' });
      },
    }),
  );
  await app.register(roleRoutes(ctx));
  await app.register(accessRoutes(ctx));
  await app.register(grantRoutes(ctx));
  await app.register(apiKeyRoutes(ctx));
  await app.register(appRoutes(ctx));
  await app.register(peopleRoutes(ctx));
  await app.register(invitationRoutes(ctx));
  await app.register(inviteeRoutes(ctx));
  await app.register(eventRoutes(ctx));
  await app.register(widgetRoutes(ctx));
  const oidcProvider = lazyProvider(ctx);
  app.decorate('oidcReady', async () => {
    await oidcProvider();
  });
  await app.register(oidcRoutes(ctx, oidcProvider));
  // Last: the console's catch-all must not shadow any API route.
  await app.register(webRoutes({ ...(deps.webRoot === undefined ? {} : { root: deps.webRoot }), themeCss: config.themeCss }));
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: GatehouseContext;
    /** Loads the OpenID provider's keys (made on first use otherwise); rejects with a ConfigError for a wrong SECRET_KEY. */
    oidcReady(): Promise<void>;
    /** Every registered route (filled by an onRoute hook). */
    routeList: readonly RegisteredRoute[];
  }
}
