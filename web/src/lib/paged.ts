/**
 * A list page backed by a cursor-paginated endpoint: first page on load, "Load more" after.
 * `loading` is true until the first page arrives, so an empty state never flashes first;
 * `failed` when the first page could not be read (show the error with a retry, not "empty").
 */
import { computed, ref, type Ref } from 'vue';
import { messageOf } from '../api/api';

export interface Paged<T> {
  items: Ref<T[]>;
  loading: Ref<boolean>;
  more: Ref<boolean>;
  error: Ref<string | null>;
  failed: Readonly<Ref<boolean>>;
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
      if (mine !== generation) return;
      error.value = messageOf(e);
      // A first page that failed leaves nothing behind: the page shows the error alone, not "empty".
      if (reset) {
        items.value = [];
        more.value = false;
      }
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  const failed = computed(() => error.value !== null && items.value.length === 0);
  return { items, loading, more, error, failed, reload: () => load(true), loadMore: () => load(false) };
}
