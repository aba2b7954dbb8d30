// A local stand-in for Razorpay, for the journeys: the three API calls Kirana makes
// (create an order, fetch a payment, capture) and a Checkout script that completes a
// payment the way Razorpay Checkout does: it calls `handler` with the payment id, the
// order id and the signature HMAC-SHA256(order_id + "|" + payment_id, key secret).
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";

const SCRIPT = `
(function () {
  var base = document.currentScript.src.replace(/\\/checkout\\.js.*$/, "");
  function Razorpay(options) { this.options = options; }
  Razorpay.prototype.open = function () {
    var o = this.options;
    var shade = document.createElement("div");
    shade.setAttribute("data-testid", "razorpay-standin");
    shade.setAttribute("role", "dialog");
    shade.setAttribute("aria-label", "Razorpay stand-in");
    shade.style.cssText = "position:fixed;inset:0;background:rgba(0,0,0,.5);display:grid;place-items:center;z-index:9999";
    var box = document.createElement("div");
    box.style.cssText = "background:#fff;color:#111;padding:24px;border-radius:12px;font:16px sans-serif;min-width:260px";
    var title = document.createElement("p");
    title.textContent = o.name + ": pay \\u20b9" + (o.amount / 100).toFixed(2);
    var pay = document.createElement("button");
    pay.textContent = "Pay with UPI (test)";
    pay.style.cssText = "margin-top:12px;padding:8px 16px;background:#0b5;color:#fff;border:0;border-radius:8px";
    var cancel = document.createElement("button");
    cancel.textContent = "Cancel";
    cancel.style.cssText = "margin:12px 0 0 8px;padding:8px 16px";
    box.appendChild(title); box.appendChild(pay); box.appendChild(cancel);
    shade.appendChild(box);
    document.body.appendChild(shade);
    cancel.onclick = function () { shade.remove(); if (o.modal && o.modal.ondismiss) o.modal.ondismiss(); };
    pay.onclick = function () {
      fetch(base + "/standin/pay", { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ order_id: o.order_id, key: o.key }) })
        .then(function (r) { return r.json(); })
        .then(function (p) { shade.remove(); o.handler(p); });
    };
  };
  window.Razorpay = Razorpay;
})();
`;

export async function startRazorpayStandin({ keyId, keySecret }) {
  const orders = new Map();
  const payments = new Map();
  const send = (res, status, body, type = "application/json") => {
    res.writeHead(status, {
      "content-type": type,
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "content-type",
    });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
  const authorized = (req) =>
    req.headers.authorization === "Basic " + Buffer.from(`${keyId}:${keySecret}`).toString("base64");
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      const body = raw ? JSON.parse(raw) : {};
      if (req.method === "OPTIONS") return send(res, 204, "");
      if (req.method === "GET" && url.pathname === "/checkout.js") return send(res, 200, SCRIPT, "text/javascript");
      if (req.method === "POST" && url.pathname === "/standin/pay") {
        const order = orders.get(body.order_id);
        if (!order || body.key !== keyId) return send(res, 400, { error: "no such order" });
        const id = "pay_" + randomBytes(7).toString("hex");
        payments.set(id, { id, order_id: order.id, amount: order.amount, currency: order.currency, status: "captured", amount_refunded: 0 });
        order.status = "paid";
        const signature = createHmac("sha256", keySecret).update(`${order.id}|${id}`).digest("hex");
        return send(res, 200, { razorpay_payment_id: id, razorpay_order_id: order.id, razorpay_signature: signature });
      }
      if (!authorized(req)) return send(res, 401, { error: { description: "bad key" } });
      if (req.method === "POST" && url.pathname === "/v1/orders") {
        const id = "order_" + randomBytes(7).toString("hex");
        const order = { id, amount: body.amount, currency: body.currency, receipt: body.receipt, status: "created" };
        orders.set(id, order);
        return send(res, 200, order);
      }
      const payment = url.pathname.match(/^\/v1\/payments\/([^/]+)$/);
      if (req.method === "GET" && payment) {
        const p = payments.get(payment[1]);
        return p ? send(res, 200, p) : send(res, 404, { error: { description: "no such payment" } });
      }
      if (req.method === "GET" && url.pathname === "/v1/payments") {
        return send(res, 200, { items: [...payments.values()] });
      }
      send(res, 404, { error: { description: "not in the stand-in" } });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, payments, close: () => new Promise((r) => server.close(r)) };
}
