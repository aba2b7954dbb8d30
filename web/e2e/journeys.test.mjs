// The shopper's journeys in Debian's Chromium against a real `kirana serve --demo`, at
// laptop and phone size: each asserts what the page shows and what the API then holds.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { VIEWPORTS, apiClient, rupees, startStack, withPage } from "./harness.mjs";

let stack;
const CODE = "JOURNEY10";

before(async () => {
  stack = await startStack();
  await stack.api.post("/api/v1/discounts", { code: CODE, kind: "percent", value: 1000 });
});

after(async () => {
  await stack?.stop();
});

async function orderByNumber(number) {
  const page = await stack.api.get("/api/v1/orders?limit=100");
  const found = page.items.find((o) => o.number === number);
  assert.ok(found, `order ${number} is listed`);
  return stack.api.get(`/api/v1/orders/${found.id}`);
}

/** Payments reach orders through the event outbox: wait until the order shows `status`. */
async function waitForStatus(id, status) {
  for (let i = 0; i < 100; i += 1) {
    if ((await stack.api.get(`/api/v1/orders/${id}`)).status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`order ${id} never became ${status}`);
}

async function orderCount() {
  return (await stack.api.get("/api/v1/orders?limit=100")).items.length;
}

async function fillAddress(page, a) {
  await page.getByLabel("Full name").fill(a.name);
  await page.getByLabel("Mobile number").fill(a.phone);
  await page.getByLabel("Address", { exact: true }).fill(a.line1);
  await page.getByLabel("City").fill(a.city);
  await page.getByLabel("PIN code").fill(a.pincode);
  await page.getByLabel("State").selectOption(a.state);
}

for (const vp of VIEWPORTS) {
  describe(`at ${vp.name} size (${vp.width}×${vp.height})`, () => {
    test("1. a guest searches, picks a variant, adds two, applies a code and pays cash on delivery to another state", async () => {
      let number, shownTotal, variant;
      await withPage(stack, vp, "1-guest", async (page) => {
      await page.goto(`${stack.base}/`);
      await page.getByTestId("product-grid").waitFor();
      await page.check("home");

      const search = page.getByRole("combobox", { name: "Search products" });
      await search.fill("amul pure");
      await page.getByRole("listbox", { name: "Suggestions" }).getByRole("option").first().waitFor();
      await search.press("Enter");
      await page.waitForURL(/\/search\?q=amul/);
      await page.getByTestId("product-grid").waitFor();
      await page.check("search");
      await page.getByRole("link", { name: /Amul Pure Ghee/ }).first().click();
      await page.waitForURL(/\/p\/amul-pure-ghee$/);

      const product = await stack.api.get("/api/v1/catalog/products/amul-pure-ghee");
      variant = product.variants.find((v) => v.options.Size === "500 ml");
      await page.getByRole("button", { name: "500 ml" }).click();
      await page.getByRole("button", { name: "500 ml", pressed: true }).waitFor();
      const price = await page.locator("main").getByText(/^₹/).first().textContent();
      assert.equal(rupees(price), variant.price_now_minor, "the chosen variant's price is shown");
      await page.getByRole("button", { name: "One more" }).click();
      await page.check("product");
      await page.getByRole("button", { name: "Add to cart" }).click();

      const drawer = page.getByRole("dialog", { name: "Your cart" });
      await drawer.getByTestId("cart-line").waitFor();
      assert.equal(await drawer.getByTestId("line-quantity").textContent(), "2");
      await drawer.getByLabel("Discount code").fill(CODE);
      await drawer.getByRole("button", { name: "Apply" }).click();
      await drawer.getByTestId("applied-code").waitFor();
      await page.check("cart-drawer");
      await drawer.getByRole("link", { name: "Check out" }).click();
      await page.waitForURL(/\/checkout$/);

      await page.getByLabel("E-mail").fill(`guest-${vp.name}@example.in`);
      await fillAddress(page, { name: "Priya Shah", phone: "+91 98200 11223", line1: "4 Marine Drive", city: "Mumbai", pincode: "400001", state: "27" });
      await page.getByRole("radio", { name: /Cash on delivery/ }).check();
      const totals = page.getByTestId("totals");
      await totals.getByText("IGST").waitFor();
      assert.equal(await totals.getByText("CGST").count(), 0, "no CGST across states");
      await page.check("checkout");
      shownTotal = rupees(await page.getByTestId("grand-total").textContent());
      await page.getByRole("button", { name: "Place order" }).click();
      await page.waitForURL(/\/order\//);
      number = (await page.getByTestId("order-number").textContent()).trim();
      assert.match(number, /\S/);
      await page.check("placed");
      });

      const order = await orderByNumber(number);
      assert.equal(order.lines.length, 1);
      assert.equal(order.lines[0].variant_id, variant.id);
      assert.equal(order.lines[0].quantity, 2);
      assert.equal(order.discount_code, CODE);
      // 10 % of two units, as the discount rule takes it.
      assert.equal(order.totals.discount_minor, Math.round((2 * variant.price_now_minor) / 10));
      assert.equal(order.place_of_supply, "27");
      assert.ok(order.lines.every((l) => l.igst_minor > 0 && l.cgst_minor === 0 && l.sgst_minor === 0));
      assert.equal(order.totals.grand_total_minor, shownTotal, "the page showed the server's total");
      assert.equal(order.status, "confirmed", "cash on delivery confirms unpaid");
    });

    test("2. a customer carts as a guest, registers (the cart follows), pays with Razorpay, gets the invoice and tracks the parcel", async () => {
      await withPage(stack, vp, "2-customer", async (page) => {
      await page.goto(`${stack.base}/p/tata-tea-gold`);
      await page.getByRole("button", { name: "Add to cart" }).click();
      await page.getByRole("dialog", { name: "Your cart" }).getByTestId("cart-line").waitFor();
      await page.keyboard.press("Escape");

      const email = `asha-${vp.name}-${Date.now()}@example.in`;
      const password = "saffron-Mango-41";
      await page.goto(`${stack.base}/register`);
      await page.getByLabel("Name").fill("Asha Rao");
      await page.getByLabel("E-mail").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.check("register");
      await page.getByRole("button", { name: "Create your account" }).click();
      await page.waitForURL(/\/account$/);
      await page.getByTestId("cart-count").waitFor();
      assert.equal(await page.getByTestId("cart-count").textContent(), "1", "the guest cart followed the login");

      await page.goto(`${stack.base}/checkout`);
      await fillAddress(page, { name: "Asha Rao", phone: "+91 98450 12345", line1: "12 MG Road", city: "Bengaluru", pincode: "560001", state: "29" });
      await page.getByRole("radio", { name: /Pay online/ }).check();
      await page.getByTestId("totals").getByText("SGST").waitFor();
      await page.check("checkout");
      await page.getByRole("button", { name: "Place order and pay" }).click();
      await page.getByTestId("razorpay-standin").getByRole("button", { name: /Pay with UPI/ }).click();
      await page.waitForURL(/\/order\/[^?]+\?number=/);
      await page.getByTestId("order-status").getByText("Paid").waitFor();
      const number = (await page.getByTestId("order-number").textContent()).trim();
      await page.check("paid");

      await page.goto(`${stack.base}/account`);
      const row = page.getByRole("row", { name: new RegExp(number) });
      await row.getByText("Paid").waitFor();
      await page.check("orders");
      await row.getByRole("link", { name: number }).click();
      await page.getByText("Invoices and credit notes").waitFor();
      await page.check("order");
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "PDF" }).first().click()]);
      const pdf = readFileSync(await download.path());
      assert.equal(pdf.subarray(0, 5).toString(), "%PDF-", "the invoice is a PDF");

      const order = await orderByNumber(number);
      assert.equal(order.status, "paid");
      assert.equal(order.payments[0].method, "razorpay");
      assert.equal(order.payments[0].amount_minor, order.totals.grand_total_minor);
      assert.ok([...stack.razorpay.payments.values()].some((p) => p.amount === order.totals.grand_total_minor));
      assert.equal(order.invoices.length, 1);

      // The store ships it; anyone with the number and PIN code can follow the parcel.
      const awb = `AWB${Date.now()}`;
      await stack.api.post("/api/v1/shipments", {
        order_id: order.id,
        lines: order.lines.map((l) => ({ line_no: l.line_no, quantity: l.quantity })),
        carrier: "manual",
        tracking_number: awb,
        package: { weight_grams: 500, length_cm: 20, width_cm: 15, height_cm: 10 },
      });
      await page.goto(`${stack.base}/track`);
      await page.getByLabel("Order number").fill(number);
      await page.getByLabel("PIN code or e-mail").fill("560001");
      await page.getByRole("button", { name: "Track" }).click();
      await page.getByTestId("parcels").getByText(awb).waitFor();
      await page.check("track");
      });
    });

    test("3. a customer asks to return one line and sees the return's state", async () => {
      const customer = await apiClient(stack.base, "customer@demo.kirana.in", stack.password);
      const products = await stack.api.get("/api/v1/catalog/products?in_stock=true&limit=2");
      const variants = [];
      for (const p of products.items) {
        const full = await stack.api.get(`/api/v1/catalog/products/${p.slug}`);
        variants.push(full.variants.find((v) => v.available > 0));
      }
      for (const v of variants) await customer.post("/api/v1/cart/lines", { variant_id: v.id, quantity: 1 });
      const placed = await customer.post(
        "/api/v1/cart/checkout",
        {
          shipping_address: { name: "Asha Rao", phone: "+91 98450 12345", line1: "12 MG Road", city: "Bengaluru", state_code: "29", pincode: "560001" },
        },
        { "Idempotency-Key": `journey3-${vp.name}-${Date.now()}` },
      );
      await stack.api.post("/api/v1/payments/manual", { order_id: placed.id, method: "upi", amount_minor: placed.grand_total_minor, reference: "UPI-JOURNEY-3" });
      await waitForStatus(placed.id, "paid");
      await stack.api.post(`/api/v1/orders/${placed.id}/fulfilments`, { lines: [{ line_no: 1, quantity: 1 }, { line_no: 2, quantity: 1 }] });
      for (const to of ["shipped", "delivered"]) await stack.api.post(`/api/v1/orders/${placed.id}/transitions`, { to });

      let line;
      await withPage(stack, vp, "3-return", async (page) => {
      await page.goto(`${stack.base}/login?next=${encodeURIComponent(`/account/orders/${placed.id}`)}`);
      await page.getByLabel("E-mail").fill("customer@demo.kirana.in");
      await page.getByLabel("Password").fill(stack.password);
      await page.check("login");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL(new RegExp(`/account/orders/${placed.id}$`));
      await page.getByTestId("order-status").getByText("Delivered").waitFor();
      await page.getByRole("button", { name: "Return items" }).click();
      const dialog = page.getByRole("dialog", { name: "Return items" });
      const order = await customer.get(`/api/v1/orders/${placed.id}`);
      line = order.lines[0];
      await dialog.getByLabel(new RegExp(line.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).selectOption("1");
      await dialog.getByLabel("Why are you returning them?").fill("The pack arrived torn");
      await page.check("return-form");
      await dialog.getByRole("button", { name: "Request the return" }).click();
      await page.getByTestId("returns").getByText("Return requested").waitFor();
      await page.check("return-requested");
      });

      const returns = await customer.get(`/api/v1/orders/${placed.id}/returns`);
      assert.equal(returns.length, 1);
      assert.equal(returns[0].status, "requested");
      assert.deepEqual(
        returns[0].lines.map((l) => [l.line_no, l.quantity]),
        [[line.line_no, 1]],
      );
      assert.equal(returns[0].reason, "The pack arrived torn");
    });

    test("5. the account asks a visitor to log in and brings them back; a failing server or network shows a retry, not a blank page", async () => {
      await withPage(stack, vp, "5-resilience", async (page) => {
        await page.goto(`${stack.base}/account/addresses`);
        await page.waitForURL(/\/login\?next=/);
        await page.getByLabel("E-mail").fill("customer@demo.kirana.in");
        await page.getByLabel("Password").fill(stack.password);
        await page.getByRole("button", { name: "Log in" }).click();
        await page.waitForURL(/\/account\/addresses$/);
        await page.getByRole("heading", { name: "Addresses", exact: true }).waitFor();

        // The catalog answers 503 for a while: the page says so and offers a retry.
        page.allowHttpError(503);
        let failing = true;
        await page.route("**/api/v1/catalog/products?*", (route) =>
          failing
            ? route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ status: 503, title: "Service Unavailable", detail: "try later" }) })
            : route.continue(),
        );
        await page.goto(`${stack.base}/c/grocery`);
        const retry = page.getByRole("button", { name: "Try again" });
        await retry.waitFor();
        await page.getByText("The store had a problem with that").waitFor();
        await page.check("server-error");
        failing = false;
        await retry.click();
        await page.getByTestId("product-grid").waitFor();

        // The connection drops: the same, with words for it.
        page.allowConsole(/net::ERR_INTERNET_DISCONNECTED/);
        await page.route("**/api/v1/catalog/products/*", (route) => route.abort("internetdisconnected"));
        await page.goto(`${stack.base}/p/amul-butter`);
        await page.getByText("We could not reach the store").waitFor({ timeout: 15_000 });
        await page.check("network-error");
      });
    });

    test("6. the shop speaks Hindi when asked, and remembers it", async () => {
      await withPage(stack, vp, "6-hindi", async (page) => {
        await page.goto(`${stack.base}/p/amul-butter`);
        await page.getByLabel("Language").selectOption("hi");
        await page.getByRole("button", { name: "टोकरी में डालें" }).waitFor();
        await page.reload();
        await page.getByRole("button", { name: "टोकरी में डालें" }).waitFor();
        assert.equal(await page.evaluate(() => globalThis.document.documentElement.lang), "hi");
        await page.check("product-hi");
        await page.getByLabel("भाषा").selectOption("en");
        await page.getByRole("button", { name: "Add to cart" }).waitFor();
      });
    });

    test("4. bad input: a wrong PIN code and an empty city are shown at their fields and create nothing; a sold-out variant cannot be added; a wrong code is explained; a lost answer placed again is one order", async () => {
      const soldOut = await stack.api.post("/api/v1/catalog/products", {
        name: `Sandalwood Soap ${vp.name}`,
        hsn_code: "3401",
        gst_rate_bp: 1800,
        status: "active",
        variants: [{ sku: `SANDAL-${vp.name.toUpperCase()}`, price_minor: 4500 }],
      });
      let before, placedNumber;
      await withPage(stack, vp, "4-bad-input", async (page) => {
      page.allowHttpError(404);
      page.allowHttpError(400);
      page.allowHttpError(409);
      await page.goto(`${stack.base}/p/${soldOut.slug}`);
      await page.getByTestId("stock").getByText("Sold out").waitFor();
      assert.ok(await page.getByRole("button", { name: "Sold out" }).isDisabled(), "a sold-out variant cannot be added");
      await page.check("sold-out");

      await page.goto(`${stack.base}/p/amul-butter`);
      await page.getByRole("button", { name: "Add to cart" }).click();
      const drawer = page.getByRole("dialog", { name: "Your cart" });
      await drawer.getByLabel("Discount code").fill("NOSUCHCODE");
      await drawer.getByRole("button", { name: "Apply" }).click();
      await drawer.getByRole("alert").waitFor();
      assert.ok((await drawer.getByLabel("Discount code").getAttribute("aria-invalid")) === "true");
      await page.check("bad-code");
      await drawer.getByRole("link", { name: "Check out" }).click();
      await page.waitForURL(/\/checkout$/);

      before = await orderCount();
      await page.getByLabel("E-mail").fill(`careful-${vp.name}@example.in`);
      await fillAddress(page, { name: "Ravi Kumar", phone: "+91 99000 12345", line1: "7 Park Street", city: "", pincode: "12345", state: "19" });
      await page.getByRole("radio", { name: /Cash on delivery/ }).check();
      await page.getByRole("button", { name: "Place order" }).click();
      const pin = page.getByLabel("PIN code");
      const city = page.getByLabel("City");
      assert.equal(await pin.getAttribute("aria-invalid"), "true");
      assert.equal(await city.getAttribute("aria-invalid"), "true");
      const pinMessage = await page.locator(`#${await pin.getAttribute("aria-describedby")}`).textContent();
      const cityMessage = await page.locator(`#${await city.getAttribute("aria-describedby")}`).textContent();
      assert.match(pinMessage, /six-digit PIN code/);
      assert.match(cityMessage, /required/);
      await page.check("field-errors");
      assert.ok(page.url().endsWith("/checkout"), "still on checkout");
      assert.equal(await orderCount(), before, "no order was created");

      // Fixed, and placed, but the answer is lost on the way back: placing it again
      // replays the same order (same Idempotency-Key), it does not make a second one.
      page.allowConsole(/net::ERR_CONNECTION_RESET/);
      let lost = false;
      await page.route("**/api/v1/cart/checkout", async (route) => {
        if (lost) return route.continue();
        lost = true;
        await route.fetch();
        await route.abort("connectionreset");
      });
      await city.fill("Kolkata");
      await pin.fill("700001");
      await page.getByRole("button", { name: "Place order" }).click();
      await page.getByText("Place the order again: it is made only once").waitFor();
      await page.check("answer-lost");
      await page.getByRole("button", { name: "Place order" }).click();
      await page.waitForURL(/\/order\//);
      placedNumber = (await page.getByTestId("order-number").textContent()).trim();
      });
      assert.equal(await orderCount(), before + 1, "exactly one order was made");
      const order = await orderByNumber(placedNumber);
      assert.equal(order.shipping_address.city, "Kolkata");
    });
  });
}
