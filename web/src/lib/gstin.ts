// A GSTIN as the server checks it (src/contracts/gst.rs): 15 characters, a state code, a
// PAN, a registration number and the mod-36 check character. The till checks it before
// attaching it to a sale, since an offline sale reaches the server only later.

import { STATES } from "./states";

const BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The check character of a GSTIN's first 14 characters. */
export function gstinCheckChar(first14: string): string | undefined {
  if (first14.length !== 14) return undefined;
  let sum = 0;
  for (let i = 0; i < 14; i += 1) {
    const value = BASE36.indexOf(first14[i] ?? "");
    if (value < 0) return undefined;
    const product = value * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return BASE36[(36 - (sum % 36)) % 36];
}

/** What is wrong with `raw` as a GSTIN, in the server's words; undefined when it is one. */
export function gstinProblem(raw: string): string | undefined {
  const g = raw.trim().toUpperCase();
  if (!/^[A-Z0-9]{15}$/.test(g)) return "must be 15 letters and digits";
  if (!STATES.some(([code]) => code === g.slice(0, 2))) return "must start with a known two-digit GST state code";
  if (!/^[A-Z]{5}[0-9]{4}[A-Z]$/.test(g.slice(2, 12))) return "characters 3 to 12 must be a PAN (5 letters, 4 digits, a letter)";
  if (g[12] === "0") return "character 13 (registration number) must be 1-9 or A-Z";
  if (gstinCheckChar(g.slice(0, 14)) !== g[14]) return "check character does not match";
  return undefined;
}
