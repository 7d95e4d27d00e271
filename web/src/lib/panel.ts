/**
 * The person's latest invitation as the person's page reads it beside the person, in the same
 * wave (GET /people/:personId/invitation, docs/rules.md R92), handed to the invitation panel so
 * it does not ask again: the invitation, or none (`outside` when there is one the user may not
 * read), or the error reading it met.
 */
import type { InvitationDetail } from '../api/types';

export interface PreloadedInvitation {
  invitation: InvitationDetail | null;
  outside: boolean;
  error: string | null;
}
