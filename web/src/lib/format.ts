// Money is integer paise from the server; the app shows it and never computes a price.

const inr = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR" });

export function formatMoney(minor: number): string {
  return inr.format(minor / 100);
}

const wholeRupees = new Intl.NumberFormat("en-IN", {
  style: "currency",
  currency: "INR",
  maximumFractionDigits: 0,
});

/** Round amounts (price bands, thresholds) without the paise: ₹500, ₹1,000. */
export function formatRupees(minor: number): string {
  return minor % 100 === 0 ? wholeRupees.format(minor / 100) : formatMoney(minor);
}

/** Minutes east of UTC of the store (India unless the store says otherwise). */
export const DEFAULT_UTC_OFFSET_MINS = 330;

/**
 * A date in the store's time zone (its UTC offset, as `GET /api/v1/store` gives it), in
 * the reader's language: an order placed at 01:30 in Bengaluru is dated that day wherever
 * the reader is.
 */
export function formatDate(
  iso: string,
  locale = "en",
  withTime = false,
  utcOffsetMins = DEFAULT_UTC_OFFSET_MINS,
): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const shifted = new Date(d.getTime() + utcOffsetMins * 60_000);
  return new Intl.DateTimeFormat(locale === "hi" ? "hi-IN" : "en-IN", {
    timeZone: "UTC",
    dateStyle: "medium",
    ...(withTime ? { timeStyle: "short" } : {}),
  }).format(shifted);
}

/** Rupees typed by a person ("1,299.50") as paise, or undefined when it is not a number. */
export function parseRupees(text: string): number | undefined {
  const clean = text.replace(/[,₹\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return undefined;
  const [whole, frac = ""] = clean.split(".");
  return Number(whole) * 100 + Number((frac + "00").slice(0, 2));
}

/** Paise as a form field shows them for editing: "12.50", or "40" for whole rupees. */
export function rupeesField(minor: number | null | undefined): string {
  if (minor === null || minor === undefined) return "";
  const paise = minor % 100;
  return paise === 0 ? String(minor / 100) : `${Math.floor(minor / 100)}.${String(paise).padStart(2, "0")}`;
}
