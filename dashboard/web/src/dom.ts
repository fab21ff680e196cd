/**
 * Tiny DOM helpers. Data only ever reaches the page through textContent and
 * attributes set by name: never innerHTML, so nothing a host reports can
 * inject markup.
 */
type Child = Node | string | null | undefined | false;
type Listeners = Partial<{ [E in keyof HTMLElementEventMap]: (ev: HTMLElementEventMap[E]) => void }>;
type Attrs = { on?: Listeners; [name: string]: string | number | boolean | null | undefined | Listeners };

/** Creates an element with attributes, listeners (`on`) and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (name === 'on') {
        for (const [event, cb] of Object.entries(value as object)) el.addEventListener(event, cb as EventListener);
      } else if (value === true) el.setAttribute(name, '');
      else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces every child of `el`. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** Sets text only when it changed (keeps the DOM quiet during live updates). */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** A view owns a DOM subtree and its timers/listeners; destroy() releases them. */
export interface View {
  el: HTMLElement;
  destroy(): void;
}
