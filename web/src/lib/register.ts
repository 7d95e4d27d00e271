/** What a newcomer fills in to create their account from an invitation (docs/rules.md R12), empty. */
export interface RegisterForm {
  firstName: string;
  lastName: string;
  password: string;
  acceptTerms: boolean;
}

export function emptyRegisterForm(): RegisterForm {
  return { firstName: '', lastName: '', password: '', acceptTerms: false };
}
