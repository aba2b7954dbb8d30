// The till's arithmetic, done on the device so a sale works with no connection: the
// cart priced from the device's copy of the catalog, the discount code's rule, GST by
// the shared rule (lib/tax.ts, tested against the server's table of cases), and tenders
// applied as the server applies them (card and UPI first, then cash, whose excess is the
// change). The server recomputes every figure when the sale reaches it.

import { linesTax, type LineTax, type Supply } from "../lib/tax";
import type { components } from "../api/schema";

export type CounterCatalog = components["schemas"]["CounterCatalog"];
export type CounterItem = components["schemas"]["CounterItem"];
export type CounterDiscount = components["schemas"]["CounterDiscount"];

export interface TillLine {
  variant_id: string;
  sku: string;
  name: string;
  quantity: number;
  unit_price_minor: number;
  rate_bp: number;
  hsn: string;
}

export interface PricedLine extends TillLine {
  gross_minor: number;
  discount_minor: number;
  tax: LineTax;
}

export interface TaxRow {
  rate_bp: number;
  taxable_minor: number;
  cgst_minor: number;
  sgst_minor: number;
  igst_minor: number;
}

export interface Totals {
  lines: PricedLine[];
  subtotal_minor: number;
  discount_minor: number;
  taxable_minor: number;
  tax_minor: number;
  grand_total_minor: number;
  tax_rows: TaxRow[];
  /** Why the entered code gives nothing, if it does not apply. */
  discount_problem?: string;
}

export const MAX_QUANTITY = 10_000;

/** The item with this exact barcode or SKU (a scan), if the device knows it. */
export function findByCode(items: CounterItem[], code: string): CounterItem | undefined {
  const c = code.trim();
  if (!c) return undefined;
  return items.find((i) => i.barcode === c) ?? items.find((i) => i.sku.toLowerCase() === c.toLowerCase());
}

/** Items whose name or SKU contains every word of `q` (at most `limit`). */
export function searchItems(items: CounterItem[], q: string, limit = 8): CounterItem[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const out: CounterItem[] = [];
  for (const i of items) {
    const hay = `${i.name} ${i.sku}`.toLowerCase();
    if (words.every((w) => hay.includes(w))) out.push(i);
    if (out.length >= limit) break;
  }
  return out;
}

/** The cart with one more of `item` (or `quantity` more). */
export function addItem(lines: TillLine[], item: CounterItem, quantity = 1): TillLine[] {
  const at = lines.findIndex((l) => l.variant_id === item.variant_id);
  if (at >= 0) {
    return lines.map((l, i) => (i === at ? { ...l, quantity: Math.min(l.quantity + quantity, MAX_QUANTITY) } : l));
  }
  return [
    ...lines,
    {
      variant_id: item.variant_id,
      sku: item.sku,
      name: item.name,
      quantity: Math.min(quantity, MAX_QUANTITY),
      unit_price_minor: item.unit_price_minor,
      rate_bp: item.rate_bp,
      hsn: item.hsn,
    },
  ];
}

/** The cart with a line's quantity set; 0 removes it. */
export function setQuantity(lines: TillLine[], variantId: string, quantity: number): TillLine[] {
  const q = Math.max(0, Math.min(Math.floor(quantity), MAX_QUANTITY));
  if (q === 0) return lines.filter((l) => l.variant_id !== variantId);
  return lines.map((l) => (l.variant_id === variantId ? { ...l, quantity: q } : l));
}

/** Why `d` does not apply to goods worth `subtotal` at `now`, as the server words it. */
export function discountRefusal(d: CounterDiscount, subtotal: number, now: Date): string | undefined {
  if (d.starts_at && now < new Date(d.starts_at)) return "is not valid yet";
  if (d.ends_at && now >= new Date(d.ends_at)) return "has expired";
  if (subtotal < d.min_order_minor) return `needs an order of at least ${d.min_order_minor} (minor units)`;
  return undefined;
}

/** The discount on goods worth `subtotal`: basis points rounded half-up, or a fixed sum. */
export function discountAmount(d: CounterDiscount, subtotal: number): number {
  const raw =
    d.kind === "percent" ? Number((BigInt(subtotal) * BigInt(d.value) * 2n + 10_000n) / 20_000n) : d.value;
  return Math.max(0, Math.min(raw, Math.max(subtotal, 0)));
}

