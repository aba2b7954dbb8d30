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

diesel::allow_tables_to_appear_in_same_query!(
    idempotency_keys,
    outbox,
    processed_events,
    sequences,
);
