// The import boundaries of src/ (docs/architecture.md, "Allowed imports"): no cycles between any two
// modules, and a folder imports only from folders below it in LAYERS. `npm test` runs this check
// (npm run lint:deps); a forbidden edge or a cycle fails it.
//
// Each entry is a layer, lowest first; folders in one array are siblings that must not import each other
// unless a later entry lists them in order. Tests and test helpers are outside the rule.

/** Lowest first. A module may import from its own folder and from any folder in an earlier layer. */
const LAYERS = [
  ['src/(errors|clock|config)\\.ts'],
  ['src/db/'],
  ['src/common/'],
  ['src/outbox/'],
  ['src/context\\.ts'],
  ['src/auth/'],
  ['src/http/'],
  ['src/events/'],
  ['src/mail/', 'src/webhooks/'],
  ['src/orgs/'],
  ['src/apps/'],
  ['src/people/'],
  ['src/invitations/'],
  ['src/access/'],
  ['src/widgets/'],
  ['src/account/'],
  ['src/oidc/'],
  ['src/(app|workers)\\.ts'],
  ['src/demo/'],
  ['src/main\\.ts'],
];

/** The one upward edge allowed: any module may name the AppContext *type* that buildApp hands down. */
const TYPE_ONLY_ANYWHERE = 'src/context\\.ts';

const escapeFolder = (pattern) => `^(${pattern})`;
const forbidden = [
  {
    name: 'no-circular',
    comment: 'A cycle between modules means two pieces cannot be understood, tested or loaded apart.',
    severity: 'error',
    from: { pathNot: '\\.test\\.ts$' },
    to: { circular: true },
  },
];

LAYERS.forEach((layer, index) => {
  const higher = LAYERS.slice(index + 1).flat();
  for (const folder of layer) {
    const siblings = layer.filter((other) => other !== folder);
    const targets = [...higher, ...siblings];
    if (targets.length === 0) continue;
    forbidden.push({
      name: `layer:${folder.replace(/\\/g, '')}`,
      comment: `${folder} may import only from its own folder and the layers below it.`,
      severity: 'error',
      from: { path: escapeFolder(folder), pathNot: '\\.test\\.ts$' },
      to: {
        path: targets.map(escapeFolder),
        pathNot: escapeFolder(TYPE_ONLY_ANYWHERE),
        // The context only names the types of what buildApp puts in it.
        ...(folder === TYPE_ONLY_ANYWHERE ? { dependencyTypesNot: ['type-only'] } : {}),
      },
    });
    forbidden.push({
      name: `layer:${folder.replace(/\\/g, '')}:context`,
      comment: `${folder} may name the AppContext type, never import a value from src/context.ts.`,
      severity: 'error',
      from: { path: escapeFolder(folder), pathNot: '\\.test\\.ts$' },
      to: { path: escapeFolder(TYPE_ONLY_ANYWHERE), dependencyTypesNot: ['type-only'] },
    });
  }
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.test\\.ts$|^src/test/|\\.child\\.js$)' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
