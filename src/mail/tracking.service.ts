/**
 * Open tracking: the 1×1 pixel of an invitation email (`/t/:trackingId.gif`; the tracking id
 * is opaque and is not the token). Mail serves the pixel; what an open means is decided by
 * whoever registered the `opened` hook (the invitation lifecycle). Nothing about the answer
 * depends on it (no oracle for tracking ids).
 */
import type { MailContext } from './mail.hooks.js';

/** Returns true when the open was recorded. */
export async function recordOpen(ctx: MailContext, trackingId: string): Promise<boolean> {
  return (await ctx.mailHooks.opened?.(trackingId)) ?? false;
}
