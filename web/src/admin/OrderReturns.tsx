// An order's returns and refunds in the back office: approve or reject a requested return,
// receive it back into stock (or write it off), which issues the credit note, and refund
// a captured payment (for a received return or on its own), each confirmed first.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, idempotencyKey } from "../api/client";
import { call, fieldErrorsOf } from "../api/problem";
import { useMe, type Schemas } from "../api/hooks";
import { parseRupees, rupeesField } from "../lib/format";
import { Button } from "../ui/Button";
import { Dialog } from "../ui/Dialog";
import { SelectField, TextField } from "../ui/Field";
import { DateText, Money } from "../ui/Money";
import { useToast } from "../ui/Toast";
import { can } from "./Layout";
import { useLocations } from "./Purchasing";
import { at, methodLabel, type AdminKey } from "./strings";

type Order = Schemas["OrderView"];
type Return = Schemas["ReturnView"];
type Payment = Schemas["PaymentRow"];

function useOrderChanged(orderId: string) {
  const qc = useQueryClient();
  return () => {
    // Payments and credit notes reach the order through the event outbox a moment later.
    for (const ms of [0, 500, 1500, 3500]) {
      window.setTimeout(() => {
        void qc.invalidateQueries({ queryKey: ["admin-order", orderId] });
        void qc.invalidateQueries({ queryKey: ["admin-returns", orderId] });
        void qc.invalidateQueries({ queryKey: ["admin-payments", orderId] });
      }, ms);
    }
  };
}

export function ReturnsAndRefunds({ order }: { order: Order }) {
  const me = useMe();
  const returns = useQuery({
    queryKey: ["admin-returns", order.id],
    queryFn: () => call(api.GET("/api/v1/orders/{id}/returns", { params: { path: { id: order.id } } })),
  });
  const payments = useQuery({
    queryKey: ["admin-payments", order.id],
    queryFn: () => call(api.GET("/api/v1/payments", { params: { query: { order_id: order.id } } })),
    enabled: can(me.data, "orders.read_all"),
  });
  const refundable = (payments.data ?? []).filter((p) => p.status === "captured" && p.amount_minor > p.refunded_minor);
  const list = returns.data ?? [];
  if (list.length === 0 && refundable.length === 0) return null;
  return (
    <section aria-labelledby="returns" className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 text-sm">
      <h2 id="returns" className="font-semibold">
        {at("ret.title")}
      </h2>
      {list.length ? (
        <ul className="space-y-3" data-testid="admin-returns">
          {list.map((r) => (
            <ReturnItem key={r.id} order={order} ret={r} />
          ))}
        </ul>
      ) : null}
      {can(me.data, "payments.refund") && refundable.length ? (
        <div className="space-y-2 border-t border-slate-200 pt-3">
          <h3 className="font-medium">{at("ret.refunds")}</h3>
          {refundable.map((p) => (
            <RefundRow key={p.id} order={order} payment={p} returns={list} />
          ))}
        </div>
      ) : null}
    </section>
  );
}

const RETURN_STATUS: Record<string, [AdminKey, string]> = {
  requested: ["ret.s.requested", "bg-amber-100 text-amber-900"],
  approved: ["ret.s.approved", "bg-sky-100 text-sky-900"],
  rejected: ["ret.s.rejected", "bg-red-100 text-red-900"],
  received: ["ret.s.received", "bg-emerald-100 text-emerald-900"],
};

