// Shipping zones: where the store delivers (states, PIN code prefixes and ranges) and what
// each delivery method there costs (flat, by weight slabs, by order value), with the
// free-shipping threshold and cash on delivery; and a check of what an address would pay.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, Trash2 } from "lucide-react";
import { api } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import type { Schemas } from "../api/hooks";
import { parseRupees, rupeesField } from "../lib/format";
import { STATES, stateName } from "../lib/states";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextField } from "../ui/Field";
import { Money } from "../ui/Money";
import { DataTable } from "../ui/Table";
import { EmptyState, ErrorState } from "../ui/States";
import { useToast } from "../ui/Toast";
import { RequirePermission } from "./Layout";
import { at } from "./strings";

type Zone = Schemas["ZoneView"];
type Rule = Schemas["RateRule"];
type PinRule = Schemas["PinRule"];
type Errors = Record<string, string>;

/** "560, 562100-562199" → PIN rules; the text that is not one is returned as `bad`. */
export function parsePins(text: string): { rules: PinRule[]; bad: string[] } {
  const rules: PinRule[] = [];
  const bad: string[] = [];
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const range = /^(\d{6})-(\d{6})$/.exec(part);
    if (range) rules.push({ from: range[1] ?? "", to: range[2] ?? "" });
    else if (/^\d{1,6}$/.test(part)) rules.push({ prefix: part });
    else bad.push(part);
  }
  return { rules, bad };
}

export function pinsText(rules: PinRule[] | undefined): string {
  return (rules ?? []).map((r) => ("prefix" in r ? r.prefix : `${r.from}-${r.to}`)).join(", ");
}

interface SlabDraft {
  upTo: string;
  amount: string;
}

interface RuleDraft {
  name: string;
  kind: "flat" | "weight" | "value";
  amount: string;
  slabs: SlabDraft[];
  extraPerKg: string;
  freeAbove: string;
  cod: boolean;
  codSurcharge: string;
}

function ruleDraft(r?: Rule): RuleDraft {
  if (!r) return { name: "Standard", kind: "flat", amount: "", slabs: [], extraPerKg: "", freeAbove: "", cod: true, codSurcharge: "" };
  return {
    name: r.name,
    kind: r.kind,
    amount: r.kind === "flat" ? rupeesField(r.amount_minor) : "",
    slabs:
      r.kind === "weight"
        ? r.slabs.map((s) => ({ upTo: String(s.up_to_grams), amount: rupeesField(s.amount_minor) }))
        : r.kind === "value"
          ? r.slabs.map((s) => ({ upTo: rupeesField(s.up_to_minor), amount: rupeesField(s.amount_minor) }))
          : [],
    extraPerKg: r.kind === "weight" && r.extra_per_kg_minor ? rupeesField(r.extra_per_kg_minor) : "",
    freeAbove: r.free_above_minor ? rupeesField(r.free_above_minor) : "",
    cod: r.cod_available ?? true,
    codSurcharge: r.cod_surcharge_minor ? rupeesField(r.cod_surcharge_minor) : "",
  };
}

