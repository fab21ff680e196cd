/** A node of the topic tree: one topic level. */
interface Level<P> {
  packet?: P;
  children?: Map<string, Level<P>>;
}

/**
 * The broker's retained messages, in a tree of topic levels, so a
 * subscription finds its retained messages by walking the levels its filter
 * names instead of testing every retained topic. aedes-persistence tests
 * every one for every filter of every SUBSCRIBE: with 5,000 agents holding
 * five retained topics each and subscribing to five filters on every
 * connection, a reconnection storm made ~600 million topic comparisons, and
 * was most of the broker's CPU at 5,000 agents (a CPU profile of
 * bench/pipeline, issue 16). Matching is the live delivery's
 * (broker/message-queue.ts): `+` is exactly one level, an empty one included
 * (MQTT 3.1.1 §4.7.1.3; aedes-persistence's scan skipped empty levels, so a
 * retained `a//b` reached `a/+/b` live but not on subscribing); `#` is zero
 * levels or more. Topics starting with `$` are left to Aedes, which keeps
 * them from wildcard filters when it delivers [MQTT-4.7.2-1].
 */
export class RetainedIndex<P extends { topic: string }> {
  private readonly root: Level<P> = {};
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Stores `packet` as the retained message of its topic; returns the one it replaced. */
  set(packet: P): P | undefined {
    let node = this.root;
    for (const word of packet.topic.split('/')) {
      node.children ??= new Map();
      let next = node.children.get(word);
      if (next === undefined) node.children.set(word, (next = {}));
      node = next;
    }
    const replaced = node.packet;
    if (replaced === undefined) this.count += 1;
    node.packet = packet;
    return replaced;
  }

  /** Forgets the retained message of `topic`, and the levels only it used; returns it. */
  delete(topic: string): P | undefined {
    const path: Array<[Level<P>, string]> = [];
    let node: Level<P> | undefined = this.root;
    for (const word of topic.split('/')) {
      const next: Level<P> | undefined = node.children?.get(word);
      if (next === undefined) return undefined;
      path.push([node, word]);
      node = next;
    }
    const removed = node.packet;
    if (removed === undefined) return undefined;
    delete node.packet;
    this.count -= 1;
    // Prune from the leaf up while a level holds nothing.
    for (let i = path.length - 1; i >= 0; i -= 1) {
      const [parent, word] = path[i]!;
      const child = parent.children!.get(word)!;
      if (child.packet !== undefined || (child.children !== undefined && child.children.size > 0)) break;
      parent.children!.delete(word);
    }
    return removed;
  }

  /**
   * The retained messages whose topics match the subscription filter
   * `pattern`. Walked with a stack, not recursion: a topic may have thousands
   * of levels (its length is bounded by broker.maxPacketSize only).
   */
  *match(pattern: string): Generator<P> {
    const words = pattern.split('/');
    const todo: Array<[Level<P>, number]> = [[this.root, 0]];
    while (todo.length > 0) {
      const [node, i] = todo.pop()!;
      if (i === words.length) {
        if (node.packet !== undefined) yield node.packet;
        continue;
      }
      const word = words[i]!;
      if (word === '#') {
        // `#` is last in a valid filter (Aedes refuses others) and matches zero levels too: this node and all below.
        const below: Array<Level<P>> = [node];
        while (below.length > 0) {
          const n = below.pop()!;
          if (n.packet !== undefined) yield n.packet;
          if (n.children !== undefined) for (const child of n.children.values()) below.push(child);
        }
      } else if (word === '+') {
        if (node.children !== undefined) for (const child of node.children.values()) todo.push([child, i + 1]);
      } else {
        const child = node.children?.get(word);
        if (child !== undefined) todo.push([child, i + 1]);
      }
    }
  }
}
