/**
 * Shared pieces of every email: escaping, a header-safe subject, and one HTML layout built
 * from tables and inline styles (what Outlook, Gmail and Apple Mail all render the same way).
 *
 * Contract for template authors: every value that did not come from this file goes through
 * `escapeHtml` before it reaches the HTML part, and through `subjectLine` before it reaches the
 * subject. Links come only from the email's data, which callers build from PUBLIC_URL.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * A subject line can carry no line breaks or other control characters (header injection),
 * and is kept short; the caller never puts inviter-written text in it.
 */
export function subjectLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** Plain text of a value that was a single line (org names and the like). */
export function oneLine(value: string): string {
  return subjectLine(value);
}

/** The inviter's own words, quoted: in text as `> ` lines, in HTML escaped with line breaks. */
export function quoteText(message: string): string {
  return message
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

export function quoteHtml(message: string): string {
  const body = escapeHtml(message.replace(/\r\n?/g, '\n')).replaceAll('\n', '<br>');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:16px 0;">
<tr><td style="border-left:4px solid #d0d7de;padding:8px 16px;color:#444444;font-size:15px;line-height:22px;font-style:italic;">${body}</td></tr>
</table>`;
}

export function paragraph(html: string): string {
  return `<p style="margin:0 0 16px 0;font-size:16px;line-height:24px;color:#1f2328;">${html}</p>`;
}

export function small(html: string): string {
  return `<p style="margin:16px 0 0 0;font-size:13px;line-height:20px;color:#656d76;">${html}</p>`;
}

/** A button that is a real link (bulletproof: a table cell with a background, no images). */
export function button(href: string, label: string): string {
  const url = escapeHtml(href);
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:24px 0;">
<tr><td align="center" bgcolor="#1f6feb" style="border-radius:6px;">
<a href="${url}" target="_blank" style="display:inline-block;padding:12px 24px;font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px;">${escapeHtml(label)}</a>
</td></tr>
</table>
${small(`Or paste this link into your browser:<br><a href="${url}" style="color:#1f6feb;word-break:break-all;">${url}</a>`)}`;
}

export interface LayoutOptions {
  /** Shown in the inbox preview; escaped here. */
  preheader: string;
  /** HTML built from the helpers above (already escaped). */
  body: string;
  /** An open-tracking pixel URL, or null for none. */
  trackingPixelUrl?: string | null;
}

export function layout(options: LayoutOptions): string {
  const pixel =
    options.trackingPixelUrl === null || options.trackingPixelUrl === undefined
      ? ''
      : `<img src="${escapeHtml(options.trackingPixelUrl)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;">`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
</head>
<body style="margin:0;padding:0;background-color:#f6f8fa;">
<div style="display:none;max-height:0;overflow:hidden;">${escapeHtml(options.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f6f8fa;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;border:1px solid #d0d7de;border-radius:8px;">
<tr><td style="padding:32px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;">
${options.body}
</td></tr>
</table>
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;">
<tr><td style="padding:16px 32px;font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;color:#8c959f;text-align:center;">Sent by Gatehouse</td></tr>
</table>
${pixel}
</td></tr>
</table>
</body>
</html>
`;
}

/** Formats an ISO timestamp as a date people read (UTC, so every reader sees the same day). */
export function readableDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}
