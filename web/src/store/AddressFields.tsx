import type { PostalAddress } from "../api/hooks";
import { useT } from "../i18n";
import { STATES } from "../lib/states";
import { SelectField, TextField } from "../ui/Field";

export type AddressDraft = {
  name: string;
  phone: string;
  line1: string;
  line2: string;
  city: string;
  state_code: string;
  pincode: string;
};

export const emptyAddress = (state_code = ""): AddressDraft => ({
  name: "",
  phone: "",
  line1: "",
  line2: "",
  city: "",
  state_code,
  pincode: "",
});

export const PINCODE = /^[1-9]\d{5}$/;

/** The body the API takes: line2 left out when blank. */
export function toPostal(a: AddressDraft): PostalAddress {
  return {
    name: a.name,
    phone: a.phone,
    line1: a.line1,
    line2: a.line2.trim() ? a.line2 : null,
    city: a.city,
    state_code: a.state_code as PostalAddress["state_code"],
    pincode: a.pincode.trim(),
  };
}

/** What can be told before asking the server: blanks and a PIN code's shape. */
export function checkAddress(a: AddressDraft, t: (k: "form.required" | "form.pincode") => string) {
  const errors: Record<string, string> = {};
  for (const k of ["name", "phone", "line1", "city", "state_code", "pincode"] as const) {
    if (!a[k].trim()) errors[k] = t("form.required");
  }
  if (a.pincode.trim() && !PINCODE.test(a.pincode.trim())) errors.pincode = t("form.pincode");
  return errors;
}

export function AddressFields({
  value,
  onChange,
  errors,
  idPrefix,
}: {
  value: AddressDraft;
  onChange: (a: AddressDraft) => void;
  errors: Record<string, string>;
  idPrefix: string;
}) {
  const t = useT();
  const field = (k: keyof AddressDraft) => ({
    id: `${idPrefix}-${k}`,
    name: k,
    value: value[k],
    error: errors[k],
    onChange: (e: { target: { value: string } }) => onChange({ ...value, [k]: e.target.value }),
  });
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <TextField label={t("address.name")} autoComplete="name" required {...field("name")} />
      <TextField label={t("address.phone")} type="tel" autoComplete="tel" inputMode="tel" required {...field("phone")} />
      <TextField label={t("address.line1")} autoComplete="address-line1" required className="sm:col-span-2" {...field("line1")} />
      <TextField label={t("address.line2")} autoComplete="address-line2" className="sm:col-span-2" {...field("line2")} />
      <TextField label={t("address.city")} autoComplete="address-level2" required {...field("city")} />
      <TextField
        label={t("address.pincode")}
        autoComplete="postal-code"
        inputMode="numeric"
        maxLength={6}
        required
        {...field("pincode")}
      />
      <SelectField label={t("address.state")} required className="sm:col-span-2" {...field("state_code")}>
        <option value="">{t("address.chooseState")}</option>
        {STATES.map(([code, name]) => (
          <option key={code} value={code}>
            {name}
          </option>
        ))}
      </SelectField>
    </div>
  );
}
