// Invoices and credit notes: every document the store issued, newest first, found by part
// of its number, its kind and the days it was issued in; each opens to print or as a PDF.
import { useState } from "react";
import { Link, getRouteApi } from "@tanstack/react-router";
import { useInfiniteQuery } from "@tanstack/react-query";
import { FileDown, Printer } from "lucide-react";
import { api } from "../api/client";
import { call } from "../api/problem";
import { useStoreInfo } from "../api/hooks";
import { buttonClass } from "../ui/Button";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { ErrorState } from "../ui/States";
import { dayStart } from "./dates";
import { RequirePermission } from "./Layout";
import { at } from "./strings";
import type { InvoicesSearch } from "./search";

const route = getRouteApi("/admin/invoices");
const NUMBER = /^[A-Za-z0-9/-]{1,40}$/;

export function Invoices() {
  return (
    <RequirePermission permission="orders.read_all">
      <InvoiceList />
    </RequirePermission>
  );
}

function InvoiceList() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const store = useStoreInfo();
  const offset = store.data?.utc_offset_mins ?? 330;
  const [text, setText] = useState(search.number ?? "");
  const [error, setError] = useState<string | undefined>();
  const set = (patch: Partial<InvoicesSearch>) => void navigate({ search: (prev) => ({ ...prev, ...patch }) });
  const query = {
    kind: search.kind,
    number: search.number,
    from: search.from ? dayStart(search.from, offset) : undefined,
    to: search.to ? dayStart(search.to, offset, 1) : undefined,
    limit: 50,
  };
  const docs = useInfiniteQuery({
    queryKey: ["admin-invoices", query],
    queryFn: ({ pageParam }) => call(api.GET("/api/v1/invoices", { params: { query: { ...query, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: Boolean(store.data),
  });
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{at("docs.title")}</h1>
      <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
        <form
          role="search"
          className="min-w-48 flex-1"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const n = text.trim();
            if (n && !NUMBER.test(n)) return setError(at("docs.badNumber"));
            setError(undefined);
            set({ number: n || undefined });
          }}
        >
          <TextField
            label={at("docs.search")}
            type="search"
            data-search
            value={text}
            onChange={(e) => setText(e.target.value)}
            error={error}
            hint={at("docs.searchHint")}
          />
        </form>
        <SelectField label={at("docs.kind")} value={search.kind ?? ""} onChange={(e) => set({ kind: (e.target.value || undefined) as InvoicesSearch["kind"] })}>
          <option value="">{at("docs.both")}</option>
          <option value="invoice">{at("docs.invoices")}</option>
          <option value="credit_note">{at("docs.creditNotes")}</option>
        </SelectField>
        <TextField type="date" label={at("pay.from")} value={search.from ?? ""} onChange={(e) => set({ from: e.target.value || undefined })} />
        <TextField type="date" label={at("pay.to")} value={search.to ?? ""} onChange={(e) => set({ to: e.target.value || undefined })} />
      </div>
      {docs.isError ? (
        <ErrorState error={docs.error} onRetry={() => void docs.refetch()} />
      ) : (
        <DataTable
          caption={at("docs.title")}
          loading={docs.isPending}
          rows={docs.data?.pages.flatMap((p) => p.items) ?? []}
          rowKey={(d) => d.id}
          empty={at("docs.none")}
          hasMore={docs.hasNextPage}
          loadingMore={docs.isFetchingNextPage}
          onLoadMore={() => void docs.fetchNextPage()}
          columns={[
            {
              key: "number",
              header: at("docs.number"),
              cell: (d) => (
                <>
                  <span className="font-mono font-semibold">{d.number}</span>
                  {d.kind === "credit_note" ? (
                    <span className="block text-xs text-red-800">
                      {at("docs.creditNote")}
                      {d.reference_invoice ? ` · ${at("docs.against", { number: d.reference_invoice })}` : ""}
                    </span>
                  ) : null}
                </>
              ),
            },
            { key: "issued", header: at("docs.issued"), cell: (d) => <DateText iso={d.issued_at} /> },
            {
              key: "order",
              header: at("pay.order"),
              cell: (d) => (
                <Link to="/admin/orders/$id" params={{ id: d.order_id }} className="font-medium text-brand-800 underline">
                  {d.order_number}
                </Link>
              ),
            },
            {
              key: "buyer",
              header: at("docs.buyer"),
              cell: (d) => (
                <>
                  {d.buyer_name}
                  {d.buyer_gstin ? <span className="block font-mono text-xs text-slate-600">{d.buyer_gstin}</span> : null}
                </>
              ),
            },
            {
              key: "total",
              header: at("docs.total"),
              align: "right",
              cell: (d) => <Money minor={d.kind === "credit_note" ? -d.grand_total_minor : d.grand_total_minor} className={d.kind === "credit_note" ? "text-red-800" : ""} />,
            },
            {
              key: "open",
              header: <span className="sr-only">{at("docs.open")}</span>,
              cell: (d) => (
                <span className="flex gap-2">
                  <a href={`/api/v1/invoices/${d.id}.html`} target="_blank" rel="noreferrer" className={buttonClass("secondary", "sm")} aria-label={at("docs.print", { number: d.number })}>
                    <Printer aria-hidden className="size-4" /> {at("docs.printShort")}
                  </a>
                  <a href={`/api/v1/invoices/${d.id}.pdf`} target="_blank" rel="noreferrer" className={buttonClass("secondary", "sm")} aria-label={at("docs.pdf", { number: d.number })}>
                    <FileDown aria-hidden className="size-4" /> PDF
                  </a>
                </span>
              ),
            },
          ]}
        />
      )}
    </div>
  );
}
