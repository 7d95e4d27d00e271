/**
 * The API's `User`: `{ id, email, firstName, lastName, status, emailVerifiedAt, termsAcceptedAt,
 * createdAt, isInstanceAdmin }` (the console shows instance-admin pages by the flag). The
 * password hash never leaves through here.
 */
import { Type } from 'typebox';
import type { UserRow } from '../db/schema.js';
import { component } from '../common/component.js';

const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const UserComponent = component(
  'User',
  Type.Object({
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    status: Type.Union([Type.Literal('invited'), Type.Literal('active'), Type.Literal('disabled')]),
    emailVerifiedAt: Timestamp,
    termsAcceptedAt: Timestamp,
    createdAt: Type.String({ format: 'date-time' }),
    isInstanceAdmin: Type.Boolean(),
  }),
);
export const UserSchema = UserComponent.ref;

export function presentUser(row: UserRow) {
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    status: row.status,
    emailVerifiedAt: row.email_verified_at?.toISOString() ?? null,
    termsAcceptedAt: row.terms_accepted_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    isInstanceAdmin: row.is_instance_admin,
  };
}

export function displayName(row: Pick<UserRow, 'first_name' | 'last_name' | 'email'>): string {
  const name = `${row.first_name} ${row.last_name}`.trim();
  return name === '' ? row.email : name;
}
