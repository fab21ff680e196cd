/**
 * CSV as RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180): fields separated
 * by commas, records ended by CRLF; a field holding a comma, a double quote,
 * CR or LF is enclosed in double quotes, and a double quote inside it is
 * doubled (§2.5–2.7). No CSV library is a dependency; writing is this small (the tests read it back with
 * Python's csv module, or test/helpers/csv.ts).
 */
export function csvField(value: string | number): string {
  const s = typeof value === 'number' ? String(value) : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, CRLF-terminated. */
export function csvRecord(fields: readonly (string | number)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