/** The rule a draft describes; problems go into `errors` under `rates[i].…`. */
function ruleOf(d: RuleDraft, i: number, errors: Errors): Rule {
  const p = `rates[${i}].`;
  const money = (text: string, field: string, required = false): number | null => {
    if (!text.trim()) {
      if (required) errors[p + field] = at("product.required");
      return null;
    }
    const v = parseRupees(text);
    if (v === undefined) errors[p + field] = at("product.badAmount");
    return v ?? null;
  };
  const common = {
    name: d.name.trim(),
    free_above_minor: money(d.freeAbove, "free_above_minor"),
    cod_available: d.cod,
    cod_surcharge_minor: money(d.codSurcharge, "cod_surcharge_minor") ?? 0,
  };
  if (d.kind === "flat") return { ...common, kind: "flat", amount_minor: money(d.amount, "amount_minor", true) ?? 0 };
  if (d.kind === "weight") {
    return {
      ...common,
      kind: "weight",
      extra_per_kg_minor: money(d.extraPerKg, "extra_per_kg_minor"),
      slabs: d.slabs.map((s, j) => {
        if (!/^\d+$/.test(s.upTo.trim())) errors[`${p}slabs[${j}].up_to_grams`] = at("product.badNumber");
        return { up_to_grams: Number(s.upTo), amount_minor: money(s.amount, `slabs[${j}].amount_minor`, true) ?? 0 };
      }),
    };
  }
  return {
    ...common,
    kind: "value",
    slabs: d.slabs.map((s, j) => ({
      up_to_minor: money(s.upTo, `slabs[${j}].up_to_minor`, true) ?? 0,
      amount_minor: money(s.amount, `slabs[${j}].amount_minor`, true) ?? 0,
    })),
  };
}

export function Shipping() {
  return (
    <RequirePermission permission="shipping.manage">
      <ShippingScreen />
    </RequirePermission>
  );
}

function ShippingScreen() {
  const zones = useQuery({ queryKey: ["admin-zones"], queryFn: () => call(api.GET("/api/v1/shipping/zones")) });
  const [editing, setEditing] = useState<Zone | "new" | null>(null);
  const area = (z: Zone) => {
    const states = z.area.states?.length ? z.area.states.map(stateName).join(", ") : at("ship.allIndia");
    const pins = pinsText(z.area.pincodes);
    return pins ? `${states} · PIN ${pins}` : states;
  };
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">{at("ship.title")}</h1>
        <Button icon={<Plus aria-hidden className="size-4" />} onClick={() => setEditing("new")}>
          {at("ship.new")}
        </Button>
      </div>
      {zones.isError ? <ErrorState error={zones.error} onRetry={() => void zones.refetch()} /> : null}
      <DataTable
        caption={at("ship.title")}
        loading={zones.isPending}
        rows={zones.data ?? []}
        rowKey={(z) => z.id}
        empty={at("ship.none")}
        columns={[
          {
            key: "name",
            header: at("ship.zone"),
            cell: (z) => (
              <button type="button" className="font-semibold text-brand-800 underline" onClick={() => setEditing(z)}>
                {z.name}
              </button>
            ),
          },
          { key: "area", header: at("ship.area"), cell: (z) => <span className="text-xs">{area(z)}</span> },
          { key: "rates", header: at("ship.methods"), cell: (z) => z.rates.map((r) => r.name).join(", ") },
          { key: "pos", header: at("ship.position"), align: "right", cell: (z) => z.position },
          { key: "active", header: at("po.status"), cell: (z) => (z.active ? at("disc.on") : at("disc.off.state")) },
        ]}
      />
      <RateCheck />
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={editing === "new" ? at("ship.new") : (editing?.name ?? "")}>
        {editing ? <ZoneForm key={editing === "new" ? "new" : editing.id} zone={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} /> : null}
      </Dialog>
    </div>
  );
}

