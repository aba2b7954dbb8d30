/** The store's calendar day `days` from today (YYYY-MM-DD), by its UTC offset. */
export function storeDay(offsetMins: number, days = 0, now = Date.now()): string {
  return new Date(now + offsetMins * 60_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/** The first day of the month of `day`, `monthsBack` months earlier. */
export function monthStart(day: string, monthsBack = 0): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 - monthsBack, 1));
  return d.toISOString().slice(0, 10);
}

/** The same day of the month `monthsBack` earlier, or that month's last day. */
export function sameDayBack(day: string, monthsBack = 1): string {
  const [y, m, dd] = day.split("-").map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m - monthsBack, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 - monthsBack, Math.min(dd, last))).toISOString().slice(0, 10);
}

/** The store's local day as an instant: its midnight, by the store's UTC offset. */
export function dayStart(day: string, offsetMins: number, plusDays = 0): string {
  const midnight = Date.parse(`${day}T00:00:00Z`) - offsetMins * 60_000 + plusDays * 86_400_000;
  return new Date(midnight).toISOString();
}
