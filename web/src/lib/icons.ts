/** The console's icons: 24×24 line drawings as SVG path data, drawn by components/Icon.vue. */
export type IconName =
  | 'overview' | 'people' | 'invitations' | 'access' | 'roles' | 'settings' | 'api-keys' | 'apps' | 'webhooks' | 'audit'
  | 'orgs' | 'mailbox' | 'plus' | 'more' | 'menu' | 'close' | 'sort' | 'sort-up' | 'sort-down' | 'send' | 'alert';

export const ICON_PATHS: Record<IconName, string[]> = {
  overview: ['M3 11l9-7 9 7', 'M5 10v10h14V10', 'M10 20v-6h4v6'],
  people: ['M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1', 'M16 3.5a4 4 0 0 1 0 7.5', 'M19 14a5 5 0 0 1 3 5v2'],
  invitations: ['M3 6h18v12H3z', 'M3 7l9 6 9-6'],
  access: ['M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z', 'M9 12l2 2 4-4'],
  roles: ['M4 6h16', 'M4 12h10', 'M4 18h7', 'M17 15l2 2 3-4'],
  settings: ['M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M19 12a7 7 0 0 0-.1-1.2l2-1.6-2-3.4-2.4 1a7 7 0 0 0-2-1.2L14 3h-4l-.5 2.6a7 7 0 0 0-2 1.2l-2.4-1-2 3.4 2 1.6a7 7 0 0 0 0 2.4l-2 1.6 2 3.4 2.4-1a7 7 0 0 0 2 1.2L10 21h4l.5-2.6a7 7 0 0 0 2-1.2l2.4 1 2-3.4-2-1.6c.1-.4.1-.8.1-1.2z'],
  'api-keys': ['M8 15a4 4 0 1 1 0-8 4 4 0 0 1 0 8z', 'M12 11h9', 'M18 11v3', 'M21 11v2'],
  apps: ['M4 4h7v7H4z', 'M13 4h7v7h-7z', 'M4 13h7v7H4z', 'M13 16.5h7', 'M16.5 13v7'],
  webhooks: ['M10 13a5 5 0 0 0 7 0l3-3a5 5 0 0 0-7-7l-1 1', 'M14 11a5 5 0 0 0-7 0l-3 3a5 5 0 0 0 7 7l1-1'],
  audit: ['M6 3h9l4 4v14H6z', 'M14 3v5h5', 'M9 12h7', 'M9 16h7'],
  orgs: ['M4 21V5l8-3 8 3v16', 'M9 21v-4h6v4', 'M8 8h2', 'M14 8h2', 'M8 12h2', 'M14 12h2'],
  mailbox: ['M3 13l3-8h12l3 8v6H3z', 'M3 13h5l1 2h6l1-2h5'],
  plus: ['M12 5v14', 'M5 12h14'],
  more: ['M5 12h.01', 'M12 12h.01', 'M19 12h.01'],
  menu: ['M4 6h16', 'M4 12h16', 'M4 18h16'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  sort: ['M8 9l4-4 4 4', 'M8 15l4 4 4-4'],
  'sort-up': ['M8 14l4-4 4 4'],
  'sort-down': ['M8 10l4 4 4-4'],
  send: ['M4 12l16-8-6 16-2-6z', 'M12 14l8-10'],
  alert: ['M12 3l10 18H2z', 'M12 10v5', 'M12 18h.01'],
};

