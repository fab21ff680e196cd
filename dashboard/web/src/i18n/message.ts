/**
 * Fills a catalog message: `{name}` with `vars[name]`, and `{name|one|other}`
 * with the form `plural` picks for the number `vars[name]`, so a count reads
 * "1 host", "2 hosts" (and in French "0 machine", "1 machine", "2 machines")
 * instead of "host(s)". A placeholder without its variable is left as it is.
 */
export function fillMessage(text: string, vars: Readonly<Record<string, string | number>>, plural: Intl.PluralRules): string {
  return text.replace(/\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}/g, (whole, name: string, one?: string, other?: string) => {
    if (!Object.hasOwn(vars, name)) return whole;
    const value = vars[name]!;
    if (one === undefined || other === undefined) return String(value);
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) && plural.select(n) === 'one' ? one : other;
  });
}
