/**
 * Every area's authorization matrix. A new area adds its table here (see types.ts).
 */
import { APP_MATRIX } from './apps.js';
import { INVITATION_MATRIX } from './invitations.js';
import { API_KEY_MATRIX, ORG_MATRIX } from './orgs.js';
import { PEOPLE_MATRIX } from './people.js';
import { WEBHOOK_MATRIX } from './webhooks.js';
import { WIDGET_MATRIX } from './widgets.js';
import type { MatrixEntry } from './types.js';

export const MATRIX: readonly MatrixEntry[] = [...ORG_MATRIX, ...API_KEY_MATRIX, ...PEOPLE_MATRIX, ...WEBHOOK_MATRIX, ...INVITATION_MATRIX, ...APP_MATRIX, ...WIDGET_MATRIX];

export * from './types.js';
