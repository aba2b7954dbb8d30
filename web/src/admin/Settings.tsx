// Store settings: who the store is on its invoices (name, legal name, GSTIN, state,
// address), how it numbers them, cash on delivery, price display and the default
// low-stock threshold. Saved in the database; the server checks them as it checks the
// configuration and the next invoice uses them.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import { keys, type Schemas } from "../api/hooks";
import { STATES } from "../lib/states";
import { Button } from "../ui/Button";
import { SelectField, TextArea, TextField } from "../ui/Field";
import { DateText } from "../ui/Money";
import { ErrorState, Skeleton } from "../ui/States";
import { useToast } from "../ui/Toast";
import { RequirePermission } from "./Layout";
import { at } from "./strings";

type Profile = Schemas["ProfileInput"];

export function Settings() {
  return (
    <RequirePermission permission="settings.manage">
      <SettingsScreen />
    </RequirePermission>
  );
}

function SettingsScreen() {
  const current = useQuery({
    queryKey: ["admin-settings"],
    queryFn: () => call(api.GET("/api/v1/settings/store")),
  });
  if (current.isError) return <ErrorState error={current.error} onRetry={() => void current.refetch()} />;
  if (!current.data) return <Skeleton className="h-96" />;
  return <SettingsForm key={current.data.updated_at ?? "config"} view={current.data} />;
}

function SettingsForm({ view }: { view: Schemas["ProfileView"] }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [form, setForm] = useState({
    name: view.settings.name,
    legal_name: view.settings.legal_name ?? "",
    gstin: view.settings.gstin ?? "",
    registration: view.settings.registration ?? "",
    state_code: view.settings.state_code,
    address: view.settings.address.join("\n"),
    invoice_series: view.settings.invoice_series,
    cod_enabled: view.settings.cod_enabled,
    prices_include_tax: view.settings.prices_include_tax,
    low_stock_threshold: view.settings.low_stock_threshold === null || view.settings.low_stock_threshold === undefined ? "" : String(view.settings.low_stock_threshold),
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (patch: Partial<typeof form>) => setForm((f) => ({ ...f, ...patch }));
  const save = useMutation({
    mutationFn: (body: Profile) => call(api.PUT("/api/v1/settings/store", { body })),
    onSuccess: (next) => {
      setErrors({});
      qc.setQueryData(["admin-settings"], next);
      // The store's public answer may sit in the browser's cache for a minute: fetch it
      // past the cache so every screen shows the new name now.
      void call(api.GET("/api/v1/store", { cache: "reload" })).then((info) => qc.setQueryData(keys.store, info));
      toast(at("settings.saved"));
    },
    onError: (e) => {
      const fields = fieldErrorsOf(e);
      setErrors(fields);
      if (Object.keys(fields).length === 0) toast(e.message, "error");
    },
  });
  return (
    <form
      noValidate
      className="mx-auto max-w-3xl space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const threshold = form.low_stock_threshold.trim();
        if (threshold && !/^\d+$/.test(threshold)) return setErrors({ low_stock_threshold: at("product.badNumber") });
        save.mutate({
          name: form.name,
          legal_name: form.legal_name,
          gstin: form.gstin,
          registration: (form.registration || null) as Profile["registration"],
          state_code: form.state_code,
          address: form.address.split("\n"),
          invoice_series: form.invoice_series,
          cod_enabled: form.cod_enabled,
          prices_include_tax: form.prices_include_tax,
          low_stock_threshold: threshold ? Number(threshold) : null,
        });
      }}
    >
      <div>
        <h1 className="text-2xl font-bold">{at("settings.title")}</h1>
        <p className="text-sm text-slate-600" data-testid="settings-source">
          {view.source === "database" && view.updated_at ? (
            <>
              {at("settings.savedAt")} <DateText iso={view.updated_at} withTime />
            </>
          ) : (
            at("settings.fromConfig")
          )}
        </p>
      </div>
      <section className="grid gap-4 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-2">
        <h2 className="text-lg font-semibold sm:col-span-2">{at("settings.identity")}</h2>
        <TextField label={at("settings.name")} value={form.name} onChange={(e) => set({ name: e.target.value })} error={errors.name} required />
        <TextField
          label={at("settings.legalName")}
          hint={at("settings.legalNameHint")}
          value={form.legal_name}
          onChange={(e) => set({ legal_name: e.target.value })}
          error={errors.legal_name}
        />
        <TextField
          label="GSTIN"
          value={form.gstin}
          onChange={(e) => set({ gstin: e.target.value.toUpperCase() })}
          error={errors.gstin}
          hint={at("settings.gstinHint")}
          autoComplete="off"
        />
        <SelectField label={at("settings.registration")} value={form.registration} onChange={(e) => set({ registration: e.target.value })} error={errors.registration}>
          <option value="">{at("settings.registrationAuto")}</option>
          <option value="regular">{at("settings.regular")}</option>
          <option value="composition">{at("settings.composition")}</option>
          <option value="unregistered">{at("settings.unregistered")}</option>
        </SelectField>
        <SelectField label={at("settings.state")} value={form.state_code} onChange={(e) => set({ state_code: e.target.value })} error={errors.state_code}>
          {STATES.map(([code, name]) => (
            <option key={code} value={code}>
              {name} ({code})
            </option>
          ))}
        </SelectField>
        <TextArea
          label={at("settings.address")}
          hint={at("settings.addressHint")}
          rows={3}
          value={form.address}
          onChange={(e) => set({ address: e.target.value })}
          error={errors.address ?? Object.entries(errors).find(([k]) => k.startsWith("address["))?.[1]}
          className="sm:col-span-2"
        />
      </section>
      <section className="grid gap-4 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-2">
        <h2 className="text-lg font-semibold sm:col-span-2">{at("settings.selling")}</h2>
        <TextField
          label={at("settings.series")}
          hint={at("settings.seriesHint")}
          value={form.invoice_series}
          onChange={(e) => set({ invoice_series: e.target.value.toUpperCase() })}
          error={errors.invoice_series}
          maxLength={4}
        />
        <TextField
          label={at("settings.lowStock")}
          hint={at("settings.lowStockHint")}
          inputMode="numeric"
          value={form.low_stock_threshold}
          onChange={(e) => set({ low_stock_threshold: e.target.value })}
          error={errors.low_stock_threshold}
        />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="size-4" checked={form.cod_enabled} onChange={(e) => set({ cod_enabled: e.target.checked })} />
          {at("settings.cod")}
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="size-4" checked={form.prices_include_tax} onChange={(e) => set({ prices_include_tax: e.target.checked })} />
          {at("settings.inclusive")}
        </label>
      </section>
      {errors.body ? (
        <p className="text-sm text-red-700" role="alert">
          {errors.body}
        </p>
      ) : null}
      <div className="flex justify-end">
        <Button type="submit" busy={save.isPending}>
          {at("settings.save")}
        </Button>
      </div>
    </form>
  );
}
