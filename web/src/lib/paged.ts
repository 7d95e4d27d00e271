/**
 * A list page backed by a cursor-paginated endpoint: first page on load, "Load more" after.
 * `loading` is true until the first page arrives, so an empty state never flashes first.
 */
import { ref, type Ref } from 'vue';
import { messageOf } from '../api/api';

export interface Paged<T> {
  items: Ref<T[]>;
  loading: Ref<boolean>;
  more: Ref<boolean>;
  error: Ref<string | null>;
  reload(): Promise<void>;
  loadMore(): Promise<void>;
}

export function usePaged<T>(fetch: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>): Paged<T> {
  const items = ref<T[]>([]) as Ref<T[]>;
  const loading = ref(true);
  const more = ref(false);
  const error = ref<string | null>(null);
  let cursor: string | null = null;
  let generation = 0;

  async function load(reset: boolean): Promise<void> {
    const mine = reset ? ++generation : generation;
    if (reset) loading.value = true;
    error.value = null;
    try {
      const page = await fetch(reset ? undefined : (cursor ?? undefined));
      if (mine !== generation) return;
      items.value = reset ? page.items : [...items.value, ...page.items];
      cursor = page.nextCursor ?? null;
      more.value = cursor !== null;
    } catch (e) {
      if (mine === generation) error.value = messageOf(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return { items, loading, more, error, reload: () => load(true), loadMore: () => load(false) };
}
