// Text from the cluster (metadata, IPs, unit contents and descriptions, states, reasons, error
// messages) is escaped before it reaches the terminal: a control character could set the
// clipboard (OSC 52), clear the screen or fake lines (kubectl's CVE-2021-25743). C0 controls,
// DEL and C1 controls are shown as visible `\xHH`, except those the caller keeps (`\n` between
// lines, `\t` between table cells). `--output json` needs none of this: JSON escapes them.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** `text` with every control character not in `keep` written as `\xHH`. */
export function escapeControls(text: string, keep = ''): string {
  return text.replace(CONTROL, (c) =>
    keep.includes(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** Escapes a line printed by fleetctl: its own line breaks and tabs are kept. */
export function escapeLine(text: string): string {
  return escapeControls(text, '\n\t');
}
