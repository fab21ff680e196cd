import type { ChildProcess } from 'node:child_process';

/**
 * Asks a forked bench server for something over IPC and resolves with its
 * answer of the same `type`; `ready` is only awaited (the child sends it once
 * it listens). `body`'s fields go along with the question.
 */
export function request<T>(child: ChildProcess, type: string, body: Record<string, unknown> = {}): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: { type: string } & Record<string, unknown>) => {
      if (m.type === type) {
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    if (type !== 'ready') child.send({ ...body, type });
  });
}
