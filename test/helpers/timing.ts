/**
 * The one allowance tests make for a busy machine. Tests assert behaviour: a deadline fired (the probe or
 * request ended with a timeout, long before the hostile peer would have let go), attempts were counted, events
 * came in order. How *precisely* a deadline fires is a figure, measured by `bench/deadline.ts` against its
 * 50 ms target, never asserted here.
 *
 * Where a test must still bound an elapsed time (to tell "the deadline fired" from "we waited for the peer"),
 * it allows this much lateness. Under `fresh-ci.sh --load` (two busy loops on two cores, vitest's workers
 * beside them) timers fired up to a few hundred ms late; 3 s keeps a margin of several times that, and every
 * peer these bounds are used with stalls far longer than deadline + margin (forever, or 200 s for a trickle).
 */
export const LOADED_MACHINE_MARGIN_MS = 3000;
