// The 80 mm slip: a sale's receipt (provisional until the sale is on the server, which
// then issues the tax invoice) and the session's Z-report. Printing shows only the slip.

import type { components } from "../api/schema";
import { formatDate, formatMoney } from "../lib/format";
import type { Applied, Totals } from "./till";

type Session = components["schemas"]["SessionView"];
type TicketView = components["schemas"]["TicketView"];

export interface ReceiptData {
  storeName: string;
  /** The store's minutes east of UTC. */
  utcOffsetMins: number;
  registerName: string;
  soldAt: string;
  totals: Totals;
  customer?: string;
  buyerGstin?: string;
  applied: Applied["applied"];
  change_minor: number;
  pricesIncludeTax: boolean;
  /** The server's answer; missing while the sale waits on the device. */
  view?: TicketView;
  ticketId: string;
}

const PRINT_CSS = `
@media print {
  @page { size: 80mm auto; margin: 3mm; }
  body * { visibility: hidden; }
  .slip, .slip * { visibility: visible; }
  .slip { position: absolute; left: 0; top: 0; width: 74mm; box-shadow: none; border: 0; }
}`;

const METHOD: Record<string, string> = { cash: "Cash", card: "Card", upi: "UPI" };

function Row({ label, minor, strong }: { label: string; minor: number; strong?: boolean }) {
  return (
    <div className={strong ? "flex justify-between font-bold" : "flex justify-between"}>
      <span>{label}</span>
      <span className="tabular-nums">{formatMoney(minor)}</span>
    </div>
  );
}

export function Receipt({ data }: { data: ReceiptData }) {
  const { totals, view } = data;
  const when = formatDate(data.soldAt, "en", true, data.utcOffsetMins);
  return (
    <article className="slip w-[80mm] max-w-full border border-slate-300 bg-white p-3 font-mono text-xs text-black shadow" aria-label="Receipt" data-testid="receipt">
      <style>{PRINT_CSS}</style>
      <h2 className="text-center text-sm font-bold">{data.storeName}</h2>
      <p className="text-center font-bold" data-testid="receipt-title">
        {view?.order.invoice_number ? "Tax Invoice" : "Provisional receipt"}
      </p>
      {view?.order.invoice_number ? (
        <p>
          Invoice <span data-testid="invoice-number">{view.order.invoice_number}</span>
          <br />
          Order {view.order.number}
        </p>
      ) : (
        <p data-testid="provisional-note">
          Sale {data.ticketId.slice(0, 8)}. The tax invoice is issued when this sale reaches the store's system; ask for it
          by this number.
        </p>
      )}
      <p>
        {when} · {data.registerName}
      </p>
      {data.customer && <p>Customer: {data.customer}</p>}
      {data.buyerGstin && <p>Buyer GSTIN: {data.buyerGstin}</p>}
      <hr className="my-1 border-dashed border-black" />
      {totals.lines.map((l) => (
        <div key={l.variant_id}>
          <p>{l.name}</p>
          <div className="flex justify-between">
            <span>
              {l.quantity} × {formatMoney(l.unit_price_minor)}
            </span>
            <span className="tabular-nums">{formatMoney(l.tax.total_minor)}</span>
          </div>
        </div>
      ))}
      <hr className="my-1 border-dashed border-black" />
      <Row label="Items" minor={totals.subtotal_minor} />
      {totals.discount_minor > 0 && <Row label="Discount" minor={-totals.discount_minor} />}
      <table className="my-1 w-full" data-testid="gst-table">
        <caption className="text-left">GST {data.pricesIncludeTax ? "(included in prices)" : ""}</caption>
        <thead>
          <tr>
            <th scope="col" className="text-left">Rate</th>
            <th scope="col" className="text-right">Taxable</th>
            <th scope="col" className="text-right">CGST</th>
            <th scope="col" className="text-right">SGST</th>
          </tr>
        </thead>
        <tbody>
          {totals.tax_rows.map((r) => (
            <tr key={r.rate_bp} data-rate={r.rate_bp}>
              <td>{r.rate_bp / 100}%</td>
              <td className="text-right tabular-nums">{formatMoney(r.taxable_minor)}</td>
              <td className="text-right tabular-nums" data-testid={`cgst-${r.rate_bp}`}>{formatMoney(r.cgst_minor)}</td>
              <td className="text-right tabular-nums" data-testid={`sgst-${r.rate_bp}`}>{formatMoney(r.sgst_minor)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Row label="Total" minor={totals.grand_total_minor} strong />
      {data.applied.map((t, i) => (
        <Row key={i} label={`${METHOD[t.kind] ?? t.kind}${t.reference ? ` ${t.reference}` : ""}`} minor={t.tendered_minor} />
      ))}
      <Row label="Change" minor={data.change_minor} strong />
      <p className="mt-2 text-center">Thank you!</p>
    </article>
  );
}

export function ZReport({ session, registerName, utcOffsetMins }: { session: Session; registerName: string; utcOffsetMins?: number }) {
  const r = session.report;
  return (
    <article className="slip w-[80mm] max-w-full border border-slate-300 bg-white p-3 font-mono text-xs text-black shadow" aria-label="Z-report" data-testid="z-report">
      <style>{PRINT_CSS}</style>
      <h2 className="text-center text-sm font-bold">Z-report · {registerName}</h2>
      <p>
        {formatDate(session.opened_at, "en", true, utcOffsetMins)} –{" "}
        {session.closed_at ? formatDate(session.closed_at, "en", true, utcOffsetMins) : ""}
      </p>
      <hr className="my-1 border-dashed border-black" />
      <div className="flex justify-between">
        <span>Sales</span>
        <span>{r.sales_count}</span>
      </div>
      <Row label="Gross sales" minor={r.gross_sales_minor} />
      <Row label="of which GST" minor={r.tax_minor} />
      <Row label="Cash" minor={r.cash_minor} />
      <Row label="Card" minor={r.card_minor} />
      <Row label="UPI" minor={r.upi_minor} />
      <hr className="my-1 border-dashed border-black" />
      <Row label="Opening float" minor={r.opening_float_minor} />
      <div data-testid="z-expected">
        <Row label="Expected cash" minor={r.expected_cash_minor} strong />
      </div>
      <div data-testid="z-counted">
        <Row label="Counted cash" minor={r.counted_cash_minor ?? 0} />
      </div>
      <div data-testid="z-variance">
        <Row label={(r.variance_minor ?? 0) < 0 ? "Short" : "Over"} minor={r.variance_minor ?? 0} strong />
      </div>
    </article>
  );
}
