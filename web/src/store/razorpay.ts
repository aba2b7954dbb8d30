// Razorpay Checkout: its script is loaded from the URL the server names, on the payment
// step only; the payment is verified by the server before anything says "paid".
import { api } from "../api/client";
import { call } from "../api/problem";

interface RazorpayResponse {
  razorpay_payment_id: string;
  razorpay_order_id: string;
  razorpay_signature: string;
}

interface RazorpayOptions {
  key: string;
  amount: number;
  currency: string;
  order_id: string;
  name: string;
  description: string;
  prefill?: { name?: string; email?: string; contact?: string };
  handler: (r: RazorpayResponse) => void;
  modal?: { ondismiss?: () => void };
}

declare global {
  interface Window {
    Razorpay?: new (options: RazorpayOptions) => { open: () => void };
  }
}

const loading = new Map<string, Promise<void>>();

function loadScript(url: string): Promise<void> {
  if (window.Razorpay) return Promise.resolve();
  let p = loading.get(url);
  if (!p) {
    p = new Promise<void>((resolve, reject) => {
      const s = document.createElement("script");
      s.src = url;
      s.async = true;
      s.onload = () => resolve();
      s.onerror = () => {
        loading.delete(url);
        s.remove();
        reject(new Error("The payment window could not be loaded. Check your connection and try again."));
      };
      document.head.appendChild(s);
    });
    loading.set(url, p);
  }
  return p;
}

export type PaymentResult = { status: "paid"; orderStatus: string } | { status: "dismissed" };

/** Opens Razorpay Checkout for the order; resolves once the server verified the payment. */
export async function payWithRazorpay(
  orderId: string,
  storeName: string,
  prefill: { name?: string; email?: string; contact?: string },
): Promise<PaymentResult> {
  const options = await call(api.POST("/api/v1/payments/razorpay/orders", { body: { order_id: orderId } }));
  await loadScript(options.script_url);
  const Razorpay = window.Razorpay;
  if (!Razorpay) throw new Error("The payment window did not start.");
  return new Promise<PaymentResult>((resolve, reject) => {
    new Razorpay({
      key: options.key_id,
      amount: options.amount_minor,
      currency: options.currency,
      order_id: options.razorpay_order_id,
      name: storeName,
      description: `Order ${options.order_number}`,
      prefill,
      handler: (r) => {
        call(
          api.POST("/api/v1/payments/razorpay/verify", {
            body: {
              order_id: orderId,
              razorpay_order_id: r.razorpay_order_id,
              razorpay_payment_id: r.razorpay_payment_id,
              razorpay_signature: r.razorpay_signature,
            },
          }),
        ).then((outcome) => resolve({ status: "paid", orderStatus: outcome.status }), reject);
      },
      modal: { ondismiss: () => resolve({ status: "dismissed" }) },
    }).open();
  });
}