/** Prices the cart: the code's discount, GST per line, totals and the GST table. */
export function priceCart(
  lines: TillLine[],
  opts: { supply: Supply; pricesIncludeTax: boolean; discount?: CounterDiscount; code?: string; now?: Date },
): Totals {
  const gross = lines.map((l) => l.unit_price_minor * l.quantity);
  const subtotal = gross.reduce((a, b) => a + b, 0);
  let discount = 0;
  let problem: string | undefined;
  if (opts.code) {
    if (!opts.discount) problem = "is not a discount code";
    else {
      problem = discountRefusal(opts.discount, subtotal, opts.now ?? new Date());
      if (!problem) discount = discountAmount(opts.discount, subtotal);
    }
  }
  const taxed = linesTax(
    lines.map((l, i) => [gross[i] ?? 0, l.rate_bp]),
    discount,
    opts.supply,
    opts.pricesIncludeTax,
  );
  const priced: PricedLine[] = lines.map((l, i) => ({
    ...l,
    gross_minor: gross[i] ?? 0,
    discount_minor: taxed[i]?.discount_minor ?? 0,
    tax: taxed[i]!.tax,
  }));
  const rows = new Map<number, TaxRow>();
  let taxable = 0;
  let tax = 0;
  let total = 0;
  for (const p of priced) {
    taxable += p.tax.taxable_minor;
    tax += p.tax.cgst_minor + p.tax.sgst_minor + p.tax.igst_minor;
    total += p.tax.total_minor;
    const row = rows.get(p.rate_bp) ?? { rate_bp: p.rate_bp, taxable_minor: 0, cgst_minor: 0, sgst_minor: 0, igst_minor: 0 };
    row.taxable_minor += p.tax.taxable_minor;
    row.cgst_minor += p.tax.cgst_minor;
    row.sgst_minor += p.tax.sgst_minor;
    row.igst_minor += p.tax.igst_minor;
    rows.set(p.rate_bp, row);
  }
  return {
    lines: priced,
    subtotal_minor: subtotal,
    discount_minor: discount,
    taxable_minor: taxable,
    tax_minor: tax,
    grand_total_minor: total,
    tax_rows: [...rows.values()].sort((a, b) => a.rate_bp - b.rate_bp),
    discount_problem: problem,
  };
}

export type TenderKind = "cash" | "card" | "upi";

export interface Tender {
  kind: TenderKind;
  amount_minor: number;
  reference?: string;
}

export interface Applied {
  /** What each tender pays of the sale (cash: less the change). */
  applied: { kind: TenderKind; applied_minor: number; tendered_minor: number; reference?: string }[];
  change_minor: number;
  /** Still owed; the sale cannot complete while above 0. */
  owed_minor: number;
  /** Card and UPI may not pay more than is owed. */
  over_minor: number;
}

/** Card and UPI first (each at most what is still owed), then cash; its excess is change. */
export function applyTenders(total: number, tenders: Tender[]): Applied {
  let owed = total;
  let over = 0;
  const applied: Applied["applied"] = [];
  for (const t of tenders.filter((t) => t.kind !== "cash" && t.amount_minor > 0)) {
    if (t.amount_minor > owed) over += t.amount_minor - owed;
    const a = Math.min(t.amount_minor, owed);
    owed -= a;
    applied.push({ kind: t.kind, applied_minor: a, tendered_minor: t.amount_minor, reference: t.reference });
  }
  let change = 0;
  for (const t of tenders.filter((t) => t.kind === "cash" && t.amount_minor > 0)) {
    const a = Math.min(t.amount_minor, owed);
    owed -= a;
    change += t.amount_minor - a;
    applied.push({ kind: "cash", applied_minor: a, tendered_minor: t.amount_minor });
  }
  return { applied, change_minor: change, owed_minor: owed, over_minor: over };
}

/** Notes and coins a drawer is counted in, largest first (minor units). */
export const DENOMINATIONS = [200_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100];

export function countTotal(counts: Record<number, number>): number {
  return DENOMINATIONS.reduce((sum, d) => sum + d * (counts[d] ?? 0), 0);
}