function ReturnStatus({ status }: { status: string }) {
  const [label, tone] = RETURN_STATUS[status] ?? ["ret.s.requested", ""];
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${tone}`}>{RETURN_STATUS[status] ? at(label) : status}</span>;
}

function ReturnItem({ order, ret }: { order: Order; ret: Return }) {
  const toast = useToast();
  const changed = useOrderChanged(order.id);
  const locations = useLocations();
  const [confirm, setConfirm] = useState<"approve" | "reject" | "receive" | null>(null);
  const [disposition, setDisposition] = useState<"restock" | "write_off">("restock");
  const [location, setLocation] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const place = location || locations.data?.find((l) => l.active)?.id || "";
  const act = useMutation({
    mutationFn: async (what: "approve" | "reject" | "receive") => {
      const path = { params: { path: { id: ret.id } } };
      if (what === "approve") return call(api.POST("/api/v1/returns/{id}/approve", path));
      if (what === "reject") return call(api.POST("/api/v1/returns/{id}/reject", path));
      return call(
        api.POST("/api/v1/returns/{id}/receive", {
          params: { path: { id: ret.id }, header: { "Idempotency-Key": `receive-${ret.id}` } },
          body: { disposition, location_id: disposition === "restock" ? place : null },
        }),
      );
    },
    onSuccess: (_, what) => {
      setConfirm(null);
      setErrors({});
      changed();
      toast(at(what === "approve" ? "ret.approved" : what === "reject" ? "ret.rejected" : "ret.received"));
    },
    onError: (e) => {
      setErrors(fieldErrorsOf(e));
      toast(e.message, "error");
    },
  });
  const name = (lineNo: number) => order.lines.find((l) => l.line_no === lineNo)?.name ?? `#${lineNo}`;
  return (
    <li className="rounded-lg border border-slate-200 p-3" data-return={ret.status}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span>
          <ReturnStatus status={ret.status} /> <DateText iso={ret.created_at} withTime />
        </span>
        {ret.status === "received" ? (
          <span>
            {at("ret.credited")} <Money minor={ret.refund_minor} />
          </span>
        ) : null}
      </div>
      <ul className="mt-1 text-slate-700">
        {ret.lines.map((l) => (
          <li key={l.line_no}>
            {l.quantity} × {name(l.line_no)}
          </li>
        ))}
      </ul>
      <p className="text-slate-600">“{ret.reason}”</p>
      <div className="mt-2 flex flex-wrap gap-2">
        {ret.status === "requested" ? (
          <>
            <Button size="sm" onClick={() => setConfirm("approve")}>
              {at("ret.approve")}
            </Button>
            <Button size="sm" variant="secondary" onClick={() => setConfirm("reject")}>
              {at("ret.reject")}
            </Button>
          </>
        ) : null}
        {ret.status === "approved" ? (
          <Button size="sm" onClick={() => setConfirm("receive")}>
            {at("ret.receive")}
          </Button>
        ) : null}
      </div>
      <Dialog
        open={confirm !== null}
        onClose={() => setConfirm(null)}
        title={confirm === "approve" ? at("ret.approve") : confirm === "reject" ? at("ret.reject") : at("ret.receive")}
      >
        {confirm === "receive" ? (
          <div className="space-y-3">
            <p>{at("ret.receiveHint")}</p>
            <SelectField label={at("ret.disposition")} value={disposition} onChange={(e) => setDisposition(e.target.value as "restock" | "write_off")} error={errors.disposition}>
              <option value="restock">{at("ret.restock")}</option>
              <option value="write_off">{at("ret.writeOff")}</option>
            </SelectField>
            {disposition === "restock" ? (
              <SelectField label={at("inv.location")} value={place} onChange={(e) => setLocation(e.target.value)} error={errors.location_id}>
                {(locations.data ?? [])
                  .filter((l) => l.active)
                  .map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.name}
                    </option>
                  ))}
              </SelectField>
            ) : null}
          </div>
        ) : (
          <p>{confirm === "approve" ? at("ret.approveConfirm") : at("ret.rejectConfirm")}</p>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirm(null)}>
            {at("common.cancel")}
          </Button>
          <Button variant={confirm === "reject" ? "danger" : "primary"} busy={act.isPending} onClick={() => confirm && act.mutate(confirm)}>
            {at("people.confirm")}
          </Button>
        </div>
      </Dialog>
    </li>
  );
}

function RefundRow({ order, payment, returns }: { order: Order; payment: Payment; returns: Return[] }) {
  const toast = useToast();
  const changed = useOrderChanged(order.id);
  const left = payment.amount_minor - payment.refunded_minor;
  // Received returns not yet paid out.
  const owed = returns.filter((r) => r.status === "received" && !order.refunds.some((f) => f.return_id === r.id));
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [forReturn, setForReturn] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [key, setKey] = useState(idempotencyKey);
  const refund = useMutation({
    mutationFn: (body: Schemas["RefundInput"]) =>
      call(api.POST("/api/v1/payments/{id}/refunds", { params: { path: { id: payment.id }, header: { "Idempotency-Key": key } }, body })),
    onSuccess: () => {
      setOpen(false);
      setKey(idempotencyKey());
      setErrors({});
      changed();
      toast(at("ret.refunded"));
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <div className="flex flex-wrap items-center justify-between gap-2">
      <span>
        {methodLabel(payment.method)} {payment.reference ? `· ${payment.reference}` : ""} · <Money minor={payment.amount_minor} />
        {payment.refunded_minor ? (
          <>
            {" "}
            ({at("ret.alreadyRefunded")} <Money minor={payment.refunded_minor} />)
          </>
        ) : null}
      </span>
      <Button
        size="sm"
        variant="secondary"
        onClick={() => {
          const first = owed[0];
          setForReturn(first?.id ?? "");
          setAmount(rupeesField(first ? Math.min(first.refund_minor, left) : left));
          setOpen(true);
        }}
      >
        {at("ret.refund")}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={at("ret.refund")}>
        <form
          noValidate
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            const minor = parseRupees(amount);
            if (minor === undefined || minor <= 0) return setErrors({ amount_minor: at("product.badAmount") });
            refund.mutate({ amount_minor: minor, reason: reason.trim() || null, return_id: forReturn || null });
          }}
        >
          <p className="text-sm">{at("ret.refundLeft", { amount: rupeesField(left) })}</p>
          {owed.length ? (
            <SelectField label={at("ret.forReturn")} value={forReturn} onChange={(e) => setForReturn(e.target.value)} error={errors.return_id}>
              <option value="">{at("ret.noReturn")}</option>
              {owed.map((r) => (
                <option key={r.id} value={r.id}>
                  {at("ret.returnOf", { amount: rupeesField(r.refund_minor) })}
                </option>
              ))}
            </SelectField>
          ) : null}
          <TextField label={at("ret.amount")} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} error={errors.amount_minor} />
          <TextField label={at("inv.reason")} value={reason} onChange={(e) => setReason(e.target.value)} error={errors.reason} />
          <p className="text-xs text-slate-600">{at("ret.refundWarning")}</p>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              {at("common.cancel")}
            </Button>
            <Button type="submit" variant="danger" busy={refund.isPending}>
              {at("ret.refundButton")}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
