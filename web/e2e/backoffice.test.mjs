// The back office's journeys in Debian's Chromium against a real `kirana serve --demo`:
// at 1024 px (the smallest desk screen it is built for) and at 360 px for the order screen.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { apiClient, login as loginAs, rupees, startStack, unpaidOrder as placeUnpaid, waitFor, withPage } from "./harness.mjs";

let stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
});

const login = (page, email, next) => loginAs(stack, page, email, next);
const unpaidOrder = () => placeUnpaid(stack);

/** A guest order of one unit of a seller's product and one of someone else's. */
async function mixedOrder(sellerId) {
  const mine = await stack.api.get(`/api/v1/catalog/products?seller_id=${sellerId}&in_stock=true&limit=1`);
  const all = await stack.api.get("/api/v1/catalog/products?in_stock=true&limit=50");
  const other = all.items.find((p) => p.seller_id !== sellerId);
  const pick = async (slug) => (await stack.api.get(`/api/v1/catalog/products/${slug}`)).variants.find((v) => v.available > 1);
  const a = await pick(mine.items[0].slug);
  const b = await pick(other.slug);
  let token;
  for (const v of [a, b]) {
    const r = await fetch(`${stack.base}/api/v1/cart/lines`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { "x-cart-token": token } : {}) },
      body: JSON.stringify({ variant_id: v.id, quantity: 1 }),
    });
    token = token ?? r.headers.get("x-cart-token");
  }
  const placed = await fetch(`${stack.base}/api/v1/cart/checkout`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-cart-token": token, "Idempotency-Key": crypto.randomUUID() },
    body: JSON.stringify({
      email: "mixed@example.in",
      shipping_address: { name: "Kiran Das", phone: "+91 94330 12345", line1: "3 Lake Road", city: "Kolkata", state_code: "19", pincode: "700029" },
    }),
  });
  assert.equal(placed.status, 201);
  const order = await placed.json();
  const full = await stack.api.get(`/api/v1/orders/${order.id}`);
  const sellerLine = full.lines.find((l) => l.variant_id === a.id).name;
  return { ...order, sellerLine };
}

const SIZES = [
  { name: "desk", width: 1024, height: 768 },
  { name: "phone", width: 360, height: 740 },
];

