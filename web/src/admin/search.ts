// The back office's URL filters: small, so the router can read them before the screens load.
import type { Schemas } from "../api/hooks";

export const ORDER_STATUSES = [
  "pending_payment",
  "confirmed",
  "paid",
  "partially_fulfilled",
  "fulfilled",
  "partially_shipped",
  "shipped",
  "delivered",
  "completed",
  "cancelled",
  "partially_returned",
  "returned",
  "partially_refunded",
  "refunded",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrdersSearch {
  q?: string | undefined;
  status?: OrderStatus | undefined;
  channel?: "web" | "pos" | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** What the orders search accepts (the server's rule): part of a number, e-mail or phone. */
export const ORDER_QUERY = /^[A-Za-z0-9@.+ _-]{2,60}$/;
export function parseOrdersSearch(s: Record<string, unknown>): OrdersSearch {
  return {
    q: typeof s.q === "string" && ORDER_QUERY.test(s.q) ? s.q : undefined,
    status: ORDER_STATUSES.includes(s.status as OrderStatus) ? (s.status as OrderStatus) : undefined,
    channel: s.channel === "web" || s.channel === "pos" ? s.channel : undefined,
    from: typeof s.from === "string" && DAY.test(s.from) ? s.from : undefined,
    to: typeof s.to === "string" && DAY.test(s.to) ? s.to : undefined,
  };
}

export type ProductStatus = Schemas["ProductStatus"];
export const PRODUCT_STATUSES: ProductStatus[] = ["active", "draft", "archived"];

export const PRODUCT_SORTS = ["newest", "name", "price_asc", "price_desc"] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductsSearch {
  q?: string | undefined;
  status?: ProductStatus | undefined;
  category?: string | undefined;
  avail?: "in" | "out" | undefined;
  seller?: string | undefined;
  sort?: ProductSort | undefined;
}

export function parseProductsSearch(s: Record<string, unknown>): ProductsSearch {
  return {
    q: typeof s.q === "string" && s.q.trim() ? s.q : undefined,
    status: PRODUCT_STATUSES.includes(s.status as ProductStatus) ? (s.status as ProductStatus) : undefined,
    category: typeof s.category === "string" && s.category ? s.category : undefined,
    avail: s.avail === "in" || s.avail === "out" ? s.avail : undefined,
    seller: typeof s.seller === "string" && s.seller ? s.seller : undefined,
    sort: PRODUCT_SORTS.includes(s.sort as ProductSort) && s.sort !== "newest" ? (s.sort as ProductSort) : undefined,
  };
}


export const INTERVALS = ["day", "week", "month"] as const;
export const BREAKDOWNS = ["channel", "product", "variant", "seller", "payment_method"] as const;

export interface ReportsSearch {
  from?: string | undefined;
  to?: string | undefined;
  interval?: (typeof INTERVALS)[number] | undefined;
  channel?: "web" | "pos" | undefined;
  by?: (typeof BREAKDOWNS)[number] | undefined;
  month?: string | undefined;
}

export function parseReportsSearch(s: Record<string, unknown>): ReportsSearch {
  const pick = <T extends string>(v: unknown, all: readonly T[]) => (all.includes(v as T) ? (v as T) : undefined);
  return {
    from: typeof s.from === "string" && DAY.test(s.from) ? s.from : undefined,
    to: typeof s.to === "string" && DAY.test(s.to) ? s.to : undefined,
    interval: pick(s.interval, INTERVALS),
    channel: pick(s.channel, ["web", "pos"] as const),
    by: pick(s.by, BREAKDOWNS),
    month: typeof s.month === "string" && /^\d{4}-(0[1-9]|1[0-2])$/.test(s.month) ? s.month : undefined,
  };
}

export const PO_STATUS_FILTERS = ["draft", "sent", "partially_received", "received", "cancelled"] as const;
export interface PurchasingSearch {
  tab?: "orders" | "suppliers" | undefined;
  status?: (typeof PO_STATUS_FILTERS)[number] | undefined;
}

export function parsePurchasingSearch(s: Record<string, unknown>): PurchasingSearch {
  return {
    tab: s.tab === "orders" || s.tab === "suppliers" ? s.tab : undefined,
    status: PO_STATUS_FILTERS.includes(s.status as (typeof PO_STATUS_FILTERS)[number]) ? (s.status as (typeof PO_STATUS_FILTERS)[number]) : undefined,
  };
}

export const INVENTORY_TABS = ["stock", "ledger", "transfers", "count", "reorder"] as const;
export interface InventorySearch {
  tab?: (typeof INVENTORY_TABS)[number] | undefined;
  location?: string | undefined;
  variant?: string | undefined;
}

const ID = /^[0-9a-zA-Z-]{1,64}$/;
export function parseInventorySearch(s: Record<string, unknown>): InventorySearch {
  return {
    tab: INVENTORY_TABS.includes(s.tab as (typeof INVENTORY_TABS)[number]) ? (s.tab as (typeof INVENTORY_TABS)[number]) : undefined,
    location: typeof s.location === "string" && ID.test(s.location) ? s.location : undefined,
    variant: typeof s.variant === "string" && ID.test(s.variant) ? s.variant : undefined,
  };
}

export const PEOPLE_TABS = ["users", "keys", "events"] as const;
export const ROLES: Schemas["Role"][] = ["admin", "staff", "seller", "customer"];
export interface PeopleSearch {
  tab?: (typeof PEOPLE_TABS)[number] | undefined;
  q?: string | undefined;
  role?: Schemas["Role"] | undefined;
}

export function parsePeopleSearch(s: Record<string, unknown>): PeopleSearch {
  return {
    tab: PEOPLE_TABS.includes(s.tab as (typeof PEOPLE_TABS)[number]) ? (s.tab as (typeof PEOPLE_TABS)[number]) : undefined,
    q: typeof s.q === "string" && s.q.trim() ? s.q : undefined,
    role: ROLES.includes(s.role as Schemas["Role"]) ? (s.role as Schemas["Role"]) : undefined,
  };
}

export interface CatalogSetupSearch {
  tab?: "categories" | "collections" | "prices" | undefined;
}

export function parseCatalogSetupSearch(s: Record<string, unknown>): CatalogSetupSearch {
  return { tab: s.tab === "categories" || s.tab === "collections" || s.tab === "prices" ? s.tab : undefined };
}

export interface InvoicesSearch {
  kind?: "invoice" | "credit_note" | undefined;
  number?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function parseInvoicesSearch(s: Record<string, unknown>): InvoicesSearch {
  return {
    kind: s.kind === "invoice" || s.kind === "credit_note" ? s.kind : undefined,
    number: typeof s.number === "string" && /^[A-Za-z0-9/-]{1,40}$/.test(s.number) ? s.number : undefined,
    from: typeof s.from === "string" && DAY.test(s.from) ? s.from : undefined,
    to: typeof s.to === "string" && DAY.test(s.to) ? s.to : undefined,
  };
}
