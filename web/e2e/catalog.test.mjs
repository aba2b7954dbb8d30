// The back office's catalog and purchasing journeys in Debian's Chromium against a real
// `kirana serve --demo`: a product made from nothing to on sale with stock bought in, and
// a CSV import checked before it is applied.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { login as loginAs, rupees, startStack, unpaidOrder, waitFor, withPage } from "./harness.mjs";

let stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
});

const login = (page, email, next) => loginAs(stack, page, email, next);

const SIZES = [
  { name: "desk", width: 1024, height: 768 },
  { name: "phone", width: 360, height: 740 },
];

/** A GSTIN with its mod-36 check character, computed here as the GST network defines it. */
function gstin(first14) {
  const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let sum = 0;
  for (let i = 0; i < 14; i += 1) {
    const product = chars.indexOf(first14[i]) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return first14 + chars[(36 - (sum % 36)) % 36];
}

for (const size of SIZES) {
  describe(`catalog and purchasing at ${size.name} size (${size.width}×${size.height})`, () => {
    test("an admin creates a product with two variants and a picture, buys stock for it on a purchase order, sees its stock and average cost, and the store shows it", async () => {
      const tag = `${size.name}${Date.now().toString(36)}`;
      const name = `Cow Ghee ${tag}`;
      const skus = [`GHEE-500-${tag}`.toUpperCase(), `GHEE-1L-${tag}`.toUpperCase()];
      // A real picture: one the demo store drew, fetched from the server.
      const demo = await stack.api.get("/api/v1/catalog/products?limit=1");
      const picture = Buffer.from(await (await fetch(`${stack.base}${demo.items[0].image_url}`)).arrayBuffer());
      await withPage(stack, size, "bo-3-product", async (page) => {
        await login(page, "admin@demo.kirana.in", "/admin/products");
        await page.getByRole("link", { name: "Add product" }).click();
        await page.getByRole("heading", { name: "New product" }).waitFor();
        await page.getByLabel("Name", { exact: true }).fill(name);
        await page.getByLabel("HSN code").fill("0405");
        await page.getByLabel("GST rate").selectOption("1200");
        await page.getByRole("button", { name: "Add option" }).click();
        await page.getByLabel("Option", { exact: true }).fill("Size");
        await page.getByLabel("Values").fill("500 ml, 1 l");
        const v500 = page.getByRole("group", { name: "500 ml" });
        const v1l = page.getByRole("group", { name: "1 l" });
        await v500.getByLabel("SKU").fill(skus[0]);
        await v500.getByLabel("Price (₹)").fill("349");
        await v1l.getByLabel("SKU").fill(skus[1]);
        await v1l.getByLabel("Price (₹)").fill("abc");
        await page.getByRole("button", { name: "Create product" }).click();
        // Checked before it is sent: the bad price is named at its field.
        await v1l.getByText("An amount in rupees").waitFor();
        await page.check("new-product-error");
        await v1l.getByLabel("Price (₹)").fill("679.50");
        await v1l.getByLabel("Compare-at (₹)").fill("720");
        await page.getByRole("button", { name: "Create product" }).click();
        await page.getByRole("heading", { name, level: 1 }).waitFor();
        await page.waitForURL(/\/admin\/products\/[0-9a-f-]+$/);
        const productId = page.url().split("/").pop();

        await page.getByLabel(/^Picture \(JPEG/).setInputFiles({ name: "ghee.png", mimeType: "image/png", buffer: picture });
        await page.getByRole("img", { name: "Preview of the chosen picture" }).waitFor();
        await page.getByLabel("Describe it").fill("A jar of cow ghee");
        await page.getByRole("button", { name: "Upload" }).click();
        await page.getByText("Cover").waitFor();
        await page.check("product-edit");

        // A supplier: a GSTIN with a wrong check character is refused at its field.
        await page.goto(`${stack.base}/admin/purchasing?tab=suppliers`);
        const good = gstin(size.name === "desk" ? "29AAACK1234M1Z" : "29AAACK5678M1Z");
        const bad = good.slice(0, 14) + (good[14] === "A" ? "B" : "A");
        const supplierName = `Nandini Dairy ${tag}`;
        await page.getByLabel("Name", { exact: true }).fill(supplierName);
        await page.getByLabel("GSTIN").fill(bad);
        page.allowHttpError(400);
        await page.getByRole("button", { name: "Add supplier" }).last().click();
        await page.locator('input[aria-invalid="true"]').and(page.getByLabel("GSTIN")).waitFor();
        assert.match(await page.locator("#" + (await page.getByLabel("GSTIN").getAttribute("aria-describedby"))).textContent(), /GSTIN|check/i);
        await page.check("supplier-gstin-error");
        await page.getByLabel("GSTIN").fill(good);
        await page.getByLabel("Lead time (days)").fill("3");
        await page.getByRole("button", { name: "Add supplier" }).last().click();
        await page.getByRole("cell", { name: supplierName }).waitFor();

        // A purchase order: 10 of the small jar at ₹210, 4 of the large at ₹400.
        await page.getByRole("tab", { name: "Purchase orders" }).click();
        await page.getByRole("button", { name: "New purchase order" }).click();
        const dialog = page.getByRole("dialog");
        await dialog.getByLabel("Supplier").selectOption({ label: supplierName });
        const picker = dialog.getByLabel("Add an item");
        for (const sku of skus) {
          await picker.fill(sku);
          await dialog.getByRole("option", { name: new RegExp(sku) }).waitFor();
          await picker.press("Enter");
          await dialog.getByRole("group", { name: new RegExp(sku) }).waitFor();
        }
        const line = (sku) => dialog.getByRole("group", { name: new RegExp(sku) });
        await line(skus[0]).getByLabel("Quantity").fill("10");
        await line(skus[0]).getByLabel("Unit cost (₹)").fill("210");
        await line(skus[1]).getByLabel("Quantity").fill("4");
        await line(skus[1]).getByLabel("Unit cost (₹)").fill("400");
        await page.check("new-po");
        await dialog.getByRole("button", { name: "Create draft" }).click();
        await page.getByRole("heading", { name: `Purchase order from ${supplierName}` }).waitFor();
        await page.getByRole("button", { name: "Mark as sent" }).click();
        await page.getByRole("heading", { name: "Receive goods" }).waitFor();

        // Part of the small jars come first; receiving more than ordered needs the box ticked.
        await page.getByLabel(new RegExp(`^${skus[0]}: receive now`)).fill("6");
        await page.getByLabel(new RegExp(`^${skus[1]}: receive now`)).fill("5");
        page.allowHttpError(409);
        await page.getByRole("button", { name: "Receive", exact: true }).click();
        await page.getByText(/exceeds the order/).waitFor();
        await page.check("po-over-receipt");
        await page.getByLabel(new RegExp(`^${skus[1]}: receive now`)).fill("4");
        await page.getByRole("button", { name: "Receive", exact: true }).click();
        await page.getByText("partially received").first().waitFor();
        await page.getByLabel(new RegExp(`^${skus[0]}: receive now`)).fill("4");
        await page.getByLabel(new RegExp(`^${skus[1]}: receive now`)).fill("0");
        await page.getByRole("button", { name: "Receive", exact: true }).click();
        await page.getByText("received", { exact: true }).first().waitFor();
        const row = (sku) => page.locator(`tr[data-sku="${sku}"]`);
        await row(skus[0]).locator('[data-col="on_hand"]').getByText("10", { exact: true }).waitFor();
        assert.equal(rupees(await row(skus[0]).locator('[data-col="avg_cost"]').textContent()), 21000);
        assert.equal(rupees(await row(skus[1]).locator('[data-col="avg_cost"]').textContent()), 40000);
        await page.check("po-received");

        // The product's own page shows the same stock and cost.
        await page.goto(`${stack.base}/admin/products/${productId}`);
        await row(skus[1]).locator('[data-col="on_hand"]').getByText("4", { exact: true }).waitFor();
        assert.equal(rupees(await row(skus[0]).locator('[data-col="avg_cost"]').textContent()), 21000);

        // The API holds what the screens showed.
        const product = await stack.api.get(`/api/v1/catalog/products/${productId}`);
        assert.equal(product.variants.length, 2);
        assert.deepEqual(product.variants.map((v) => [v.sku, v.price_minor]).sort(), [
          [skus[1], 67950],
          [skus[0], 34900],
        ].sort());
        assert.equal(product.gst_rate_bp, 1200);
        assert.equal(product.images.length, 1);
        for (const [sku, onHand, cost] of [
          [skus[0], 10, 21000],
          [skus[1], 4, 40000],
        ]) {
          const v = product.variants.find((x) => x.sku === sku);
          const stock = await stack.api.get(`/api/v1/inventory/variants/${v.id}/stock`);
          assert.equal(stock.on_hand, onHand);
          assert.equal(stock.avg_unit_cost_minor, cost);
        }

        // The store shows it, with its picture, price and stock.
        await page.goto(`${stack.base}/p/${product.slug}`);
        await page.getByRole("heading", { name, level: 1 }).waitFor();
        await page.getByText("In stock").first().waitFor();
        const img = page.getByRole("img", { name: "A jar of cow ghee" }).first();
        await img.waitFor();
        await page.check("storefront-product");
      });
    });
  });
}

describe("catalog CSV import at desk size", () => {
  test("a file with three bad cells shows all three in the dry run and imports nothing; the corrected file imports", async () => {
    const tag = Date.now().toString(36);
    const header = "product_slug,name,hsn_code,gst_rate_bp,status,options,sku,price_minor";
    const rows = (price, rate, hsn) => [
      `toor-dal-${tag},Toor Dal ${tag},0713,500,active,Size=500 g,TOOR-500-${tag},${price}`,
      `toor-dal-${tag},Toor Dal ${tag},0713,500,active,Size=1 kg,TOOR-1K-${tag},18500`,
      `jaggery-${tag},Jaggery ${tag},${hsn},${rate},active,,JAGG-${tag},9000`,
    ];
    const bad = [header, ...rows("95.50", "1300", "17a1")].join("\n") + "\n";
    const good = [header, ...rows("9550", "0", "1701")].join("\n") + "\n";
    await withPage(stack, SIZES[0], "bo-4-import", async (page) => {
      page.allowHttpError(400);
      await login(page, "admin@demo.kirana.in", "/admin/products");
      await page.getByRole("link", { name: "Import / export CSV" }).click();
      await page.getByRole("heading", { name: "Import / export CSV" }).waitFor();
      assert.equal(await page.getByRole("button", { name: "Import", exact: true }).isDisabled(), true, "nothing is applied before a check");
      await page.getByLabel("CSV file").setInputFiles({ name: "catalog.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
      await page.getByRole("button", { name: "Check file" }).click();
      await page.getByText("3 cells need fixing").waitFor();
      const table = page.getByRole("table", { name: "Cells to fix" });
      const cells = await table.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent.trim())),
      );
      // Rows are counted from 1 after the header, as the server names them.
      assert.deepEqual(cells, [
        ["1", "price_minor"],
        ["3", "gst_rate_bp"],
        ["3", "hsn_code"],
      ]);
      assert.equal(await page.getByRole("button", { name: "Import", exact: true }).isDisabled(), true);
      await page.check("import-bad-cells");
      const none = await stack.api.get(`/api/v1/catalog/products?q=${tag}&status=active`);
      assert.equal(none.items.length, 0, "the bad file wrote nothing");

      await page.getByLabel("CSV file").setInputFiles({ name: "catalog.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
      await page.getByRole("button", { name: "Check file" }).click();
      await page.getByText(/The file is good: 3 rows would create 2 products and 3 variants/).waitFor();
      assert.equal((await stack.api.get(`/api/v1/catalog/products?q=${tag}&status=active`)).items.length, 0, "a dry run writes nothing");
      await page.check("import-checked");
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await page.getByText(/Imported 3 rows: 2 products and 3 variants created/).waitFor();
    });
    const imported = await stack.api.get(`/api/v1/catalog/products?q=${tag}&status=active&sort=name`);
    assert.deepEqual(imported.items.map((p) => p.name), [`Jaggery ${tag}`, `Toor Dal ${tag}`]);
    const dal = await stack.api.get(`/api/v1/catalog/products/toor-dal-${tag}`);
    assert.deepEqual(dal.variants.map((v) => [v.sku, v.price_minor]).sort(), [
      [`TOOR-1K-${tag}`, 18500],
      [`TOOR-500-${tag}`, 9550],
    ].sort());
  });
});

describe("store settings at desk size", () => {
  test("an invalid GSTIN is refused at its field; a new store name shows on the next invoice", async () => {
    const name = `Sharma General Stores ${Date.now().toString(36)}`;
    await withPage(stack, SIZES[0], "bo-5-settings", async (page) => {
      page.allowHttpError(400);
      await login(page, "admin@demo.kirana.in", "/admin/settings");
      await page.getByRole("heading", { name: "Store settings" }).waitFor();
      await page.getByTestId("settings-source").getByText(/From the configuration/).waitFor();
      const field = page.getByLabel("GSTIN");
      const gstin = await field.inputValue();
      // One character off: the check character no longer matches.
      const wrong = gstin.slice(0, 14) + (gstin[14] === "A" ? "B" : "A");
      await field.fill(wrong);
      await page.getByLabel("Store name").fill(name);
      await page.getByRole("button", { name: "Save settings" }).click();
      await page.locator('input[aria-invalid="true"]').and(field).waitFor();
      assert.match(await page.locator("#" + (await field.getAttribute("aria-describedby"))).textContent(), /GSTIN/);
      await page.check("settings-gstin-error");
      const unchanged = await stack.api.get("/api/v1/settings/store");
      assert.equal(unchanged.source, "configuration", "a refused form changes nothing");
      assert.equal(unchanged.settings.gstin, gstin);

      await field.fill(gstin);
      await page.getByRole("button", { name: "Save settings" }).click();
      await page.getByText("Settings saved").waitFor();
      await page.getByTestId("settings-source").getByText(/Saved here on/).waitFor();
      // The back office's own header follows the store's new name.
      await page.locator("aside p", { hasText: name }).waitFor();
      await page.check("settings-saved");
    });
    const saved = await stack.api.get("/api/v1/settings/store");
    assert.equal(saved.source, "database");
    assert.equal(saved.settings.name, name);
    assert.equal((await stack.api.get("/api/v1/store")).name, name);

    // The next invoice: an order paid by hand is invoiced under the new name.
    const placed = await unpaidOrder(stack, 1);
    await stack.api.post("/api/v1/payments/manual", {
      order_id: placed.id,
      method: "upi",
      amount_minor: placed.grand_total_minor,
      reference: "UPI-SETTINGS",
    });
    let order;
    await waitFor(async () => {
      order = await stack.api.get(`/api/v1/orders/${placed.id}`);
      return order.invoices.length > 0;
    }, "the paid order is invoiced");
    const invoice = await stack.api.get(`/api/v1/invoices/${order.invoices[0].id}`);
    assert.equal(invoice.seller.name, name);
    const html = await (
      await fetch(`${stack.base}/api/v1/invoices/${order.invoices[0].id}.html`, { headers: { authorization: `Bearer ${stack.api.token}` } })
    ).text();
    assert.ok(html.includes(name), "the printed invoice names the store as saved");
  });
});

describe("every back-office screen passes axe at desk size and at phone size", () => {
  const screens = [
    ["/admin", "Dashboard"],
    ["/admin/orders", "Orders"],
    ["/admin/products", "Products"],
    ["/admin/products/new", "New product"],
    ["/admin/products/import", "Import / export CSV"],
    ["/admin/inventory?tab=stock", "Inventory"],
    ["/admin/inventory?tab=ledger", "Inventory"],
    ["/admin/inventory?tab=transfers", "Inventory"],
    ["/admin/inventory?tab=count", "Inventory"],
    ["/admin/inventory?tab=reorder", "Inventory"],
    ["/admin/purchasing?tab=orders", "Purchasing"],
    ["/admin/purchasing?tab=suppliers", "Purchasing"],
    ["/admin/reports", "Reports"],
    ["/admin/payments", "Payments"],
    ["/admin/invoices", "Invoices and credit notes"],
    ["/admin/catalog?tab=categories", "Categories and lists"],
    ["/admin/catalog?tab=collections", "Categories and lists"],
    ["/admin/catalog?tab=prices", "Categories and lists"],
    ["/admin/discounts", "Discount codes"],
    ["/admin/shipping", "Shipping zones"],
    ["/admin/people?tab=users", "People and access"],
    ["/admin/people?tab=keys", "People and access"],
    ["/admin/people?tab=events", "People and access"],
    ["/admin/settings", "Store settings"],
  ];
  for (const size of SIZES) {
    test(`${size.name}: each screen, with the keyboard's / to search where there is a search`, async () => {
      await withPage(stack, size, "bo-6-screens", async (page) => {
        await login(page, "admin@demo.kirana.in", "/admin");
        for (const [path, heading] of screens) {
          await page.goto(`${stack.base}${path}`);
          await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
          await page.check(path.replace(/[/?=]+/g, "-").replace(/^-/, ""));
          // Wide tables scroll inside their frame; the page itself never scrolls sideways.
          const overflow = await page.evaluate(() => globalThis.document.documentElement.scrollWidth - globalThis.innerWidth);
          assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
          if ((await page.locator("[data-search]").count()) > 0) {
            await page.locator("h1").click();
            await page.keyboard.press("/");
            assert.equal(await page.evaluate(() => globalThis.document.activeElement?.hasAttribute("data-search")), true, `/ focuses the search on ${path}`);
          }
        }
      });
    });
  }
});

describe("discount codes at desk size", () => {
  test("staff create a code, see it used by an order, and switch it off", async () => {
    const code = `JOURNEY${Date.now().toString(36).toUpperCase()}`;
    await withPage(stack, SIZES[0], "bo-8-discounts", async (page) => {
      page.allowHttpError(400);
      await login(page, "staff@demo.kirana.in", "/admin/discounts");
      await page.getByRole("button", { name: "New code" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Code", { exact: true }).fill(code);
      await dialog.getByLabel("Kind").selectOption("percent");
      await dialog.getByLabel(/^Percent off/).fill("150");
      await dialog.getByRole("button", { name: "Create code" }).click();
      await dialog.getByText("A percentage from 0.01 to 100.").waitFor();
      await dialog.getByLabel(/^Percent off/).fill("12.5");
      await dialog.getByLabel("Uses in all (optional)").fill("10");
      await page.check("new-code");
      await dialog.getByRole("button", { name: "Create code" }).click();
      await page.getByRole("button", { name: code }).waitFor();

      // A customer's order uses it.
      const products = await stack.api.get("/api/v1/catalog/products?in_stock=true&limit=1");
      const product = await stack.api.get(`/api/v1/catalog/products/${products.items[0].slug}`);
      const variant = product.variants.find((v) => v.available > 1);
      const add = await fetch(`${stack.base}/api/v1/cart/lines`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ variant_id: variant.id, quantity: 1 }),
      });
      const token = add.headers.get("x-cart-token");
      const withCode = await (
        await fetch(`${stack.base}/api/v1/cart/discount`, {
          method: "PUT",
          headers: { "content-type": "application/json", "x-cart-token": token },
          body: JSON.stringify({ code }),
        })
      ).json();
      // 12.5 % of the goods, rounded half-up to the paisa, as the screen's terms say.
      assert.equal(withCode.totals.discount_minor, Math.round((withCode.totals.subtotal_minor * 1250) / 10000));
      const placed = await fetch(`${stack.base}/api/v1/cart/checkout`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-cart-token": token, "Idempotency-Key": crypto.randomUUID() },
        body: JSON.stringify({
          email: "coupon@example.in",
          payment_method: "cod",
          shipping_address: { name: "Kiran Das", phone: "+91 94330 12345", line1: "3 Lake Road", city: "Kolkata", state_code: "19", pincode: "700029" },
        }),
      });
      assert.equal(placed.status, 201);
      await page.reload();
      await page.getByTestId(`uses-${code}`).getByText("1 / 10").waitFor();

      await page.getByRole("button", { name: code }).click();
      await dialog.getByText("Used 1 times so far.").waitFor();
      await dialog.getByLabel("On: customers can use it").uncheck();
      await dialog.getByRole("button", { name: "Save code" }).click();
      await page.getByRole("row", { name: new RegExp(code) }).getByText("Off", { exact: true }).waitFor();
      await page.check("code-off");
    });
    const saved = await stack.api.get(`/api/v1/discounts/${code}`);
    assert.deepEqual([saved.active, saved.used_count, saved.value, saved.max_uses], [false, 1, 1250, 10]);
  });
});

describe("shipping zones at desk size", () => {
  test("an admin makes a zone for Thiruvananthapuram PIN codes with weight slabs, and the address check prices it", async () => {
    const method = `Kerala Express ${Date.now().toString(36)}`;
    // The zone's terms, in paise: what the checks below must come to.
    const slabs = [
      [500, 4000],
      [2000, 7000],
    ];
    const extraPerKg = 2000;
    const freeAbove = 99900;
    const codFee = 3000;
    await withPage(stack, SIZES[0], "bo-9-shipping", async (page) => {
      await login(page, "admin@demo.kirana.in", "/admin/shipping");
      await page.getByRole("button", { name: "New zone" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Zone name").fill("Thiruvananthapuram");
      await dialog.getByLabel("Kerala").check();
      await dialog.getByLabel("PIN codes (optional)").fill("695, 69A");
      await dialog.getByLabel("Name shown at checkout").fill(method);
      await dialog.getByLabel("Charge", { exact: true }).selectOption("weight");
      for (const [upTo, amount] of slabs) {
        await dialog.getByRole("button", { name: "Add slab" }).click();
        await dialog.getByLabel("Up to (grams)").last().fill(String(upTo));
        await dialog.getByLabel("Charge (₹)").last().fill(String(amount / 100));
      }
      await dialog.getByLabel("Each kg above the last slab (₹)").fill(String(extraPerKg / 100));
      await dialog.getByLabel("Free above (₹, optional)").fill(String(freeAbove / 100));
      await dialog.getByLabel("Cash-on-delivery fee (₹)").fill(String(codFee / 100));
      await dialog.getByRole("button", { name: "Save zone" }).click();
      await dialog.getByText("Not a PIN prefix or range: 69A").waitFor();
      await page.check("zone-bad-pin");
      await dialog.getByLabel("PIN codes (optional)").fill("695");
      await dialog.getByRole("button", { name: "Save zone" }).click();
      await page.getByRole("button", { name: "Thiruvananthapuram" }).waitFor();

      const check = async (grams, rupeeValue, cod) => {
        await page.getByLabel("State", { exact: true }).selectOption("32");
        await page.getByLabel("PIN code").fill("695001");
        await page.getByLabel("Parcel weight (g)").fill(String(grams));
        await page.getByLabel("Order value (₹)").fill(String(rupeeValue));
        await page.getByLabel("Cash on delivery", { exact: true }).last().setChecked(cod);
        await page.getByRole("button", { name: "Check", exact: true }).click();
        const row = page.getByTestId("rate-options").getByRole("listitem").filter({ hasText: method });
        await row.waitFor();
        return rupees((await row.textContent()).split(method).pop().match(/₹[\d,.]+$/)[0]);
      };
      // 1.5 kg falls in the 2 kg slab; cash on delivery adds its fee.
      assert.equal(await check(1500, 500, false), slabs[1][1]);
      assert.equal(await check(1500, 500, true), slabs[1][1] + codFee);
      // 3.2 kg: the last slab and 2 more kilograms started (rounded up).
      assert.equal(await check(3200, 500, false), slabs[1][1] + Math.ceil((3200 - 2000) / 1000) * extraPerKg);
      // Above the threshold the delivery is free; the COD fee still applies.
      assert.equal(await check(1500, freeAbove / 100 + 1, true), codFee);
      await page.check("rate-check");
    });
    const zones = await stack.api.get("/api/v1/shipping/zones");
    const zone = zones.find((z) => z.name === "Thiruvananthapuram");
    assert.deepEqual(zone.area.states, ["32"]);
    assert.deepEqual(zone.area.pincodes, [{ prefix: "695" }]);
    assert.deepEqual(zone.rates[0].slabs, slabs.map(([up_to_grams, amount_minor]) => ({ up_to_grams, amount_minor })));
  });
});

describe("payments at desk size", () => {
  test("a payment Razorpay reported with the wrong amount is shown first, every payment is listed with its refunds, and the check against Razorpay names each difference", async () => {
    /** Starts Razorpay Checkout for an order and pays at the stand-in; its payment. */
    const payAtRazorpay = async (orderId) => {
      const started = await stack.api.post("/api/v1/payments/razorpay/orders", { order_id: orderId });
      const paid = await (
        await fetch(`${stack.razorpay.url}/standin/pay`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ order_id: started.razorpay_order_id, key: started.key_id }),
        })
      ).json();
      return { order_id: orderId, ...paid };
    };
    const verify = (paid) =>
      fetch(`${stack.base}/api/v1/payments/razorpay/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(paid),
      });

    // A: Razorpay captured a rupee less than the order asks: flagged, the order unpaid.
    const a = await unpaidOrder(stack, 1);
    const paidA = await payAtRazorpay(a.id);
    stack.razorpay.payments.get(paidA.razorpay_payment_id).amount -= 100;
    assert.equal((await verify(paidA)).status, 409);
    // B: paid in full; later Razorpay holds a ₹50 refund the store never recorded.
    const b = await unpaidOrder(stack, 1);
    const paidB = await payAtRazorpay(b.id);
    assert.equal((await verify(paidB)).status, 200);
    stack.razorpay.payments.get(paidB.razorpay_payment_id).amount_refunded = 5000;
    // C: cash taken by hand at the desk, with ₹20 of it refunded.
    const c = await unpaidOrder(stack, 1);
    const cash = await stack.api.post("/api/v1/payments/manual", { order_id: c.id, method: "cash", amount_minor: c.grand_total_minor });
    await stack.api.post(`/api/v1/payments/${cash.id}/refunds`, { amount_minor: 2000, reason: "short weight" });

    await withPage(stack, SIZES[0], "bo-10-payments", async (page) => {
      await login(page, "staff@demo.kirana.in", "/admin/payments");
      const flagged = page.getByTestId("pay-flagged");
      await flagged.getByRole("link", { name: a.number }).waitFor();
      assert.match(await flagged.textContent(), /1 payment\(s\) need a look/);
      const reason = await flagged.getByRole("listitem").locator("span").last().textContent();
      assert.deepEqual(reason.match(/₹[\d,.]+\d/g).map(rupees), [a.grand_total_minor - 100, a.grand_total_minor], `the reason names both amounts: ${reason}`);

      // Every payment newest first: C's cash (₹20 refunded), B's online payment, A's flagged one.
      const table = page.getByRole("table", { name: "All payments" });
      const rows = table.locator("tbody tr");
      await rows.first().getByRole("link", { name: c.number }).waitFor();
      assert.equal(await rows.nth(1).getByRole("link").textContent(), b.number);
      assert.equal(await rows.nth(2).getByRole("link").textContent(), a.number);
      const cells = async (row) => (await row.locator("td").allTextContents()).map((t) => t.trim());
      const cRow = await cells(rows.first());
      assert.equal(cRow[2], "Cash");
      assert.equal(rupees(cRow[4]), c.grand_total_minor);
      assert.equal(rupees(cRow[5]), 2000);
      assert.match((await cells(rows.nth(2)))[3], /Needs a look/);
      // Filtered to cash, only C is left.
      await page.getByLabel("Method").selectOption("cash");
      await waitFor(async () => (await rows.count()) >= 1 && (await rows.first().textContent()).includes(c.number) && !(await table.textContent()).includes(b.number), "the cash filter");
      await page.check("payments-list");

      // The check against Razorpay: A captured there but not here, B's refund differs.
      await page.getByRole("button", { name: "Check", exact: true }).click();
      const result = page.getByTestId("pay-reconciliation");
      await result.waitFor();
      assert.match(await result.getByRole("status").textContent(), /^2 difference\(s\)/);
      const diffs = result.locator("tbody tr");
      const byKind = {};
      for (const row of await diffs.all()) {
        const t = await cells(row);
        byKind[t[0]] = t;
      }
      const refunded = byKind["Refunds differ"];
      assert.ok(refunded, "B's refund is named");
      assert.equal(refunded[2], paidB.razorpay_payment_id);
      assert.equal(rupees(refunded[3]), 0);
      assert.equal(rupees(refunded[4]), 5000);
      const missing = byKind["Captured at Razorpay, not recorded here"];
      assert.ok(missing, "A's capture is named");
      assert.equal(missing[2], paidA.razorpay_payment_id);
      assert.match(missing[3], /Needs a look/);
      await page.check("payments-reconciled");
    });
    // The API agrees: A flagged, B captured, C captured with ₹20 refunded.
    const recent = await stack.api.get("/api/v1/payments/recent?limit=100");
    const of = (order) => recent.items.filter((p) => p.order_id === order.id);
    assert.deepEqual(of(a).map((p) => p.status), ["flagged"]);
    assert.deepEqual(of(b).map((p) => p.status), ["captured"]);
    assert.deepEqual(of(c).map((p) => [p.status, p.refunded_minor]), [["captured", 2000]]);
  });
});

describe("categories, collections, price lists and the product table at desk size", () => {
  test("an admin builds and reshapes a category tree, orders a collection, prices a variant for a customer, and sorts, filters and bulk-changes products", async () => {
    const tag = Date.now().toString(36);
    const festive = `Festive ${tag}`;
    const sweets = `Sweets ${tag}`;
    const mithai = `Mithai ${tag}`;
    const listing = await stack.api.get("/api/v1/catalog/products?limit=3&sort=name");
    const [p1, p2] = listing.items;
    const detail = await stack.api.get(`/api/v1/catalog/products/${p1.slug}`);
    const variant = detail.variants[0];
    const customer = (await stack.api.get("/api/v1/admin/users?role=customer&q=customer%40demo")).items[0];

    await withPage(stack, SIZES[0], "bo-11-catalog-setup", async (page) => {
      await login(page, "admin@demo.kirana.in", "/admin/catalog?tab=categories");
      const form = page.locator("form", { has: page.getByRole("heading", { name: "New category" }) });
      await form.getByLabel("Name").fill(festive);
      await form.getByRole("button", { name: "Create" }).click();
      await page.getByText(`${festive} created.`).waitFor();
      await form.getByLabel("Name").fill(sweets);
      await form.getByLabel("Inside").selectOption({ label: festive });
      await form.getByRole("button", { name: "Create" }).click();
      const tree = page.getByTestId("category-tree");
      await tree.locator(`[data-category="${sweets}"]`).waitFor();
      // Sweets is renamed Mithai and moved to the top level, then up above Festive.
      await tree.locator(`[data-category="${sweets}"]`).getByRole("button", { name: "Rename or move" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Name").fill(mithai);
      await dialog.getByLabel("Inside").selectOption({ label: "Top level" });
      await dialog.getByRole("button", { name: "Save" }).click();
      await tree.locator(`[data-category="${mithai}"]`).waitFor();
      // Up one place among the top-level categories; the rest keep their order.
      const roots = async () => (await stack.api.get("/api/v1/catalog/categories")).map((c) => c.name);
      const before = await roots();
      const at = before.indexOf(mithai);
      assert.ok(at > 0, "Mithai is a top-level category below another");
      const expected = [...before];
      [expected[at - 1], expected[at]] = [expected[at], expected[at - 1]];
      await tree.getByRole("button", { name: `Move ${mithai} up` }).click();
      await waitFor(async () => JSON.stringify(await roots()) === JSON.stringify(expected), "Mithai one place up");
      await waitFor(async () => (await tree.locator("[data-category]").allTextContents()).length > 0, "the tree");
      await page.check("category-tree");

      // A collection of two products, the second put first.
      await page.getByRole("tab", { name: "Collections" }).click();
      await page.getByLabel("New collection").fill(`Diwali ${tag}`);
      await page.getByRole("button", { name: "Create" }).click();
      await page.getByRole("heading", { name: `Diwali ${tag}` }).waitFor();
      for (const p of [p1, p2]) {
        await page.getByLabel("Add a product").fill(p.name);
        await page.getByRole("button", { name: `Add ${p.name}` }).click();
        await page.getByTestId("collection-products").locator(`[data-product="${p.name}"]`).waitFor();
      }
      await page.getByRole("button", { name: `Move ${p2.name} up` }).click();
      await page.getByRole("button", { name: "Save products" }).click();
      await page.getByText("Saved.").first().waitFor();
      await page.check("collection");

      // A price list: the variant at ₹5 less for the demo customer.
      await page.getByRole("tab", { name: "Price lists" }).click();
      await page.getByLabel("New price list").fill(`Hotels ${tag}`);
      await page.getByRole("button", { name: "Create" }).click();
      await page.getByRole("heading", { name: `Hotels ${tag}` }).waitFor();
      const picker = page.getByLabel("Add a variant by SKU or name");
      await picker.fill(variant.sku);
      await page.getByRole("option", { name: new RegExp(variant.sku) }).waitFor();
      await picker.press("Enter");
      await page.getByLabel(`Price for ${variant.sku} (₹)`).fill(((variant.price_minor - 500) / 100).toFixed(2));
      await page.getByRole("button", { name: "Save prices" }).click();
      await page.getByText("Saved.").first().waitFor();
      await page.getByLabel("Find a customer by name or e-mail").fill("customer@demo");
      await page.getByRole("button", { name: `Add ${customer.name}` }).click();
      await page.getByRole("button", { name: "Save customers" }).click();
      await page.getByTestId("price-list-members").getByText(customer.email).waitFor();
      await page.check("price-list");
    });
    const categories = await stack.api.get("/api/v1/catalog/categories");
    assert.ok(categories.some((c) => c.name === mithai), "Mithai is a top-level category");
    assert.equal(categories.find((c) => c.name === festive).children.length, 0);
    const collection = (await stack.api.get("/api/v1/catalog/collections")).find((c) => c.name === `Diwali ${tag}`);
    const ordered = await stack.api.get(`/api/v1/catalog/collections/${collection.id}`);
    assert.deepEqual(ordered.products.map((p) => p.id), [p2.id, p1.id]);
    const list = (await stack.api.get("/api/v1/catalog/price-lists")).find((l) => l.name === `Hotels ${tag}`);
    assert.deepEqual(list.prices.map((p) => [p.variant_id, p.price_minor]), [[variant.id, variant.price_minor - 500]]);
    assert.deepEqual(list.member_ids, [customer.id]);

    await withPage(stack, SIZES[0], "bo-11-products-table", async (page) => {
      await login(page, "admin@demo.kirana.in", "/admin/products");
      const table = page.getByRole("table", { name: "Products" });
      const rows = table.locator("tbody tr");
      await rows.first().waitFor();
      // Sorted by price, lowest first: each row's lowest price is at least the one above.
      await table.getByRole("button", { name: "Price" }).click();
      await page.waitForURL(/sort=price_asc/);
      await waitFor(async () => (await table.locator("th[aria-sort=ascending]").count()) === 1, "sorted");
      const api = await stack.api.get("/api/v1/catalog/products?sort=price_asc&limit=50");
      await waitFor(async () => (await rows.first().textContent()).includes(api.items[0].name), "the cheapest first");
      const shown = [];
      for (const row of (await rows.all()).slice(0, 10)) shown.push(rupees((await row.locator("td").nth(3).textContent()).split("–")[0]));
      assert.deepEqual(shown, [...shown].sort((x, y) => x - y));
      // Out of stock only: every row says so, as the API does.
      await page.getByLabel("Stock").selectOption({ label: "Out of stock" });
      const out = await stack.api.get("/api/v1/catalog/products?in_stock=false&limit=50");
      await waitFor(async () => (await rows.count()) === out.items.length || (out.items.length === 0 && (await table.count()) === 0), "the out-of-stock filter");
      await page.getByLabel("Stock").selectOption({ label: "Any" });
      await page.getByRole("button", { name: "Price" }).waitFor();
      // The two products of the collection (the first two by name) go to draft together,
      // then back.
      await table.getByRole("button", { name: "Name" }).click();
      await page.waitForURL(/sort=name/);
      for (const status of ["Draft", "Active"]) {
        const from = status === "Draft" ? "Active" : "Draft";
        await page.getByLabel("Status", { exact: true }).selectOption({ label: from });
        for (const p of [p1, p2]) await page.getByRole("checkbox", { name: `Choose ${p.name}` }).check();
        const bulk = page.getByRole("region", { name: "Change the chosen products" });
        await bulk.getByText("2 chosen").waitFor();
        await bulk.getByLabel("Set status to").selectOption({ label: status });
        await bulk.getByRole("button", { name: "Apply" }).click();
        await page.getByText(`2 product(s) now ${status}.`).waitFor();
        if (status === "Draft") {
          await page.check("bulk-draft");
          for (const p of [p1, p2]) assert.equal((await stack.api.get(`/api/v1/catalog/products/${p.id}`)).status, "draft");
        }
      }
    });
    for (const p of [p1, p2]) assert.equal((await stack.api.get(`/api/v1/catalog/products/${p.id}`)).status, "active");
  });
});

describe("moving an order's status by hand on a phone", () => {
  test("staff mark a parcel sent with their own delivery boy delivered, with a note, then completed; the timeline shows both", async () => {
    const placed = await unpaidOrder(stack, 1);
    await stack.api.post("/api/v1/payments/manual", { order_id: placed.id, method: "upi", amount_minor: placed.grand_total_minor, reference: "UPI-7788" });
    await waitFor(async () => (await stack.api.get(`/api/v1/orders/${placed.id}`)).status === "paid", "the order paid");
    const order = await stack.api.get(`/api/v1/orders/${placed.id}`);
    await stack.api.post("/api/v1/shipments", {
      order_id: placed.id,
      lines: order.lines.map((l) => ({ line_no: l.line_no, quantity: l.quantity })),
      carrier: "manual",
      tracking_number: `HAND-${Date.now()}`,
    });
    await waitFor(async () => (await stack.api.get(`/api/v1/orders/${placed.id}`)).status === "shipped", "the order shipped");
    const note = "Handed to Mr Das at the gate";
    await withPage(stack, SIZES[1], "bo-12-move-status", async (page) => {
      await login(page, "staff@demo.kirana.in", `/admin/orders/${placed.id}`);
      await page.getByRole("button", { name: "Move status" }).click();
      const to = page.getByLabel("Move to");
      assert.deepEqual(await to.locator("option").allTextContents(), ["delivered"], "from shipped, only delivered");
      await page.getByLabel("Note for the timeline (optional)").fill(note);
      await page.check("move-delivered");
      await page.getByRole("button", { name: "Mark delivered" }).click();
      await page.getByText(`${placed.number} is now delivered.`).waitFor();
      await page.getByRole("button", { name: "Move status" }).click();
      assert.deepEqual(await page.getByLabel("Move to").locator("option").allTextContents(), ["completed"]);
      await page.getByRole("button", { name: "Mark completed" }).click();
      await page.getByText(`${placed.number} is now completed.`).waitFor();
      await waitFor(async () => (await page.getByRole("button", { name: "Move status" }).count()) === 0, "no further step by hand");
      await page.getByText(note).waitFor();
      await page.check("move-completed");
    });
    const done = await stack.api.get(`/api/v1/orders/${placed.id}`);
    assert.equal(done.status, "completed");
    const steps = done.timeline.map((t) => [t.from_status, t.to_status]);
    assert.deepEqual(steps.slice(-2), [
      ["shipped", "delivered"],
      ["delivered", "completed"],
    ]);
    assert.equal(done.timeline.find((t) => t.to_status === "delivered").note, note);
  });
});

describe("invoices and credit notes at desk size", () => {
  test("staff find an invoice by part of its number, filter by kind and open it to print and as a PDF", async () => {
    const placed = await unpaidOrder(stack, 1);
    await stack.api.post("/api/v1/payments/manual", { order_id: placed.id, method: "card", amount_minor: placed.grand_total_minor, reference: "POS-TERM-42" });
    await waitFor(async () => (await stack.api.get(`/api/v1/orders/${placed.id}`)).invoices.length === 1, "the invoice issued");
    const invoice = (await stack.api.get(`/api/v1/orders/${placed.id}`)).invoices[0];
    const tail = invoice.number.split("/").pop();
    await withPage(stack, SIZES[0], "bo-13-invoices", async (page) => {
      await login(page, "staff@demo.kirana.in", "/admin/invoices");
      await page.getByRole("heading", { name: "Invoices and credit notes", level: 1 }).waitFor();
      const search = page.getByLabel("Find by number");
      await search.fill("INV%");
      await search.press("Enter");
      await page.getByText("Use letters, digits, / and - only.").waitFor();
      await search.fill(tail);
      await search.press("Enter");
      await page.waitForURL(new RegExp(`number=${tail}`));
      const table = page.getByRole("table", { name: "Invoices and credit notes" });
      const row = table.locator("tbody tr", { hasText: invoice.number });
      await row.waitFor();
      assert.equal(await row.getByRole("link", { name: placed.number }).count(), 1);
      assert.equal(rupees(await row.locator("td").nth(4).textContent()), placed.grand_total_minor);
      await page.check("invoice-found");
      // Credit notes only: this invoice is not one.
      await page.getByLabel("Show").selectOption("credit_note");
      await waitFor(async () => (await table.locator("tbody tr", { hasText: invoice.number }).count()) === 0, "the credit-note filter");
      await page.getByLabel("Show").selectOption("invoice");
      await row.waitFor();
      // The printable page and the PDF, fetched with the page's own session.
      const print = await row.getByRole("link", { name: `Print ${invoice.number}` }).getAttribute("href");
      const html = await (await page.request.get(`${stack.base}${print}`)).text();
      assert.ok(html.includes(invoice.number) && html.includes(placed.number), "the printable invoice names itself and its order");
      const pdf = await page.request.get(`${stack.base}${await row.getByRole("link", { name: `PDF of ${invoice.number}` }).getAttribute("href")}`);
      assert.equal(pdf.headers()["content-type"], "application/pdf");
      assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");

      // The order is found by its number's tail and, from its page, the buyer's other orders.
      await page.goto(`${stack.base}/admin/orders`);
      await page.getByRole("heading", { name: "Orders", level: 1 }).waitFor();
      await page.keyboard.press("/");
      await page.keyboard.type(placed.number.slice(3));
      await page.keyboard.press("Enter");
      const orders = page.getByRole("table", { name: "Orders" });
      await waitFor(async () => (await orders.locator("tbody tr").count()) === 1 && (await orders.locator("tbody tr").first().textContent()).includes(placed.number), "the order found by number");
      assert.match(await orders.locator("tbody tr").first().textContent(), /Kiran Das/);
      await orders.getByRole("link", { name: placed.number }).click();
      await page.getByRole("link", { name: "all their orders" }).click();
      await page.waitForURL(/q=walkin/);
      const theirs = (await stack.api.get("/api/v1/orders?q=walkin%40example.in&limit=100")).items;
      await waitFor(async () => (await orders.locator("tbody tr").count()) === theirs.length, "the buyer's orders");
      await page.check("orders-of-buyer");
    });
  });
});
