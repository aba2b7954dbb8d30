import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus, Trash2 } from "lucide-react";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import type { Schemas } from "../api/hooks";
import { useT } from "../i18n";
import { useHead } from "../lib/head";
import { stateName } from "../lib/states";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { TextField } from "../ui/Field";
import { EmptyState, ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { AddressFields, checkAddress, emptyAddress, toPostal, type AddressDraft } from "../store/AddressFields";

type Saved = Schemas["AddressView"];

export function AddressesPage() {
  const t = useT();
  useHead(`${t("account.addresses")} | Kirana`);
  const toast = useToast();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ["addresses"], queryFn: () => call(api.GET("/api/v1/addresses")) });
  const [editing, setEditing] = useState<Saved | "new">();
  const remove = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/addresses/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["addresses"] });
      toast(t("address.deleted"));
    },
    onError: (e) => toast(e.message, "error"),
  });
  if (list.isPending) return <Skeleton className="h-48" />;
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  return (
    <div>
      <div className="mb-4 flex items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">{t("account.addresses")}</h1>
        <Button icon={<Plus aria-hidden className="size-4" />} onClick={() => setEditing("new")}>
          {t("address.add")}
        </Button>
      </div>
      {list.data.length === 0 ? (
        <EmptyState title={t("address.none")} />
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2">
          {list.data.map((a) => (
            <li key={a.id} className="rounded-xl border border-slate-200 bg-white p-4 text-sm">
              <p className="font-semibold">
                {a.label || a.name}{" "}
                {a.is_default ? <span className="ml-1 rounded-full bg-brand-100 px-2 py-0.5 text-xs text-brand-900">{t("address.default")}</span> : null}
              </p>
              <address className="mt-1 not-italic text-slate-700">
                {a.name}, {a.line1}
                {a.line2 ? `, ${a.line2}` : ""}, {a.city} {a.pincode}, {stateName(a.state_code)} · {a.phone}
              </address>
              <div className="mt-3 flex gap-2">
                <Button variant="secondary" size="sm" icon={<Pencil aria-hidden className="size-4" />} onClick={() => setEditing(a)}>
                  {t("common.edit")}
                </Button>
                <Button
                  variant="ghost"
                  size="sm"
                  icon={<Trash2 aria-hidden className="size-4" />}
                  onClick={() => {
                    if (window.confirm(t("address.deleteConfirm"))) remove.mutate(a.id);
                  }}
                >
                  {t("common.delete")}
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Dialog open={editing !== undefined} onClose={() => setEditing(undefined)} title={editing === "new" ? t("address.add") : t("address.edit")}>
        {editing !== undefined ? <AddressForm saved={editing === "new" ? undefined : editing} onDone={() => setEditing(undefined)} /> : null}
      </Dialog>
    </div>
  );
}

function AddressForm({ saved, onDone }: { saved?: Saved | undefined; onDone: () => void }) {
  const t = useT();
  const toast = useToast();
  const qc = useQueryClient();
  const [draft, setDraft] = useState<AddressDraft>(saved ? { ...saved, line2: saved.line2 ?? "" } : emptyAddress());
  const [label, setLabel] = useState(saved?.label ?? "");
  const [isDefault, setDefault] = useState(saved?.is_default ?? false);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: () => {
      const body = { ...toPostal(draft), label: label.trim() || null, is_default: isDefault };
      return saved
        ? call(api.PUT("/api/v1/addresses/{id}", { params: { path: { id: saved.id } }, body }))
        : call(api.POST("/api/v1/addresses", { body }));
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["addresses"] });
      toast(t("address.saved"));
      onDone();
    },
  });
  const errors = { ...fieldErrorsOf(save.error), ...local };
  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const found = checkAddress(draft, t);
        setLocal(found);
        if (!Object.keys(found).length) save.mutate();
      }}
    >
      <TextField label={t("address.label")} value={label} onChange={(e) => setLabel(e.target.value)} error={errors.label} hint={t("address.labelHint")} />
      <AddressFields idPrefix="addr" value={draft} onChange={setDraft} errors={errors} />
      <div className="flex items-center gap-2 text-sm">
        <input id="addr-default" type="checkbox" checked={isDefault} onChange={(e) => setDefault(e.target.checked)} className="size-4 accent-brand-700" />
        <label htmlFor="addr-default">{t("address.makeDefault")}</label>
      </div>
      <Button type="submit" busy={save.isPending}>
        {t("common.save")}
      </Button>
    </form>
  );
}
