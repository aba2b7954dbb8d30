import type { Schemas } from "../api/hooks";
import { useT } from "../i18n";
import { Money } from "../ui/Money";

/** Totals exactly as the server computed them, with GST by component. */
export function Totals({
  totals,
  gst,
  pricesIncludeTax,
  showShipping = true,
}: {
  totals: Schemas["OrderTotals"];
  gst?: Schemas["GstSplit"] | undefined;
  pricesIncludeTax: boolean;
  showShipping?: boolean;
}) {
  const t = useT();
  const rows: [string, number, string?][] = [[t("totals.subtotal"), totals.subtotal_minor]];
  if (totals.discount_minor) rows.push([t("totals.discount"), -totals.discount_minor, "discount"]);
  if (showShipping) rows.push([t("totals.shipping"), totals.shipping_minor]);
  const taxRows: [string, number][] = gst
    ? (
        [
          ["CGST", gst.cgst_minor],
          ["SGST", gst.sgst_minor],
          ["UTGST", gst.utgst_minor],
          ["IGST", gst.igst_minor],
        ] as [string, number][]
      ).filter(([, v]) => v > 0)
    : [[t("totals.gst"), totals.tax_minor]];
  return (
    <dl data-testid="totals" className="space-y-1 text-sm">
      {rows.map(([label, minor, id]) => (
        <div key={label} className="flex justify-between" data-row={id}>
          <dt className="text-slate-600">{label}</dt>
          <dd className="tabular-nums">
            <Money minor={minor} />
          </dd>
        </div>
      ))}
      {taxRows.map(([label, minor]) => (
        <div key={label} className="flex justify-between" data-row={label.toLowerCase()}>
          <dt className="text-slate-600">
            {label}
            {pricesIncludeTax ? <span className="text-xs"> ({t("totals.included")})</span> : null}
          </dt>
          <dd className="tabular-nums">
            <Money minor={minor} />
          </dd>
        </div>
      ))}
      <div className="flex justify-between border-t border-slate-200 pt-2 text-base font-semibold" data-row="grand">
        <dt>{t("totals.total")}</dt>
        <dd className="tabular-nums" data-testid="grand-total">
          <Money minor={totals.grand_total_minor} />
        </dd>
      </div>
    </dl>
  );
}
