/**
 * The demo's cast: a veterinary group with three clinics,
 * and 30 people spread over every access status.
 */
export const DEMO_ORG = 'Riverside Veterinary Group';
export const DEMO_PASSWORD = 'gatehouse-demo';
export const DEMO_ADMIN = { email: 'admin@riverside.example', firstName: 'Rita', lastName: 'Riverside' };
export const DEMO_RESOURCES = ['Downtown Clinic', 'Northside Clinic', 'Harbor Animal Hospital'] as const;
export const DEMO_ROLE = {
  key: 'front_desk',
  name: 'Front desk',
  // Two of Gatehouse's own permissions and one of the portal's (checked through /access/check).
  permissions: ['people:read', 'invitations:read', 'appointments:write'],
};

export type DemoState = 'not_invited' | 'invited' | 'opened' | 'clicked' | 'registered' | 'expired' | 'revoked' | 'declined' | 'failed';

export interface DemoPerson {
  firstName: string;
  lastName: string;
  email: string;
  title: string;
  location: (typeof DEMO_RESOURCES)[number] | null;
  /** Where the invitation grants access: the person's location, or the whole group. */
  scope: 'location' | 'org';
  role: string;
  state: DemoState;
  message?: string;
}

type Row = [first: string, last: string, title: string, location: DemoPerson['location'], role: string, state: DemoState, scope?: 'org'];

const ROWS: Row[] = [
  ['Maya', 'Okafor', 'Practice manager', null, 'admin', 'registered', 'org'],
  ['Daniel', 'Kim', 'Veterinarian', 'Downtown Clinic', 'member', 'registered'],
  ['Sofia', 'Rossi', 'Veterinary nurse', 'Downtown Clinic', 'member', 'registered'],
  ['Liam', 'Walsh', 'Receptionist', 'Downtown Clinic', 'front_desk', 'registered'],
  ['Aisha', 'Bello', 'Veterinarian', 'Northside Clinic', 'member', 'registered'],
  ['Tomás', 'García', 'Clinic lead', 'Harbor Animal Hospital', 'admin', 'registered'],
  ['Hannah', 'Schmidt', 'Veterinarian', 'Northside Clinic', 'member', 'invited'],
  ['Omar', 'Haddad', 'Veterinary nurse', 'Harbor Animal Hospital', 'member', 'invited'],
  ['Chloe', 'Martin', 'Receptionist', 'Northside Clinic', 'front_desk', 'invited'],
  ['Ethan', 'Brooks', 'Locum veterinarian', 'Downtown Clinic', 'member', 'invited'],
  ['Priya', 'Nair', 'Veterinarian', 'Harbor Animal Hospital', 'member', 'opened'],
  ['Lucas', 'Dubois', 'Veterinary nurse', 'Northside Clinic', 'member', 'opened'],
  ['Emma', 'Novak', 'Receptionist', 'Harbor Animal Hospital', 'front_desk', 'opened'],
  ['Noah', 'Jensen', 'Veterinarian', 'Downtown Clinic', 'member', 'clicked'],
  ['Zara', 'Ahmed', 'Veterinary nurse', 'Harbor Animal Hospital', 'member', 'clicked'],
  ['Oliver', 'Byrne', 'Kennel assistant', 'Northside Clinic', 'viewer', 'clicked'],
  ['Grace', 'Lee', 'Veterinarian', 'Northside Clinic', 'member', 'expired'],
  ['Mateo', 'Silva', 'Veterinary nurse', 'Downtown Clinic', 'member', 'expired'],
  ['Ines', 'Costa', 'Receptionist', 'Harbor Animal Hospital', 'front_desk', 'expired'],
  ['Jack', 'Murphy', 'Locum veterinarian', 'Harbor Animal Hospital', 'member', 'revoked'],
  ['Leah', 'Cohen', 'Veterinary nurse', 'Northside Clinic', 'member', 'revoked'],
  ['Samuel', 'Osei', 'Veterinarian', 'Downtown Clinic', 'member', 'declined'],
  ['Ava', 'Petrov', 'Veterinary nurse', 'Northside Clinic', 'member', 'failed'],
  ['Ben', 'Turner', 'Veterinarian', 'Harbor Animal Hospital', 'member', 'not_invited'],
  ['Mia', 'Andersen', 'Veterinary nurse', 'Downtown Clinic', 'member', 'not_invited'],
  ['Yusuf', 'Demir', 'Kennel assistant', 'Harbor Animal Hospital', 'member', 'not_invited'],
  ['Lily', 'Chen', 'Receptionist', 'Downtown Clinic', 'member', 'not_invited'],
  ['Felix', 'Wagner', 'Veterinarian', 'Northside Clinic', 'member', 'not_invited'],
  ['Nina', 'Horvat', 'Bookkeeper', null, 'member', 'not_invited'],
  ['Ruth', 'Mensah', 'Veterinary nurse', 'Northside Clinic', 'member', 'not_invited'],
];

function ascii(text: string): string {
  return text.normalize('NFD').replace(/[^a-zA-Z]/g, '').toLowerCase();
}

export const DEMO_PEOPLE: DemoPerson[] = ROWS.map(([firstName, lastName, title, location, role, state, scope]) => ({
  firstName,
  lastName,
  title,
  location,
  role,
  state,
  scope: scope ?? (location === null ? 'org' : 'location'),
  // The one failed delivery goes to a domain the demo transport bounces.
  email: `${ascii(firstName)}.${ascii(lastName)}@${state === 'failed' ? 'bounce.invalid' : 'riverside.example'}`,
  ...(state === 'invited' && role === 'member' ? { message: `Welcome to the team at ${location ?? 'Riverside'}! Set up your account before your first shift.` } : {}),
}));

/**
 * The demo's resource-scoped admin (the owner of one resource): the lead of one
 * clinic, with no access anywhere else in the group. `gatehouse demo` prints this sign-in too.
 */
export const DEMO_CLINIC_LEAD = (() => {
  const lead = DEMO_PEOPLE.find((p) => p.scope === 'location' && p.role === 'admin' && p.state === 'registered');
  if (lead?.location == null) throw new Error('demo: the cast needs a registered admin of one clinic');
  return { email: lead.email, firstName: lead.firstName, lastName: lead.lastName, location: lead.location };
})();

/** An API key of the group's scheduling system: it reads who has access and invites. */
export const DEMO_API_KEY = {
  name: 'Scheduling system',
  permissions: ['org:read', 'members:read', 'people:read', 'invitations:read', 'invitations:manage'],
};

/**
 * What the demo's webhook endpoint (the service's own dev receiver, R93) subscribes to: every
 * event, so the invitations' timelines show in its delivery log.
 */
export const DEMO_WEBHOOK_EVENTS = ['*'];

/** The app the group's staff sign in to (an OpenID Connect client on the local machine). */
export const DEMO_APP = {
  name: 'Riverside Scheduling',
  type: 'confidential',
  redirectUris: ['http://localhost:4000/callback'],
};
