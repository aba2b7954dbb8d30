// Mirrors the migrations as `diesel print-schema` prints them; change both together.

diesel::table! {
    idempotency_keys (scope, idem_key) {
        scope -> Text,
        idem_key -> Text,
        request_hash -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        locked_until -> Timestamp,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        event_type -> Text,
        aggregate_id -> Nullable<Text>,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    processed_events (subscriber, event_id) {
        subscriber -> Text,
        event_id -> Text,
        processed_at -> Timestamp,
    }
}

diesel::table! {
    sequences (name) {
        name -> Text,
        next_value -> BigInt,
    }
}

diesel::table! {
    store_settings (id) {
        id -> Text,
        body -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        phone -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        role -> Text,
        status -> Text,
        auth_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        family_id -> Text,
        user_id -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (email) {
        email -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        lock_count -> Integer,
    }
}

diesel::table! {
    addresses (id) {
        id -> Text,
        user_id -> Text,
        label -> Nullable<Text>,
        name -> Text,
        phone -> Text,
        line1 -> Text,
        line2 -> Nullable<Text>,
        city -> Text,
        state_code -> Text,
        pincode -> Text,
        is_default -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        key_hash -> Text,
        permissions -> Text,
        owner_id -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    catalog_categories (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        name -> Text,
        slug -> Text,
        position -> Integer,
        path -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalog_collections (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        description -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalog_collection_products (collection_id, product_id) {
        collection_id -> Text,
        product_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    catalog_images (id) {
        id -> Text,
        product_id -> Text,
        blob_key -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        alt -> Text,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    catalog_price_lists (id) {
        id -> Text,
        name -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalog_price_list_prices (price_list_id, variant_id) {
        price_list_id -> Text,
        variant_id -> Text,
        price -> BigInt,
    }
}

diesel::table! {
    catalog_price_list_members (price_list_id, user_id) {
        price_list_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    catalog_sale_prices (id) {
        id -> Text,
        variant_id -> Text,
        price -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    catalog_products (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        status -> Text,
        seller_id -> Text,
        hsn_code -> Text,
        gst_rate_bp -> Integer,
        options -> Text,
        min_price -> BigInt,
        max_price -> BigInt,
        in_stock -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        image_key -> Nullable<Text>,
        compare_at_price -> Nullable<BigInt>,
    }
}

diesel::table! {
    catalog_variants (id) {
        id -> Text,
        product_id -> Text,
        sku -> Text,
        barcode -> Nullable<Text>,
        title -> Text,
        options -> Text,
        price -> BigInt,
        compare_at_price -> Nullable<BigInt>,
        weight_grams -> Integer,
        length_mm -> Nullable<Integer>,
        width_mm -> Nullable<Integer>,
        height_mm -> Nullable<Integer>,
        position -> Integer,
        status -> Text,
        available -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalog_listing (category_id, product_id) {
        category_id -> Text,
        product_id -> Text,
        status -> Text,
        min_price -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    catalog_product_categories (product_id, category_id) {
        product_id -> Text,
        category_id -> Text,
    }
}

diesel::table! {
    catalog_search (product_id) {
        product_id -> Text,
        name -> Text,
        description -> Text,
        codes -> Text,
    }
}

diesel::table! {
    oidc_logins (state_hash) {
        state_hash -> Text,
        provider -> Text,
        nonce -> Text,
        code_verifier -> Text,
        return_to -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    oidc_identities (id) {
        id -> Text,
        issuer -> Text,
        subject -> Text,
        user_id -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        last_login_at -> Timestamp,
    }
}

diesel::table! {
    oidc_links (token_hash) {
        token_hash -> Text,
        issuer -> Text,
        subject -> Text,
        user_id -> Text,
        email -> Text,
        expires_at -> Timestamp,
    }
}

// ---- inventory domain ----

diesel::table! {
    inventory_locations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_items (variant_id) {
        variant_id -> Text,
        on_hand -> BigInt,
        reserved -> BigInt,
        avg_unit_cost -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_levels (variant_id, location_id) {
        variant_id -> Text,
        location_id -> Text,
        on_hand -> BigInt,
        reserved -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_movements (id) {
        id -> Text,
        variant_id -> Text,
        location_id -> Text,
        kind -> Text,
        on_hand_delta -> BigInt,
        reserved_delta -> BigInt,
        unit_cost -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        reference -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inventory_reservations (id) {
        id -> Text,
        reference -> Text,
        location_id -> Text,
        status -> Text,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_reservation_lines (reservation_id, variant_id) {
        reservation_id -> Text,
        variant_id -> Text,
        quantity -> BigInt,
    }
}

diesel::table! {
    inventory_suppliers (id) {
        id -> Text,
        name -> Text,
        gstin -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        lead_time_days -> Nullable<Integer>,
    }
}

diesel::table! {
    inventory_transfers (id) {
        id -> Text,
        from_location_id -> Text,
        to_location_id -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        shipped_by -> Text,
        shipped_at -> Timestamp,
        received_by -> Nullable<Text>,
        received_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inventory_transfer_lines (transfer_id, variant_id) {
        transfer_id -> Text,
        variant_id -> Text,
        quantity -> BigInt,
    }
}

diesel::table! {
    inventory_thresholds (variant_id, location_id) {
        variant_id -> Text,
        location_id -> Text,
        threshold -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_purchase_orders (id) {
        id -> Text,
        supplier_id -> Text,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_purchase_order_lines (purchase_order_id, variant_id) {
        purchase_order_id -> Text,
        variant_id -> Text,
        quantity_ordered -> BigInt,
        quantity_received -> BigInt,
        unit_cost -> BigInt,
        position -> Integer,
    }
}

// ---- end of inventory domain ----

diesel::table! {
    carts (id) {
        id -> Text,
        token_hash -> Nullable<Text>,
        customer_id -> Nullable<Text>,
        channel -> Text,
        register_session_id -> Nullable<Text>,
        status -> Text,
        order_id -> Nullable<Text>,
        discount_code -> Nullable<Text>,
        details -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cart_lines (cart_id, variant_id) {
        cart_id -> Text,
        variant_id -> Text,
        quantity -> BigInt,
        added_at -> Timestamp,
    }
}

diesel::table! {
    discount_codes (id) {
        id -> Text,
        code -> Text,
        kind -> Text,
        value -> BigInt,
        min_order_minor -> BigInt,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        max_uses -> Nullable<BigInt>,
        max_uses_per_customer -> Nullable<BigInt>,
        used_count -> BigInt,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discount_redemptions (id) {
        id -> Text,
        discount_id -> Text,
        order_id -> Text,
        customer_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pos_registers (id) {
        id -> Text,
        name -> Text,
        location_id -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pos_sessions (id) {
        id -> Text,
        register_id -> Text,
        open_register_id -> Nullable<Text>,
        status -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        opening_float_minor -> BigInt,
        closed_by -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        counted_cash_minor -> Nullable<BigInt>,
        expected_cash_minor -> Nullable<BigInt>,
        report -> Nullable<Text>,
    }
}

diesel::table! {
    pos_tickets (id) {
        id -> Text,
        device_id -> Text,
        ticket_id -> Text,
        session_id -> Text,
        order_id -> Text,
        offline -> Bool,
        flagged -> Bool,
        flags -> Text,
        sold_at -> Timestamp,
        received_at -> Timestamp,
    }
}

diesel::table! {
    pos_tenders (id) {
        id -> Text,
        session_id -> Text,
        order_id -> Text,
        kind -> Text,
        amount_minor -> BigInt,
        tendered_minor -> BigInt,
        reference -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        number -> Text,
        channel -> Text,
        status -> Text,
        customer_id -> Nullable<Text>,
        location_id -> Text,
        currency -> Text,
        subtotal_minor -> BigInt,
        discount_minor -> BigInt,
        shipping_minor -> BigInt,
        tax_minor -> BigInt,
        grand_total_minor -> BigInt,
        refunded_minor -> BigInt,
        details -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    order_lines (order_id, line_no) {
        order_id -> Text,
        line_no -> Integer,
        variant_id -> Text,
        seller_id -> Text,
        sku -> Text,
        name -> Text,
        hsn -> Text,
        quantity -> BigInt,
        unit_price_minor -> BigInt,
        discount_minor -> BigInt,
        rate_bp -> Integer,
        taxable_minor -> BigInt,
        cgst_minor -> BigInt,
        sgst_minor -> BigInt,
        igst_minor -> BigInt,
        fulfilled_quantity -> BigInt,
    }
}

diesel::table! {
    order_events (id) {
        id -> Text,
        order_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        number -> Text,
        kind -> Text,
        order_id -> Text,
        order_invoice -> Nullable<Text>,
        invoice_id -> Nullable<Text>,
        financial_year -> Text,
        grand_total_minor -> BigInt,
        document -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    order_returns (id) {
        id -> Text,
        order_id -> Text,
        status -> Text,
        reason -> Text,
        items -> Text,
        refund_minor -> BigInt,
        location_id -> Nullable<Text>,
        disposition -> Nullable<Text>,
        credit_note_id -> Nullable<Text>,
        exchange_order_id -> Nullable<Text>,
        requested_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        order_id -> Text,
        method -> Text,
        status -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        provider_order_id -> Nullable<Text>,
        provider_payment_id -> Nullable<Text>,
        refunded_minor -> BigInt,
        flag_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reference -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        session_id -> Nullable<Text>,
    }
}

diesel::table! {
    payment_webhooks (event_id) {
        event_id -> Text,
        provider -> Text,
        event_type -> Text,
        payload -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    payment_refunds (id) {
        id -> Text,
        payment_id -> Text,
        order_id -> Text,
        amount_minor -> BigInt,
        status -> Text,
        provider_refund_id -> Nullable<Text>,
        reason -> Nullable<Text>,
        return_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    shipping_zones (id) {
        id -> Text,
        name -> Text,
        position -> Integer,
        active -> Bool,
        area -> Text,
        rates -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    shipments (id) {
        id -> Text,
        order_id -> Text,
        number -> Text,
        status -> Text,
        carrier -> Text,
        tracking_number -> Nullable<Text>,
        location_id -> Text,
        details -> Text,
        created_by -> Text,
        status_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    shipment_events (id) {
        id -> Text,
        shipment_id -> Text,
        status -> Text,
        occurred_at -> Timestamp,
        location -> Nullable<Text>,
        description -> Nullable<Text>,
        source -> Text,
        external_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    analytics_documents (id) {
        id -> Text,
        day -> Date,
        kind -> Text,
        number -> Text,
        channel -> Text,
        customer_id -> Nullable<Text>,
        buyer_gstin -> Nullable<Text>,
        place_of_supply -> Text,
        taxable_minor -> BigInt,
        cgst_minor -> BigInt,
        sgst_minor -> BigInt,
        igst_minor -> BigInt,
        union_territory -> Bool,
        grand_total_minor -> BigInt,
    }
}

diesel::table! {
    analytics_document_rates (document_id, hsn, rate_bp) {
        document_id -> Text,
        hsn -> Text,
        rate_bp -> Integer,
        quantity -> BigInt,
        taxable_minor -> BigInt,
        cgst_minor -> BigInt,
        sgst_minor -> BigInt,
        igst_minor -> BigInt,
    }
}

diesel::table! {
    analytics_daily (day, channel) {
        day -> Date,
        channel -> Text,
        orders -> BigInt,
        units -> BigInt,
        gross_minor -> BigInt,
        discount_minor -> BigInt,
        shipping_minor -> BigInt,
        taxable_minor -> BigInt,
        tax_minor -> BigInt,
        invoiced_minor -> BigInt,
        credit_notes -> BigInt,
        returned_minor -> BigInt,
        returned_taxable_minor -> BigInt,
        returned_tax_minor -> BigInt,
    }
}

diesel::table! {
    analytics_variant_daily (day, channel, variant_id) {
        day -> Date,
        channel -> Text,
        variant_id -> Text,
        product_id -> Text,
        seller_id -> Text,
        units -> BigInt,
        gross_minor -> BigInt,
        discount_minor -> BigInt,
        net_minor -> BigInt,
        returned_units -> BigInt,
        returned_minor -> BigInt,
    }
}

diesel::table! {
    analytics_variant_monthly (month, channel, variant_id) {
        month -> Date,
        channel -> Text,
        variant_id -> Text,
        product_id -> Text,
        seller_id -> Text,
        units -> BigInt,
        gross_minor -> BigInt,
        discount_minor -> BigInt,
        net_minor -> BigInt,
        returned_units -> BigInt,
        returned_minor -> BigInt,
    }
}

diesel::table! {
    analytics_payment_daily (day, method) {
        day -> Date,
        method -> Text,
        invoices -> BigInt,
        amount_minor -> BigInt,
    }
}

diesel::joinable!(addresses -> users (user_id));
diesel::joinable!(api_keys -> users (owner_id));
diesel::joinable!(catalog_product_categories -> catalog_categories (category_id));
diesel::joinable!(catalog_product_categories -> catalog_products (product_id));
diesel::joinable!(catalog_collection_products -> catalog_collections (collection_id));
diesel::joinable!(catalog_collection_products -> catalog_products (product_id));
diesel::joinable!(catalog_images -> catalog_products (product_id));
diesel::joinable!(catalog_price_list_members -> catalog_price_lists (price_list_id));
diesel::joinable!(catalog_price_list_prices -> catalog_price_lists (price_list_id));
diesel::joinable!(catalog_products -> users (seller_id));
diesel::joinable!(catalog_variants -> catalog_products (product_id));
diesel::joinable!(inventory_items -> catalog_variants (variant_id));
diesel::joinable!(inventory_levels -> catalog_variants (variant_id));
diesel::joinable!(inventory_levels -> inventory_locations (location_id));
diesel::joinable!(inventory_movements -> inventory_locations (location_id));
diesel::joinable!(inventory_purchase_order_lines -> inventory_purchase_orders (purchase_order_id));
diesel::joinable!(inventory_purchase_orders -> inventory_suppliers (supplier_id));
diesel::joinable!(inventory_transfer_lines -> inventory_transfers (transfer_id));
diesel::joinable!(inventory_reservation_lines -> inventory_reservations (reservation_id));
diesel::joinable!(inventory_reservations -> inventory_locations (location_id));
diesel::joinable!(oidc_identities -> users (user_id));
diesel::joinable!(oidc_links -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(cart_lines -> carts (cart_id));

diesel::allow_tables_to_appear_in_same_query!(
    addresses,
    analytics_daily,
    analytics_document_rates,
    analytics_documents,
    analytics_payment_daily,
    analytics_variant_daily,
    analytics_variant_monthly,
    api_keys,
    cart_lines,
    carts,
    catalog_categories,
    catalog_collection_products,
    catalog_collections,
    catalog_images,
    catalog_price_list_members,
    catalog_price_list_prices,
    catalog_price_lists,
    catalog_listing,
    catalog_product_categories,
    catalog_products,
    catalog_sale_prices,
    catalog_search,
    catalog_variants,
    discount_codes,
    discount_redemptions,
    documents,
    idempotency_keys,
    inventory_items,
    inventory_levels,
    inventory_locations,
    inventory_movements,
    inventory_purchase_order_lines,
    inventory_purchase_orders,
    inventory_reservation_lines,
    inventory_reservations,
    inventory_suppliers,
    inventory_thresholds,
    inventory_transfer_lines,
    inventory_transfers,
    invoices,
    login_throttle,
    oidc_identities,
    oidc_links,
    oidc_logins,
    order_events,
    order_lines,
    order_returns,
    orders,
    outbox,
    password_resets,
    payment_refunds,
    payment_webhooks,
    payments,
    pos_registers,
    pos_sessions,
    pos_tenders,
    pos_tickets,
    processed_events,
    refresh_tokens,
    sequences,
    shipment_events,
    shipments,
    shipping_zones,
    store_settings,
    users,
);

diesel::table! {
    documents (collection, id) {
        collection -> Text,
        id -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        body -> Text,
        k1 -> Nullable<Text>,
        k2 -> Nullable<Text>,
        k3 -> Nullable<Text>,
        n1 -> Nullable<Double>,
    }
}