function ZoneForm({ zone, onDone }: { zone?: Zone | undefined; onDone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(zone?.name ?? "");
  const [active, setActive] = useState(zone?.active ?? true);
  const [position, setPosition] = useState(String(zone?.position ?? 0));
  const [states, setStates] = useState<string[]>(zone?.area.states ?? []);
  const [pins, setPins] = useState(pinsText(zone?.area.pincodes));
  const [rules, setRules] = useState<RuleDraft[]>(zone ? zone.rates.map(ruleDraft) : [ruleDraft()]);
  const [errors, setErrors] = useState<Errors>({});
  const [deleting, setDeleting] = useState(false);
  const changed = () => void qc.invalidateQueries({ queryKey: ["admin-zones"] });
  const save = useMutation({
    mutationFn: (body: Schemas["ZoneInput"]) =>
      zone ? call(api.PUT("/api/v1/shipping/zones/{id}", { params: { path: { id: zone.id } }, body })) : call(api.POST("/api/v1/shipping/zones", { body })),
    onSuccess: (z) => {
      changed();
      toast(at("ship.saved", { name: z.name }));
      onDone();
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  const remove = useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/shipping/zones/{id}", { params: { path: { id: zone?.id ?? "" } } })),
    onSuccess: () => {
      changed();
      toast(at("ship.deleted"));
      onDone();
    },
    onError: (e) => toast(e.message, "error"),
  });
  const setRule = (i: number, patch: Partial<RuleDraft>) => setRules((all) => all.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const errs: Errors = {};
        const { rules: pincodes, bad } = parsePins(pins);
        if (bad.length) errs["area.pincodes"] = at("ship.badPins", { bad: bad.join(", ") });
        if (!/^\d+$/.test(position.trim())) errs.position = at("product.badNumber");
        const rates = rules.map((r, i) => ruleOf(r, i, errs));
        setErrors(errs);
        if (Object.keys(errs).length) return;
        save.mutate({ name: name.trim(), active, position: Number(position), area: { country: "IN", states, pincodes }, rates });
      }}
    >
      <div className="grid gap-3 sm:grid-cols-[1fr_8rem]">
        <TextField label={at("ship.zoneName")} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
        <TextField label={at("ship.position")} hint={at("ship.positionHint")} inputMode="numeric" value={position} onChange={(e) => setPosition(e.target.value)} error={errors.position} />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4" checked={active} onChange={(e) => setActive(e.target.checked)} />
        {at("ship.active")}
      </label>
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">{at("ship.states")}</legend>
        <p className="text-xs text-slate-600">{at("ship.statesHint")}</p>
        <div className="grid max-h-40 grid-cols-1 overflow-y-auto rounded-lg border border-slate-300 p-2 sm:grid-cols-2">
          {STATES.map(([code, label]) => (
            <label key={code} className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                className="size-4"
                checked={states.includes(code)}
                onChange={(e) => setStates((all) => (e.target.checked ? [...all, code] : all.filter((c) => c !== code)))}
              />
              {label}
            </label>
          ))}
        </div>
        {errors["area.states"] ? (
          <p className="text-sm text-red-700" role="alert">
            {errors["area.states"]}
          </p>
        ) : null}
      </fieldset>
      <TextField
        label={at("ship.pins")}
        hint={at("ship.pinsHint")}
        value={pins}
        onChange={(e) => setPins(e.target.value)}
        error={errors["area.pincodes"] ?? Object.entries(errors).find(([k]) => k.startsWith("area.pincodes["))?.[1]}
      />
      <div className="space-y-3">
        <div className="flex items-center justify-between">
          <h3 className="font-semibold">{at("ship.methods")}</h3>
          <Button size="sm" variant="secondary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setRules((all) => [...all, ruleDraft()])}>
            {at("ship.addMethod")}
          </Button>
        </div>
        {errors.rates ? (
          <p className="text-sm text-red-700" role="alert">
            {errors.rates}
          </p>
        ) : null}
        {rules.map((r, i) => {
          const p = `rates[${i}].`;
          return (
            <fieldset key={i} className="space-y-3 rounded-lg border border-slate-200 p-3">
              <legend className="px-1 text-sm font-semibold">{r.name || at("ship.method", { n: i + 1 })}</legend>
              <div className="grid gap-3 sm:grid-cols-3">
                <TextField label={at("ship.methodName")} value={r.name} onChange={(e) => setRule(i, { name: e.target.value })} error={errors[p + "name"]} />
                <SelectField label={at("ship.charge")} value={r.kind} onChange={(e) => setRule(i, { kind: e.target.value as RuleDraft["kind"], slabs: [] })}>
                  <option value="flat">{at("ship.flat")}</option>
                  <option value="weight">{at("ship.byWeight")}</option>
                  <option value="value">{at("ship.byValue")}</option>
                </SelectField>
                {r.kind === "flat" ? (
                  <TextField label={at("ship.amount")} inputMode="decimal" value={r.amount} onChange={(e) => setRule(i, { amount: e.target.value })} error={errors[p + "amount_minor"]} />
                ) : r.kind === "weight" ? (
                  <TextField
                    label={at("ship.extraPerKg")}
                    inputMode="decimal"
                    value={r.extraPerKg}
                    onChange={(e) => setRule(i, { extraPerKg: e.target.value })}
                    error={errors[p + "extra_per_kg_minor"]}
                  />
                ) : (
                  <span className="hidden sm:block" />
                )}
              </div>
              {r.kind !== "flat" ? (
                <div className="space-y-2">
                  {r.slabs.map((s, j) => (
                    <div key={j} className="grid items-end gap-2 sm:grid-cols-[1fr_1fr_auto]">
                      <TextField
                        label={r.kind === "weight" ? at("ship.upToGrams") : at("ship.upToRupees")}
                        inputMode="decimal"
                        value={s.upTo}
                        onChange={(e) => setRule(i, { slabs: r.slabs.map((x, k) => (k === j ? { ...x, upTo: e.target.value } : x)) })}
                        error={errors[`${p}slabs[${j}].${r.kind === "weight" ? "up_to_grams" : "up_to_minor"}`]}
                      />
                      <TextField
                        label={at("ship.amount")}
                        inputMode="decimal"
                        value={s.amount}
                        onChange={(e) => setRule(i, { slabs: r.slabs.map((x, k) => (k === j ? { ...x, amount: e.target.value } : x)) })}
                        error={errors[`${p}slabs[${j}].amount_minor`]}
                      />
                      <Button variant="ghost" aria-label={at("ship.removeSlab", { n: j + 1 })} onClick={() => setRule(i, { slabs: r.slabs.filter((_, k) => k !== j) })}>
                        <Trash2 aria-hidden className="size-4" />
                      </Button>
                    </div>
                  ))}
                  {errors[p + "slabs"] ? (
                    <p className="text-sm text-red-700" role="alert">
                      {errors[p + "slabs"]}
                    </p>
                  ) : null}
                  <Button size="sm" variant="ghost" icon={<Plus aria-hidden className="size-4" />} onClick={() => setRule(i, { slabs: [...r.slabs, { upTo: "", amount: "" }] })}>
                    {at("ship.addSlab")}
                  </Button>
                </div>
              ) : null}
              <div className="grid gap-3 sm:grid-cols-3">
                <TextField
                  label={at("ship.freeAbove")}
                  inputMode="decimal"
                  value={r.freeAbove}
                  onChange={(e) => setRule(i, { freeAbove: e.target.value })}
                  error={errors[p + "free_above_minor"]}
                />
                <TextField
                  label={at("ship.codSurcharge")}
                  inputMode="decimal"
                  value={r.codSurcharge}
                  onChange={(e) => setRule(i, { codSurcharge: e.target.value })}
                  error={errors[p + "cod_surcharge_minor"]}
                  disabled={!r.cod}
                />
                <label className="flex items-center gap-2 self-end pb-2 text-sm">
                  <input type="checkbox" className="size-4" checked={r.cod} onChange={(e) => setRule(i, { cod: e.target.checked })} />
                  {at("ship.cod")}
                </label>
              </div>
              {rules.length > 1 ? (
                <Button size="sm" variant="ghost" onClick={() => setRules((all) => all.filter((_, j) => j !== i))}>
                  {at("ship.removeMethod")}
                </Button>
              ) : null}
            </fieldset>
          );
        })}
      </div>
      {errors.area ? (
        <p className="text-sm text-red-700" role="alert">
          {errors.area}
        </p>
      ) : null}
      <div className="flex flex-wrap justify-between gap-2">
        {zone ? (
          <Button variant="danger" onClick={() => setDeleting(true)}>
            {at("ship.delete")}
          </Button>
        ) : (
          <span />
        )}
        <div className="flex gap-2">
          <Button variant="secondary" onClick={onDone}>
            {at("common.cancel")}
          </Button>
          <Button type="submit" busy={save.isPending}>
            {at("ship.save")}
          </Button>
        </div>
      </div>
      <Dialog open={deleting} onClose={() => setDeleting(false)} title={at("ship.delete")}>
        <p className="mb-4">{at("ship.deleteConfirm", { name: zone?.name ?? "" })}</p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setDeleting(false)}>
            {at("common.keep")}
          </Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => remove.mutate()}>
            {at("ship.delete")}
          </Button>
        </div>
      </Dialog>
    </form>
  );
}

