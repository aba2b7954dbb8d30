import type { ReactNode } from "react";
import { ArrowDown, ArrowUp, ArrowUpDown } from "lucide-react";
import { useT } from "../i18n";
import { Button } from "./Button";
import { EmptyState, Skeleton } from "./States";
import { ScrollX } from "./ScrollX";

export interface Column<T> {
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Set when the server can sort by this column. */
  sortable?: boolean;
  align?: "left" | "right";
}

export interface Sort {
  key: string;
  dir: "asc" | "desc";
}

/**
 * A table of server rows with cursor paging ("load more") and server-side sorting: the
 * caller owns the query; this draws it.
 */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  sort,
  onSort,
  hasMore,
  loadingMore,
  onLoadMore,
  loading,
  empty,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  sort?: Sort | undefined;
  onSort?: (sort: Sort) => void;
  hasMore?: boolean;
  loadingMore?: boolean;
  onLoadMore?: () => void;
  loading?: boolean;
  empty?: ReactNode;
}) {
  const t = useT();
  if (!loading && rows.length === 0) return <EmptyState title={empty ?? t("common.nothingHere")} />;
  return (
    <ScrollX label={caption} className="rounded-xl border border-slate-200">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const aria = active ? (sort?.dir === "asc" ? "ascending" : "descending") : undefined;
              return (
                <th key={c.key} scope="col" aria-sort={aria} className={c.align === "right" ? "px-3 py-2 text-right" : "px-3 py-2"}>
                  {c.sortable && onSort ? (
                    <button
                      type="button"
                      className="inline-flex items-center gap-1 font-semibold hover:text-slate-900"
                      onClick={() => onSort({ key: c.key, dir: active && sort?.dir === "asc" ? "desc" : "asc" })}
                    >
                      {c.header}
                      {active ? (
                        sort?.dir === "asc" ? <ArrowUp aria-hidden className="size-3" /> : <ArrowDown aria-hidden className="size-3" />
                      ) : (
                        <ArrowUpDown aria-hidden className="size-3 opacity-50" />
                      )}
                    </button>
                  ) : (
                    <span className="font-semibold">{c.header}</span>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {loading
            ? Array.from({ length: 5 }, (_, i) => (
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c.key} className="px-3 py-3">
                      <Skeleton className="h-4 w-24" />
                    </td>
                  ))}
                </tr>
              ))
            : rows.map((row) => (
                <tr key={rowKey(row)} className="hover:bg-slate-50">
                  {columns.map((c) => (
                    <td key={c.key} className={c.align === "right" ? "px-3 py-2 text-right tabular-nums" : "px-3 py-2"}>
                      {c.cell(row)}
                    </td>
                  ))}
                </tr>
              ))}
        </tbody>
      </table>
      {hasMore && onLoadMore ? (
        <div className="border-t border-slate-200 p-3 text-center">
          <Button variant="secondary" busy={loadingMore ?? false} onClick={onLoadMore}>
            {t("common.loadMore")}
          </Button>
        </div>
      ) : null}
    </ScrollX>
  );
}
