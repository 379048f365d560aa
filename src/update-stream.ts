type Pull<T> = { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };

/**
 * A push-to-pull bridge for `watcher.updates()`: the scheduler pushes, a `for await` loop pulls. Items are
 * buffered only until read; the stream ends after the final item or throws the final error.
 */
export class UpdateStream<T> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #pulls: Pull<T>[] = [];
  #done = false;
  #error: unknown = undefined;
  #failed = false;
  /** Called once when the consumer stops early (`break`, `return`), so the watcher can drop its interest. */
  onReturn: (() => void) | undefined;

  [Symbol.asyncIterator](): this {
    return this;
  }

  push(item: T): void {
    if (this.#done) return;
    const pull = this.#pulls.shift();
    if (pull) pull.resolve({ value: item, done: false });
    else this.#buffer.push(item);
  }

  end(last: T): void {
    this.push(last);
    this.#finish();
  }

  fail(error: unknown): void {
    if (this.#done) return;
    this.#failed = true;
    this.#error = error;
    this.#finish();
  }

  #finish(): void {
    this.#done = true;
    this.onReturn = undefined;
    // Readers already waiting get the end now; later reads drain the buffer first.
    if (this.#buffer.length === 0) {
      for (const pull of this.#pulls.splice(0)) this.#settleEnd(pull);
    }
  }

  #settleEnd(pull: Pull<T>): void {
    if (this.#failed) {
      this.#failed = false;
      pull.reject(this.#error);
    } else pull.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#buffer.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#done) {
      return new Promise((resolve, reject) => this.#settleEnd({ resolve, reject }));
    }
    return new Promise((resolve, reject) => this.#pulls.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    const onReturn = this.onReturn;
    this.#buffer.length = 0;
    this.#failed = false;
    this.#finish();
    onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }
}