/** What an address would pay: the options checkout would offer there. */
function RateCheck() {
  const [state, setState] = useState("29");
  const [pincode, setPincode] = useState("");
  const [weight, setWeight] = useState("1000");
  const [value, setValue] = useState("");
  const [cod, setCod] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const check = useMutation({
    mutationFn: (query: { state_code: string; pincode: string; weight_grams?: number; value_minor?: number; cod: boolean }) =>
      call(api.GET("/api/v1/shipping/rates", { params: { query } })),
    onSuccess: () => setErrors({}),
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <section className="space-y-3 rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="rate-check">
      <h2 id="rate-check" className="text-lg font-semibold">
        {at("ship.check")}
      </h2>
      <form
        noValidate
        className="grid items-end gap-3 sm:grid-cols-3 lg:grid-cols-6"
        onSubmit={(e) => {
          e.preventDefault();
          const errs: Errors = {};
          const minor = value.trim() ? parseRupees(value) : undefined;
          if (value.trim() && minor === undefined) errs.value_minor = at("product.badAmount");
          if (weight.trim() && !/^\d+$/.test(weight.trim())) errs.weight_grams = at("product.badNumber");
          setErrors(errs);
          if (Object.keys(errs).length) return;
          check.mutate({
            state_code: state,
            pincode: pincode.trim(),
            ...(weight.trim() ? { weight_grams: Number(weight) } : {}),
            ...(minor !== undefined ? { value_minor: minor } : {}),
            cod,
          });
        }}
      >
        <SelectField label={at("settings.state")} value={state} onChange={(e) => setState(e.target.value)} error={errors.state_code}>
          {STATES.map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </SelectField>
        <TextField label={at("ship.pincode")} inputMode="numeric" value={pincode} onChange={(e) => setPincode(e.target.value)} error={errors.pincode} />
        <TextField label={at("ship.weight")} inputMode="numeric" value={weight} onChange={(e) => setWeight(e.target.value)} error={errors.weight_grams} />
        <TextField label={at("ship.value")} inputMode="decimal" value={value} onChange={(e) => setValue(e.target.value)} error={errors.value_minor} />
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input type="checkbox" className="size-4" checked={cod} onChange={(e) => setCod(e.target.checked)} />
          {at("ship.cod")}
        </label>
        <Button type="submit" busy={check.isPending}>
          {at("ship.checkButton")}
        </Button>
      </form>
      {check.data ? (
        check.data.length === 0 ? (
          <EmptyState title={at("ship.noDelivery")} />
        ) : (
          <ul className="divide-y divide-slate-200 text-sm" data-testid="rate-options">
            {check.data.map((o) => (
              <li key={o.method} className="flex justify-between py-2">
                <span>
                  {o.name}
                  {o.free ? ` · ${at("ship.freeShipping")}` : ""}
                  {o.cod_surcharge_minor ? (
                    <>
                      {" "}
                      · {at("ship.incCod")} <Money minor={o.cod_surcharge_minor} />
                    </>
                  ) : null}
                </span>
                <Money minor={o.amount_minor} />
              </li>
            ))}
          </ul>
        )
      ) : null}
    </section>
  );
}
