/**
 * Child process for the cross-process LocalObjectStore test:
 * `node --import tsx local-worker.ts <dir> <markKey> <counterKey> <increments> <startAtMs>` prints one JSON line.
 * All workers wait for the same start instant so that their writes really overlap.
 */
import { LocalObjectStore, markOnce, StateStore } from "../../packages/core/src/store/index.js";

const [dir, markKey, counterKey, increments, startAt] = process.argv.slice(2);
const store = new LocalObjectStore({ dir: dir! });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const marked = await markOnce(store, markKey!, `${process.pid}`);
const state = new StateStore<{ n: number }>(store);
let attempts = 0;
for (let i = 0; i < Number(increments); i++) {
  // A conflict means another worker's write succeeded, so one worker can lose at most 3 x 25 times: 100
  // attempts always suffice, however the scheduler orders the four processes.
  const r = await state.readModifyWrite(counterKey!, (p) => ({ n: (p?.n ?? 0) + 1 }), { maxAttempts: 100 });
  attempts += r.attempts;
}
process.stdout.write(`${JSON.stringify({ pid: process.pid, marked, attempts })}\n`);
