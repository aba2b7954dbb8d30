// CSV import and export of the catalog. An import is always checked first (a dry run
// that writes nothing and names every bad cell); only a file that passes can be applied.
import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { useQueryClient } from "@tanstack/react-query";
import { Download, FileCheck2, Upload } from "lucide-react";
import { ApiError } from "../api/problem";
import { upload } from "../api/upload";
import type { Schemas } from "../api/hooks";
import { Button, buttonClass } from "../ui/Button";
import { DataTable } from "../ui/Table";
import { useToast } from "../ui/Toast";
import { at } from "./strings";

type Summary = Schemas["ImportSummary"];

export interface BadCell {
  row: number | null;
  column: string;
  message: string;
}

/** `rows[3].price_minor` → row 3, column price_minor; other fields (the header) keep their name. */
export function badCells(errors: { field: string; message: string }[]): BadCell[] {
  return errors
    .map((e) => {
      const m = /^rows\[(\d+)\](?:\.(.+))?$/.exec(e.field);
      return m ? { row: Number(m[1]), column: m[2] ?? "", message: e.message } : { row: null, column: e.field, message: e.message };
    })
    .sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || a.column.localeCompare(b.column));
}

type Phase =
  | { kind: "idle" }
  | { kind: "sending"; progress: number; dryRun: boolean }
  | { kind: "checked"; summary: Summary }
  | { kind: "bad"; cells: BadCell[]; detail: string }
  | { kind: "imported"; summary: Summary };

export function ProductImport() {
  const toast = useToast();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const send = async (dryRun: boolean) => {
    if (!file) return;
    setPhase({ kind: "sending", progress: 0, dryRun });
    try {
      const summary = await upload<Summary>(
        "POST",
        `/api/v1/catalog/import${dryRun ? "?dry_run=true" : ""}`,
        file,
        "text/csv",
        (progress) => setPhase({ kind: "sending", progress, dryRun }),
      );
      if (dryRun) {
        setPhase({ kind: "checked", summary });
      } else {
        setPhase({ kind: "imported", summary });
        void qc.invalidateQueries({ queryKey: ["admin-products"] });
        toast(at("import.done", { rows: summary.rows }));
      }
    } catch (e) {
      if (e instanceof ApiError) {
        setPhase({ kind: "bad", cells: badCells(e.problem.errors ?? []), detail: e.message });
      } else {
        setPhase({ kind: "idle" });
        toast(e instanceof Error ? e.message : String(e), "error");
      }
    }
  };
  const summaryText = (s: Summary) =>
    at(s.dry_run ? "import.wouldDo" : "import.did", {
      rows: s.rows,
      pc: s.products_created,
      pu: s.products_updated,
      vc: s.variants_created,
      vu: s.variants_updated,
    });
  return (
    <div className="mx-auto max-w-4xl space-y-4">
      <Link to="/admin/products" search={{}} className="text-sm text-brand-800 underline">
        ← {at("products.title")}
      </Link>
      <h1 className="text-2xl font-bold">{at("products.import")}</h1>
      <section className="space-y-2 rounded-xl border border-slate-200 bg-white p-4">
        <h2 className="text-lg font-semibold">{at("import.export")}</h2>
        <p className="text-sm text-slate-700">{at("import.exportHint")}</p>
        <a href="/api/v1/catalog/export" download="products.csv" className={buttonClass("secondary")}>
          <Download aria-hidden className="size-4" /> {at("import.download")}
        </a>
      </section>
      <section className="space-y-3 rounded-xl border border-slate-200 bg-white p-4">
        <h2 className="text-lg font-semibold">{at("import.title")}</h2>
        <p className="text-sm text-slate-700">{at("import.hint")}</p>
        <div className="space-y-1">
          <label htmlFor="csv-file" className="block text-sm font-medium">
            {at("import.file")}
          </label>
          <input
            id="csv-file"
            type="file"
            accept=".csv,text/csv"
            className="block w-full text-sm"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setPhase({ kind: "idle" });
            }}
          />
          {file ? <p className="text-xs text-slate-600">{at("import.size", { name: file.name, kb: Math.max(1, Math.round(file.size / 1024)) })}</p> : null}
        </div>
        <div className="flex flex-wrap gap-2">
          <Button
            icon={<FileCheck2 aria-hidden className="size-4" />}
            disabled={!file || phase.kind === "sending"}
            busy={phase.kind === "sending" && phase.dryRun}
            onClick={() => void send(true)}
          >
            {at("import.check")}
          </Button>
          <Button
            variant={phase.kind === "checked" ? "primary" : "secondary"}
            icon={<Upload aria-hidden className="size-4" />}
            disabled={phase.kind !== "checked"}
            busy={phase.kind === "sending" && !phase.dryRun}
            onClick={() => void send(false)}
          >
            {at("import.apply")}
          </Button>
        </div>
        {phase.kind === "sending" ? (
          <div className="space-y-1" role="status">
            <progress className="w-full" max={1} value={phase.progress < 1 ? phase.progress : undefined} aria-label={at("import.progress")} />
            <p className="text-sm text-slate-700">{phase.progress < 1 ? at("import.uploading", { pct: Math.round(phase.progress * 100) }) : at("import.checking")}</p>
          </div>
        ) : null}
        {phase.kind === "checked" ? (
          <p className="rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900" role="status">
            {summaryText(phase.summary)}
          </p>
        ) : null}
        {phase.kind === "imported" ? (
          <p className="rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900" role="status">
            {summaryText(phase.summary)}
          </p>
        ) : null}
        {phase.kind === "bad" ? (
          <div className="space-y-2">
            <p className="rounded-lg bg-red-50 p-3 text-sm text-red-900" role="alert">
              {at("import.bad", { n: phase.cells.length })} {phase.cells.length === 0 ? phase.detail : ""}
            </p>
            {phase.cells.length > 0 ? (
              <DataTable
                caption={at("import.badCells")}
                rows={phase.cells}
                rowKey={(c) => `${c.row}-${c.column}-${c.message}`}
                columns={[
                  { key: "row", header: at("import.row"), align: "right", cell: (c) => c.row ?? "—" },
                  { key: "column", header: at("import.column"), cell: (c) => <code>{c.column || "—"}</code> },
                  { key: "message", header: at("import.message"), cell: (c) => c.message },
                ]}
              />
            ) : null}
          </div>
        ) : null}
      </section>
    </div>
  );
}