for (const size of SIZES) {
  describe(`back office at ${size.name} size (${size.width}×${size.height})`, () => {
    test("staff take a web order from payment by hand to a shipment (its goods packed out of stock) with its label, to delivery", async () => {
      const placed = await unpaidOrder();
      const awb = `AWB${size.name.toUpperCase()}${Date.now()}`;
      await withPage(stack, size, "bo-1-order", async (page) => {
        await login(page, "staff@demo.kirana.in", "/admin/orders?status=pending_payment");
        await page.getByRole("link", { name: placed.number }).click();
        await page.getByTestId("admin-order-status").getByText("Awaiting payment").waitFor();
        await page.check("order-unpaid");

        await page.getByRole("button", { name: "Record a payment" }).click();
        await page.getByLabel("Method").selectOption("upi");
        await page.getByLabel(/Reference/).fill("UPI-7781");
        await page.getByRole("button", { name: "Record payment" }).click();
        await page.getByTestId("admin-order-status").getByText("Paid").waitFor();

        // A delivered order is packed into its shipment: no separate packing step.
        assert.equal(await page.getByRole("button", { name: "Pack all lines" }).count(), 0);
        await page.getByRole("button", { name: "Create shipment" }).click();
        await page.getByLabel("Tracking number (AWB)").fill(awb);
        await page.getByLabel("Weight (g)").fill("900");
        await page.getByLabel("Length (cm)").fill("30");
        await page.getByLabel("Width (cm)").fill("20");
        await page.getByLabel("Height (cm)").fill("10");
        await page.getByRole("button", { name: "Create shipment" }).last().click();
        await page.getByTestId("shipment").waitFor();
        await page.getByTestId("admin-order-status").getByText("Shipped").waitFor();
        await page.check("order-shipped");

        const [label] = await Promise.all([page.waitForEvent("popup"), page.getByRole("link", { name: "Label" }).click()]);
        await label.waitForLoadState();
        assert.match(await label.content(), new RegExp(awb), "the printed label carries the AWB");
        await label.close();

        await page.getByLabel("Step", { exact: true }).selectOption("delivered");
        await page.getByRole("button", { name: "Add step" }).click();
        // Its only parcel delivered, the order is delivered and so completed.
        await page.getByTestId("admin-order-status").getByText("Completed").waitFor();
        const timeline = page.getByTestId("admin-timeline");
        for (const step of ["Awaiting payment", "Paid", "Shipped", "Delivered", "Completed"]) {
          await timeline.getByText(step, { exact: true }).first().waitFor();
        }
        await page.check("order-delivered");

        const pdfLink = page.getByRole("link", { name: "PDF" }).first();
        const pdf = await page.request.get(`${stack.base}${await pdfLink.getAttribute("href")}`);
        assert.equal(pdf.status(), 200);
        assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");
      });
      await waitFor(async () => (await stack.api.get(`/api/v1/orders/${placed.id}`)).status === "completed", "the order is completed");
      const order = await stack.api.get(`/api/v1/orders/${placed.id}`);
      assert.deepEqual(
        order.payments.map((p) => [p.method, p.reference, p.amount_minor]),
        [["upi", "UPI-7781", order.totals.grand_total_minor]],
      );
      assert.ok(order.lines.every((l) => l.fulfilled_quantity === l.quantity));
      const shipments = await stack.api.get(`/api/v1/shipments?order_id=${placed.id}`);
      assert.equal(shipments.length, 1);
      assert.equal(shipments[0].tracking_number, awb);
      assert.equal(shipments[0].status, "delivered");
    });

    test("the dashboard and the sales report (its CSV totals equal the table's), and a seller sees only their own products and no dashboard", async () => {
      // An order mixing a seller's product with the shop's own, for the seller's view below.
      const seller = await apiClient(stack.base, "seller@demo.kirana.in", stack.password);
      const me = await seller.get("/api/v1/me");
      const mixed = await mixedOrder(me.id);
      await withPage(stack, size, "bo-2-roles", async (page) => {
        await login(page, "admin@demo.kirana.in", "/admin");
        await page.getByRole("heading", { name: "Dashboard" }).waitFor();
        const todayTile = page.getByTestId("tile-Net sales");
        await page.getByTestId("waiting-paid").waitFor();
        const before = rupees(await todayTile.textContent());

        // Two orders placed and paid in this journey: today's sales grow by exactly their totals.
        const placed = [await unpaidOrder(), await unpaidOrder()];
        for (const o of placed) {
          await stack.api.post("/api/v1/payments/manual", { order_id: o.id, method: "cash", amount_minor: o.grand_total_minor, reference: null });
        }
        const sum = placed.reduce((n, o) => n + o.grand_total_minor, 0);
        const day = new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
        const netToday = async () => (await stack.api.get(`/api/v1/reports/sales?from=${day}&to=${day}&interval=day`)).totals.net_sales_minor;
        await waitFor(async () => (await netToday()) === Math.round(before) + sum, "the report counts the two orders");
        await page.reload();
        await todayTile.waitFor();
        await waitFor(async () => rupees(await todayTile.textContent()) === before + sum, "the dashboard shows them");
        await page.check("dashboard");

        // The sales report's table and its CSV agree on the totals.
        await page.goto(`${stack.base}/admin/reports`);
        const totals = page.getByTestId("sales-totals");
        await totals.waitFor();
        await page.check("reports");
        const cells = await totals.locator("td").allTextContents();
        const href = await page.getByRole("link", { name: "Download CSV" }).first().getAttribute("href");
        const csv = await (await page.request.get(`${stack.base}${href}`)).text();
        const header = csv.split("\n")[0].split(",");
        const total = csv.split("\n").find((l) => l.startsWith("total,")).split(",");
        const column = (name) => Math.round(Number(total[header.indexOf(name)]) * 100);
        // Table columns: orders, units, gross, discounts, returns, net, GST, shipping.
        assert.equal(Number(cells[0]), Number(total[header.indexOf("orders")]));
        assert.equal(rupees(cells[2]), column("gross_sales"));
        assert.equal(rupees(cells[5]), column("net_sales"));
        assert.equal(rupees(cells[6]), column("tax"));
        assert.ok(column("net_sales") > 0, "the paid orders of the first journey are in it");
        await page.getByRole("button", { name: "Log out" }).click().catch(async () => {
          await page.getByRole("button", { name: "Menu" }).click();
          await page.getByRole("button", { name: "Log out" }).click();
        });
        await page.waitForURL(/\/login/);

        await login(page, "seller@demo.kirana.in", "/admin");
        await page.waitForURL(/\/admin\/orders|\/admin\/products/);
        await page.goto(`${stack.base}/admin/products`);
        await page.getByRole("heading", { name: "Products" }).waitFor();
        await page.getByRole("row").nth(1).waitFor();
        await page.check("seller-products");
        const nav = page.getByRole("navigation", { name: "Back office" });
        assert.equal(await nav.getByRole("link", { name: "Dashboard" }).count(), 0, "no dashboard for a seller");
        // The first column chooses rows for a bulk change; the second names the product.
        const names = await page.getByRole("table", { name: "Products" }).locator("tbody td:nth-child(2)").allTextContents();
        const theirs = await stack.api.get(`/api/v1/catalog/products?seller_id=${me.id}&limit=100`);
        const others = await stack.api.get("/api/v1/catalog/products?limit=100");
        const theirNames = new Set(theirs.items.map((p) => p.name));
        assert.ok(names.length > 0);
        for (const n of names) assert.ok(theirNames.has(n.trim()), `${n} is the seller's`);
        assert.ok(others.items.some((p) => !theirNames.has(p.name)), "others' products exist and are not listed");
        for (const screen of ["Settings", "People and access", "Purchasing"]) {
          assert.equal(await nav.getByRole("link", { name: screen }).count(), 0, `no ${screen} for a seller`);
        }

        // The mixed order shows the seller only their own line.
        await page.goto(`${stack.base}/admin/orders/${mixed.id}`);
        await page.getByRole("heading", { name: mixed.number }).waitFor();
        const lineNames = await page.locator('section[aria-labelledby="lines"] tbody tr td:nth-child(2)').allTextContents();
        assert.deepEqual(lineNames, [mixed.sellerLine]);
        await page.check("seller-order");
        const asSeller = await seller.get(`/api/v1/orders/${mixed.id}`);
        assert.deepEqual(asSeller.lines.map((l) => l.name), [mixed.sellerLine]);
        const asAdmin = await stack.api.get(`/api/v1/orders/${mixed.id}`);
        assert.equal(asAdmin.lines.length, 2);
        // A seller who types the settings address is told it is not theirs.
        await page.goto(`${stack.base}/admin/settings`);
        await page.getByText("This screen is not available to your role.").waitFor();
      });
    });
  });
}

