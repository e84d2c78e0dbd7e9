// Human-readable durations and percentages for reports and reasons. Pure.

function trimNumber(x: number, decimals: number): string {
  // toFixed then drop trailing zeros: 43.20 → "43.2", 12.0 → "12".
  const s = x.toFixed(decimals);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/**
 * Minutes → "0.25 min", "43.2 min", "3 h 36 min", "1 d 2 h". Under an hour: minutes with up to one
 * decimal (two under one minute); under a day: whole hours and minutes; from a day on: days and whole
 * hours. Rounding happens before splitting, so 239.7 min is "4 h", not "3 h 60 min". Negative durations
 * get a leading "-"; NaN/±Infinity give "n/a".
 */
export function formatDuration(minutes: number): string {
  if (typeof minutes !== "number" || !Number.isFinite(minutes)) return "n/a";
  if (minutes < 0) {
    const s = formatDuration(-minutes);
    return s === "0 min" ? s : `-${s}`;
  }
  if (minutes < 1) return `${trimNumber(minutes, 2)} min`;
  if (Number(minutes.toFixed(1)) < 60) return `${trimNumber(minutes, 1)} min`;
  const totalMinutes = Math.round(minutes);
  if (totalMinutes < 24 * 60) {
    const h = Math.floor(totalMinutes / 60);
    const m = totalMinutes % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const totalHours = Math.round(minutes / 60);
  const d = Math.floor(totalHours / 24);
  const h = totalHours % 24;
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** Ratio → percent with a fixed number of decimals: formatPercent(0.999, 2) = "99.90 %"; null/NaN → "n/a". */
export function formatPercent(ratio: number | null | undefined, digits = 2): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "n/a";
  return `${(ratio * 100).toFixed(digits)} %`;
}
