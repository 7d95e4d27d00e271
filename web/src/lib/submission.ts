/**
 * One form's submission state: `busy` while its request runs, then the API's message and
 * field errors when it fails (shown by Alert and Field). `attempt` resets them and runs the work.
 */
import { ref } from 'vue';
import { fieldsOf, messageOf, type FieldErrors } from '../api/api';

export function useSubmission() {
  const busy = ref(false);
  const error = ref<string | null>(null);
  const fields = ref<FieldErrors>({});

  /** Runs `work` with the messages cleared; on failure shows the API's message and field errors. */
  async function attempt(work: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = null;
    fields.value = {};
    try {
      await work();
    } catch (e) {
      error.value = messageOf(e);
      fields.value = fieldsOf(e);
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, fields, attempt };
}