describe("returns and refunds at desk size", () => {
  test("staff approve a requested return, receive it back into stock (a credit note is issued) and refund it", async () => {
    const api = stack.api;
    // A counter sale of two units, then a return of one requested for it.
    const locations = await api.get("/api/v1/inventory/locations?limit=100");
    const shop = locations.items.find((l) => l.active);
    const products = await api.get("/api/v1/catalog/products?in_stock=true&limit=5");
    const product = await api.get(`/api/v1/catalog/products/${products.items[0].slug}`);
    const variant = product.variants.find((v) => v.available > 3);
    const register = await api.post("/api/v1/pos/registers", { name: `Till ${Date.now()}`, location_id: shop.id });
    const session = await api.post(`/api/v1/pos/registers/${register.id}/sessions`, { opening_float_minor: 0 });
    await api.post(`/api/v1/pos/sessions/${session.id}/scan`, { code: variant.sku });
    const cart = await api.post(`/api/v1/pos/sessions/${session.id}/scan`, { code: variant.sku });
    const sale = await api.post(`/api/v1/pos/sessions/${session.id}/sales`, {
      tenders: [{ kind: "upi", amount_minor: cart.totals.grand_total_minor, reference: "UPI-RET-1" }],
    });
    const orderId = sale.order.id;
    const stockBefore = (await api.get(`/api/v1/inventory/variants/${variant.id}/stock`)).on_hand;
    const requested = await api.post(`/api/v1/orders/${orderId}/returns`, { lines: [{ line_no: 1, quantity: 1 }], reason: "The seal was broken" });
    assert.equal(requested.status, "requested");

    await withPage(stack, SIZES[0], "bo-7-returns", async (page) => {
      await login(page, "staff@demo.kirana.in", `/admin/orders/${orderId}`);
      const returns = page.getByTestId("admin-returns");
      await returns.getByText("The seal was broken").waitFor();
      await page.getByRole("button", { name: "Approve return" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
      await page.locator('[data-return="approved"]').waitFor();
      await page.getByRole("button", { name: "Receive the goods" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("What happens to the goods").selectOption("restock");
      await dialog.getByLabel("Location").selectOption(shop.id);
      await page.check("return-receive");
      await dialog.getByRole("button", { name: "Confirm" }).click();
      await page.locator('[data-return="received"]').waitFor();
      // The credit note is listed with the invoice.
      await page.getByText(/^CN\//).first().waitFor();

      await page.getByRole("button", { name: "Refund", exact: true }).click();
      const refund = page.getByRole("dialog");
      await refund.getByLabel("For").selectOption({ index: 1 });
      await refund.getByLabel("Reason").fill("Seal broken");
      await page.check("refund-dialog");
      await refund.getByRole("button", { name: "Refund now" }).click();
      await page.getByText("Refund sent.").waitFor();
      await page.check("returned");
    });

    const ret = (await api.get(`/api/v1/orders/${orderId}/returns`))[0];
    assert.equal(ret.status, "received");
    assert.equal(ret.disposition, "restock");
    assert.ok(ret.credit_note_id, "the received return has its credit note");
    // One unit of two came back: its share of the sale, and the stock grew by one.
    const order = await api.get(`/api/v1/orders/${orderId}`);
    const line = order.lines[0];
    assert.equal(ret.refund_minor, line.total_minor / line.quantity);
    assert.equal((await api.get(`/api/v1/inventory/variants/${variant.id}/stock`)).on_hand, stockBefore + 1);
    await waitFor(async () => (await api.get(`/api/v1/orders/${orderId}`)).refunds.some((r) => r.return_id === ret.id), "the refund reaches the order");
    const after = await api.get(`/api/v1/orders/${orderId}`);
    assert.equal(after.refunds.find((r) => r.return_id === ret.id).amount_minor, ret.refund_minor);
  });
});
