// Picking a variant for a purchase order, a transfer, a count or an adjustment: type a
// name or SKU (or scan a barcode and press Enter) and choose from the matches.
import { useEffect, useId, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useMe } from "../api/hooks";
import { can } from "./Layout";
import { at } from "./strings";

export interface PickedVariant {
  id: string;
  sku: string;
  name: string;
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Matching variants: the products found by the text, each with its live variants. */
function useVariantSearch(text: string) {
  const me = useMe();
  const q = useDebounced(text.trim(), 250);
  const mine = me.data && !can(me.data, "catalog.manage_all") ? me.data.id : undefined;
  const query = useQuery({
    queryKey: ["admin-variant-search", q, mine],
    enabled: q.length >= 2,
    queryFn: async (): Promise<PickedVariant[]> => {
      const page = await call(api.GET("/api/v1/catalog/products", { params: { query: { q, limit: 6, seller_id: mine, status: "active" } } }));
      const products = await Promise.all(
        page.items.map((p) => call(api.GET("/api/v1/catalog/products/{id}", { params: { path: { id: p.id } } }))),
      );
      const needle = q.toLowerCase();
      const out: PickedVariant[] = [];
      for (const p of products) {
        for (const v of p.variants) {
          if (v.status === "archived") continue;
          out.push({ id: v.id, sku: v.sku, name: v.title ? `${p.name} / ${v.title}` : p.name });
        }
      }
      // An exact SKU or barcode match first: that is what a scan means.
      return out.sort((a, b) => Number(b.sku.toLowerCase() === needle) - Number(a.sku.toLowerCase() === needle));
    },
  });
  // Answers for what was typed a moment ago are not offered: Enter must pick a match for
  // the text in the box (a scanner types fast and presses Enter at once).
  const current = q === text.trim();
  return { ...query, data: current ? query.data : undefined, isFetching: query.isFetching || !current };
}

export function VariantPicker({
  label,
  onPick,
  error,
  id: given,
}: {
  label: string;
  onPick: (v: PickedVariant) => void;
  error?: string | undefined;
  id?: string;
}) {
  const auto = useId();
  const id = given ?? auto;
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const found = useVariantSearch(text);
  const options = text.trim().length >= 2 ? (found.data ?? []) : [];
  const pick = (v: PickedVariant) => {
    onPick(v);
    setText("");
    setActive(0);
  };
  return (
    <div className="relative space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        role="combobox"
        aria-expanded={options.length > 0}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={options[active] ? `${id}-opt-${active}` : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        autoComplete="off"
        placeholder={at("picker.placeholder")}
        className="block h-10 w-full rounded-lg border border-slate-300 bg-white px-3 text-base sm:text-sm"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, options.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            const chosen = options[active];
            if (chosen) pick(chosen);
          } else if (e.key === "Escape") {
            setText("");
          }
        }}
      />
      {found.isFetching && text.trim().length >= 2 ? <p className="text-xs text-slate-600">{at("common.loading")}</p> : null}
      {options.length > 0 ? (
        <ul id={`${id}-list`} role="listbox" className="absolute z-20 mt-1 max-h-64 w-full overflow-y-auto rounded-lg border border-slate-200 bg-white shadow-lg">
          {options.map((v, i) => (
            <li
              key={v.id}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              className={`cursor-pointer px-3 py-2 text-sm ${i === active ? "bg-brand-50" : ""}`}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(v);
              }}
            >
              <span className="font-medium">{v.sku}</span> · {v.name}
            </li>
          ))}
        </ul>
      ) : null}
      {text.trim().length >= 2 && found.data && found.data.length === 0 ? <p className="text-xs text-slate-600">{at("picker.none")}</p> : null}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-red-700" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
