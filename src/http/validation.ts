/**
 * How requests are validated. Query strings and path parameters arrive as text, so their
 * schemas coerce (`?limit=20` is the integer 20, `?events=a` the array `["a"]`). A JSON body
 * already carries its types, so its schema never coerces: `{"email": ["a@b.c"]}` or
 * `{"invitationTtlDays": "7"}` is 400 VALIDATION_FAILED at that field, not a quietly converted
 * value. Two Ajv instances, chosen by the part of the request being validated.
 *
 * A body is checked in full (`allErrors`), so a form learns every field that needs correcting
 * in one answer, not one at a time. Bodies are bounded by the body limit and the nesting check
 * (json-input.ts), which keeps the extra work small; query strings and parameters stop at the
 * first problem.
 */
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';

const SHARED = { removeAdditional: false, useDefaults: true } as const;

export const buildValidator: ValidatorFactory = (externalSchemas) => {
  const pool = AjvCompiler();
  const coercing = pool(externalSchemas, { customOptions: { ...SHARED, coerceTypes: 'array' } });
  const exact = pool(externalSchemas, { customOptions: { ...SHARED, coerceTypes: false, allErrors: true } });
  return (route) => (route.httpPart === 'body' ? exact(route) : coercing(route));
};
