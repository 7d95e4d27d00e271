/**
 * Signing in and out. An unknown email and a wrong password give the same
 * INVALID_CREDENTIALS after the same amount of hashing work.
 */
import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { canonicalEmail } from './email.js';
import { burnPasswordCheck, verifyPassword } from './password.js';
import { createSession, type SessionMeta } from './session.repository.js';
import { findUserByEmail } from './user.repository.js';

export async function signIn(
  ctx: AppContext,
  input: { email: string; password: string },
  meta: SessionMeta,
): Promise<{ user: UserRow; token: string; expiresAt: Date }> {
  const user = await findUserByEmail(ctx.db, canonicalEmail(input.email));
  const valid =
    user?.password_hash == null
      ? await burnPasswordCheck(input.password, ctx.scryptCost)
      : await verifyPassword(input.password, user.password_hash);
  if (user === undefined || !valid) throw new AppError('INVALID_CREDENTIALS');
  if (user.status === 'disabled') throw new AppError('ACCOUNT_DISABLED');
  if (user.status !== 'active') throw new AppError('INVALID_CREDENTIALS');
  const session = await createSession(ctx.db, user.id, ctx.clock.now(), meta);
  return { user, ...session };
}
