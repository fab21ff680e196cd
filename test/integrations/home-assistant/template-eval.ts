/**
 * A tiny evaluator of exactly the value templates integrations/home-assistant/templates.ts
 * emits, with Jinja's meaning for each (an attribute of an undefined value raises; `default`
 * replaces only undefined; `first` of nothing is undefined). Any other form throws, so a new
 * template shape cannot slip into the configs without being taught here first.
 */
const ID = '([A-Za-z][A-Za-z0-9]*)';
const LIT = "('(?:[A-Za-z0-9 ./:_-]|\\\\u[0-9a-f]{4}|\\\\U[0-9a-f]{8})*')";

const FORMS = {
  required: new RegExp(`^\\{\\{ value_json((?:\\.${ID.slice(1, -1)})+) \\}\\}$`),
  optional: new RegExp(`^\\{\\{ value_json\\.${ID} \\| default\\(None\\) \\}\\}$`),
  group: new RegExp(`^\\{\\{ \\(value_json\\.${ID} \\| default\\(\\{\\}\\)\\)\\.${ID} \\| default\\(None\\) \\}\\}$`),
  array: new RegExp(`^\\{\\{ \\(value_json\\.${ID} \\| default\\(\\[\\]\\) \\| selectattr\\('${ID}', 'equalto', ${LIT}\\) \\| map\\(attribute='${ID}'\\) \\| first\\) \\| default\\(None\\) \\}\\}$`),
  map: new RegExp(`^\\{\\{ \\(value_json\\.${ID} \\| default\\(\\{\\}\\)\\)\\[${LIT}\\] \\| default\\(0\\) \\}\\}$`),
};

const UNDEFINED = Symbol('undefined');
type Value = unknown;

/** A Jinja string literal of our set, decoded as Jinja's lexer does (unicode-escape). */
export function decodeLiteral(lit: string): string {
  return lit.slice(1, -1).replace(/\\u([0-9a-f]{4})|\\U([0-9a-f]{8})/g, (_m, u: string | undefined, U: string | undefined) => String.fromCodePoint(parseInt(u ?? U!, 16)));
}

function attr(obj: Value, name: string): Value {
  if (obj === UNDEFINED) throw new Error(`jinja: attribute "${name}" of an undefined value`);
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && Object.hasOwn(obj, name)) return (obj as Record<string, unknown>)[name];
  return UNDEFINED;
}

const orDefault = (v: Value, d: Value): Value => (v === UNDEFINED ? d : v);

function scalar(v: Value, template: string): string | number | boolean | null {
  if (v === UNDEFINED) throw new Error(`jinja: ${template} renders an undefined value`);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new Error(`jinja: ${template} renders a ${Array.isArray(v) ? 'list' : 'dict'}`);
}

/** Renders one of our templates against a payload: the value (null for Jinja's None); throws on any other form. */
export function renderTemplate(template: string, payload: unknown): string | number | boolean | null {
  let m: RegExpExecArray | null;
  if ((m = FORMS.required.exec(template))) {
    let v: Value = payload;
    for (const name of m[1]!.slice(1).split('.')) v = attr(v, name);
    return scalar(v, template);
  }
  if ((m = FORMS.optional.exec(template))) return scalar(orDefault(attr(payload, m[1]!), null), template);
  if ((m = FORMS.group.exec(template))) return scalar(orDefault(attr(orDefault(attr(payload, m[1]!), {}), m[2]!), null), template);
  if ((m = FORMS.array.exec(template))) {
    const list = orDefault(attr(payload, m[1]!), []);
    if (!Array.isArray(list)) throw new Error(`jinja: selectattr over a ${typeof list}`);
    const wanted = decodeLiteral(m[3]!);
    const hit = list.filter((item) => attr(item, m![2]!) === wanted).map((item) => attr(item, m![4]!))[0];
    return scalar(orDefault(hit ?? UNDEFINED, null), template);
  }
  if ((m = FORMS.map.exec(template))) {
    const map = orDefault(attr(payload, m[1]!), {});
    return scalar(orDefault(attr(map, decodeLiteral(m[2]!)), 0), template);
  }
  throw new Error(`template form not supported: ${template}`);
}
