// Money is integer paise from the server; the app shows it and never computes a price.

const inr = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR" });

export function formatMoney(minor: number): string {
  return inr.format(minor / 100);
}

/** Dates in the store's time zone (India), in the reader's language. */
export function formatDate(iso: string, locale = "en-IN", withTime = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale === "hi" ? "hi-IN" : "en-IN", {
    timeZone: STORE_TIME_ZONE,
    dateStyle: "medium",
    ...(withTime ? { timeStyle: "short" } : {}),
  }).format(d);
}

export const STORE_TIME_ZONE = "Asia/Kolkata";

/** Rupees typed by a person ("1,299.50") as paise, or undefined when it is not a number. */
export function parseRupees(text: string): number | undefined {
  const clean = text.replace(/[,₹\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return undefined;
  const [whole, frac = ""] = clean.split(".");
  return Number(whole) * 100 + Number((frac + "00").slice(0, 2));
}
