//! Settings: built-in defaults, `config/default.toml`, `config/{profile}.toml`, then
//! `KIRANA__SECTION__KEY` environment variables (and `..._FILE` secrets), validated once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Environment prefix; the separator between sections and keys is a double underscore.
pub const ENV_PREFIX: &str = "KIRANA";
const ENV_SEPARATOR: &str = "__";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the SQLite database, generated keys and uploads live.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub outbox: OutboxSettings,
    pub events: EventsSettings,
    pub idempotency: IdempotencySettings,
    pub auth: AuthSettings,
    pub gateway: GatewaySettings,
    pub rate_limit: RateLimitSettings,
    pub mail: MailSettings,
    pub catalog: CatalogSettings,
    pub store: StoreSettings,
    pub orders: OrderSettings,
    pub razorpay: RazorpaySettings,
    pub shipping: ShippingSettings,
    pub metrics: MetricsSettings,
    /// OpenID Connect providers for "log in with ...", by name (the name appears in the
    /// login URL: `/api/v1/auth/oidc/{name}/start`).
    pub oidc: BTreeMap<String, OidcProviderSettings>,
}

/// Who may read `/metrics`: per-route counts and pool states are for the operator's
/// scraper, not for anyone who can reach the port.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// Client networks that may read `/metrics` (after `gateway.trusted_proxies`);
    /// loopback by default.
    pub allow: Vec<ipnet::IpNet>,
    /// A bearer token that also opens `/metrics` from anywhere (or
    /// `KIRANA__METRICS__TOKEN_FILE`); empty = none.
    pub token: Secret,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        let loopback = |s: &str| s.parse().ok();
        Self {
            allow: ["127.0.0.0/8", "::1/128"]
                .into_iter()
                .filter_map(loopback)
                .collect(),
            token: Secret::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogSettings {
    /// Whether prices are entered with GST included (India's MRP convention) or before tax.
    pub prices_include_tax: bool,
    /// GST rates a product may carry, in basis points (1800 = 18 %).
    pub gst_rates_bp: Vec<i32>,
    /// The store's currency (ISO 4217); prices are integers in its minor unit.
    pub currency: String,
    /// How long anonymous product lists, product pages and the category tree are served
    /// from memory. Changes through this instance apply at once; other instances'
    /// within this time. 0 = always ask the database.
    pub page_cache_ms: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            prices_include_tax: true,
            gst_rates_bp: vec![0, 25, 300, 500, 1200, 1800, 2800, 4000],
            currency: "INR".into(),
            page_cache_ms: 5000,
        }
    }
}

/// How the merchant is registered under GST, which decides whether it may collect GST and
/// what its sale documents are called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Charges GST and issues tax invoices; needs a GSTIN.
    Regular,
    /// The composition scheme: pays tax on turnover itself, may not collect GST from
    /// buyers, issues a bill of supply; needs a GSTIN.
    Composition,
    /// Not registered: collects no GST and issues a plain bill; has no GSTIN.
    Unregistered,
}

impl Registration {
    pub fn as_str(self) -> &'static str {
        match self {
            Registration::Regular => "regular",
            Registration::Composition => "composition",
            Registration::Unregistered => "unregistered",
        }
    }
}

/// The merchant as invoices and receipts name it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreSettings {
    /// `regular`, `composition` or `unregistered`; when left out, regular with a GSTIN and
    /// unregistered without one.
    pub registration: Option<Registration>,
    /// Shown on receipts and the storefront.
    pub name: String,
    /// The registered (legal) name printed on tax invoices; empty = `name`.
    pub legal_name: String,
    /// The store's GSTIN; empty for an unregistered merchant (then its first two digits
    /// cannot give the state, so `state_code` must).
    pub gstin: String,
    /// Two-digit GST state code of the store: sales to this state carry CGST + SGST.
    pub state_code: String,
    /// Address lines printed on invoices and receipts.
    pub address: Vec<String>,
    /// The merchant's UTC offset in minutes (330 = India): dates on documents and the
    /// financial year of invoice numbers follow it.
    pub utc_offset_mins: i32,
}

impl StoreSettings {
    /// The registration in force: the configured one, else what the GSTIN implies.
    pub fn registration(&self) -> Registration {
        self.registration.unwrap_or(if self.gstin.is_empty() {
            Registration::Unregistered
        } else {
            Registration::Regular
        })
    }

    /// Whether sales carry GST: only a regular registration may collect it.
    pub fn charges_gst(&self) -> bool {
        self.registration() == Registration::Regular
    }
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            name: "Kirana Store".into(),
            registration: None,
            legal_name: String::new(),
            gstin: String::new(),
            state_code: "29".into(),
            address: vec!["1 Market Road".into(), "Bengaluru 560001".into()],
            utc_offset_mins: 330,
        }
    }
}

/// Checkout, orders and invoices.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderSettings {
    /// Order numbers are `{prefix}-000123`.
    pub number_prefix: String,
    /// An unpaid online order is cancelled, and its stock released, after this long.
    pub payment_timeout_secs: u32,
    /// Cash on delivery is offered at checkout (where a shipping rate takes it).
    pub cod_enabled: bool,
    /// GST rate of the shipping charge, in basis points.
    pub shipping_gst_rate_bp: i32,
    /// Where web orders take stock from; empty = the first active location.
    pub web_location_id: String,
    /// Invoice numbers are `{series}/{financial year}/{n}`, e.g. `INV/2627/000042`.
    pub invoice_series: String,
    /// Credit notes are numbered in their own series the same way.
    pub credit_note_series: String,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            number_prefix: "KR".into(),
            payment_timeout_secs: 1800,
            cod_enabled: true,
            shipping_gst_rate_bp: 1_800,
            web_location_id: String::new(),
            invoice_series: "INV".into(),
            credit_note_series: "CN".into(),
        }
    }
}

/// Razorpay, for online payments. Off while `key_id` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RazorpaySettings {
    /// The API key id (`rzp_live_...` or `rzp_test_...`); shown to the browser.
    pub key_id: String,
    /// The API key secret (or `KIRANA__RAZORPAY__KEY_SECRET_FILE`): HTTP basic auth and
    /// payment signatures.
    pub key_secret: Secret,
    /// Webhook secrets accepted; more than one while rotating, so events signed with the
    /// old secret and retried later still verify.
    pub webhook_secrets: Vec<Secret>,
    /// The API's base URL; `https://` unless loopback (tests).
    pub base_url: String,
    /// Razorpay Checkout's script, loaded by the storefront on the payment step only;
    /// `https://` unless loopback (tests serve a stand-in).
    pub checkout_script_url: String,
    /// Whether Razorpay captures payments itself; if not, Kirana captures them.
    pub auto_capture: bool,
    /// Timeout of each call to the API.
    pub timeout_ms: u64,
    /// Failed calls in a row (timeouts, 5xx) that open the circuit: calls then fail fast
    /// and checkout offers the other methods.
    pub breaker_failures: u32,
    /// How long the circuit stays open before one call probes whether Razorpay is back.
    pub breaker_open_secs: u64,
}

impl Default for RazorpaySettings {
    fn default() -> Self {
        Self {
            key_id: String::new(),
            key_secret: Secret::default(),
            webhook_secrets: Vec::new(),
            base_url: "https://api.razorpay.com".into(),
            checkout_script_url: "https://checkout.razorpay.com/v1/checkout.js".into(),
            auto_capture: true,
            timeout_ms: 10_000,
            breaker_failures: 5,
            breaker_open_secs: 30,
        }
    }
}

/// Shipping: carriers and parcels. Zones and rates are data (`/api/v1/shipping/zones`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ShippingSettings {
    /// The name of the courier aggregator that posts tracking events to
    /// `/api/v1/shipping/carriers/{name}/webhook`.
    pub webhook_carrier: String,
    /// Secrets its webhooks are signed with (HMAC-SHA256 of the body, hex, in
    /// `X-Carrier-Signature`); more than one while rotating. Empty = no webhook carrier.
    pub webhook_secrets: Vec<Secret>,
    /// Volumetric divisor (cm³ per kg) for a package's chargeable weight.
    pub volumetric_divisor: i64,
}

impl Default for ShippingSettings {
    fn default() -> Self {
        Self {
            webhook_carrier: "courier".into(),
            webhook_secrets: Vec::new(),
            volumetric_divisor: 5000,
        }
    }
}

/// One OpenID Connect provider (`[oidc.google]`, or `KIRANA__OIDC__GOOGLE__CLIENT_ID`...).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcProviderSettings {
    /// Shown on the login button.
    pub label: String,
    /// The issuer URL; its `/.well-known/openid-configuration` must name the same issuer.
    /// `https://` unless the host is loopback.
    pub issuer: String,
    pub client_id: String,
    /// Sent with HTTP basic authentication to the token endpoint (`client_secret_basic`).
    pub client_secret: Secret,
    /// Space-separated, as OAuth writes them; must include `openid`.
    pub scopes: String,
    /// The redirect URI registered with the provider; empty =
    /// `{auth.public_url}/api/v1/auth/oidc/{name}/callback`. Matched exactly.
    pub redirect_url: String,
}

impl Default for OidcProviderSettings {
    fn default() -> Self {
        Self {
            label: String::new(),
            issuer: String::new(),
            client_id: String::new(),
            client_secret: Secret::default(),
            scopes: "openid email profile".into(),
            redirect_url: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// Empty = write messages to the log instead of sending them.
    pub smtp_url: crate::secret::SecretUrl,
    /// The sender, e.g. `Sharma Stores <orders@sharmastores.in>`.
    pub from: String,
    pub timeout_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: Default::default(),
            from: "Kirana <no-reply@localhost>".into(),
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// How long in-flight requests may run after SIGTERM before the process exits.
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://PATH`, a plain file path, or `mysql://user:password@host:port/db`.
    pub url: crate::secret::SecretUrl,
    /// Connections for reads (SQLite) or for everything (MySQL).
    pub pool_size: u32,
    /// How long a statement waits for a lock before it fails.
    pub busy_timeout_ms: u32,
    /// How long a request waits for a free pooled connection.
    pub acquire_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `kirana=debug,actix_web=info`.
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboxSettings {
    /// Run the dispatcher in this process.
    pub dispatch: bool,
    pub poll_interval_ms: u64,
    pub batch_size: u32,
    /// Deliveries tried before an event is parked for a person to look at.
    pub max_attempts: u32,
    /// First retry delay; it doubles on each failure up to `max_backoff_ms`.
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
}

/// Where committed outbox events go: this process's subscribers, or a RabbitMQ broker that
/// every instance publishes to and consumes from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EventsSettings {
    /// `in_process` (the dispatcher calls this process's subscribers) or `rabbitmq`
    /// (`--features rabbitmq`: the dispatcher publishes to the broker and each
    /// subscriber consumes from a queue of its own, shared by every instance).
    pub bus: String,
    /// The broker (`amqp://` or `amqps://`); its password is masked when shown.
    pub rabbitmq_url: crate::secret::SecretUrl,
    /// The durable topic exchange events are published to, routed by event type.
    pub exchange: String,
    /// Queues are `{queue_prefix}.{subscriber}`, with `.retry` and `.dead` beside them.
    pub queue_prefix: String,
    /// Run this instance's subscribers as consumers (with `bus = "rabbitmq"`).
    pub consume: bool,
    /// Messages a consumer holds unacknowledged at a time.
    pub prefetch: u16,
    /// Failed handlings of one event by one subscriber before it goes to the dead-letter
    /// queue.
    pub max_attempts: u32,
    /// How long a failed event waits in the retry queue before it is handled again.
    pub retry_delay_ms: u64,
}

impl Default for EventsSettings {
    fn default() -> Self {
        Self {
            bus: "in_process".into(),
            rabbitmq_url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            exchange: "kirana.events".into(),
            queue_prefix: "kirana".into(),
            consume: true,
            prefetch: 20,
            max_attempts: 5,
            retry_delay_ms: 5_000,
        }
    }
}

impl EventsSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        match self.bus.as_str() {
            "in_process" => return Ok(()),
            "rabbitmq" => {}
            other => {
                return Err(err(
                    "events.bus",
                    format!("'{other}' is not in_process or rabbitmq"),
                ));
            }
        }
        if !cfg!(feature = "rabbitmq") {
            return Err(err(
                "events.bus",
                "this build has no RabbitMQ support; rebuild with `--features rabbitmq`",
            ));
        }
        match url::Url::parse(&self.rabbitmq_url) {
            Ok(u) if matches!(u.scheme(), "amqp" | "amqps") && u.host().is_some() => {}
            _ => {
                return Err(err(
                    "events.rabbitmq_url",
                    "must be an amqp:// or amqps:// URL with a host",
                ));
            }
        }
        // AMQP names: at most 255 bytes; `amq.` is the broker's own. The queue prefix
        // leaves room for the subscriber name and `.retry`.
        let name_ok = |v: &str, max: usize| {
            !v.is_empty()
                && v.len() <= max
                && !v.starts_with("amq.")
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        };
        if !name_ok(&self.exchange, 255) {
            return Err(err(
                "events.exchange",
                "must be 1 to 255 of a-z, A-Z, 0-9, - _ . : and not start with amq.",
            ));
        }
        if !name_ok(&self.queue_prefix, 120) {
            return Err(err(
                "events.queue_prefix",
                "must be 1 to 120 of a-z, A-Z, 0-9, - _ . : and not start with amq.",
            ));
        }
        if self.prefetch == 0 {
            return Err(err("events.prefetch", "must be at least 1"));
        }
        if self.max_attempts == 0 {
            return Err(err("events.max_attempts", "must be at least 1"));
        }
        if !(1..=86_400_000).contains(&self.retry_delay_ms) {
            return Err(err(
                "events.retry_delay_ms",
                "must be between 1 and 86400000 (a day)",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IdempotencySettings {
    /// How long a stored response is replayed for a repeated `Idempotency-Key`.
    pub ttl_hours: u32,
    /// A request still marked in progress after this long (its process died) may be retried.
    pub lock_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// `iss` of the access tokens this instance issues and accepts.
    pub issuer: String,
    /// `aud` of the access tokens.
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_days: u64,
    /// A refresh token rotated less than this long ago may still be presented (parallel
    /// requests racing with one expired access token) without counting as reuse.
    pub refresh_grace_secs: u64,
    /// Clock skew allowed when checking `exp`.
    pub leeway_secs: u64,
    /// Ed25519 private key (PKCS#8 PEM) that signs access tokens; empty = generated into
    /// `{data_dir}/keys/` on first start. Several instances must share one.
    pub signing_key_file: String,
    /// Extra Ed25519 public keys (SPKI PEM) still accepted, for key rotation.
    pub verify_key_files: Vec<String>,
    /// Send cookies with `Secure` (turn off only for plain-HTTP development).
    pub cookie_secure: bool,
    pub password_reset_ttl_mins: u64,
    /// Base URL of the web app, for links in e-mails.
    pub public_url: String,
    /// How long a user's role, status and auth version are cached per process for the
    /// gateway's per-request check. Changes made through this process apply at once;
    /// with several instances, another instance's change applies within this time.
    /// 0 = ask the database on every request.
    pub session_cache_ms: u64,
    /// Where refresh tokens live: `database` or `redis` (`--features redis`).
    pub refresh_store: String,
    pub refresh_redis_url: crate::secret::SecretUrl,
    pub refresh_redis_prefix: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GatewaySettings {
    /// Proxies (CIDRs) whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Client networks allowed to reach `/api/v1/admin/*`; empty = any.
    pub admin_allowlist: Vec<ipnet::IpNet>,
    /// Origins allowed to call the API from a browser (CORS); empty = same origin only.
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Requests per minute from one IP address, across the whole API.
    pub per_ip_per_minute: u32,
    /// Login, registration, refresh and password-reset requests per minute from one IP.
    pub auth_per_ip_per_minute: u32,
    /// Authenticated writes per minute by one user or API key.
    pub writes_per_user_per_minute: u32,
    /// Failed logins for one account within `login_window_mins` that lock it.
    pub login_max_failures: u32,
    pub login_window_mins: u64,
    /// First lock; each further lock doubles, up to `login_max_lock_secs`.
    pub login_base_lock_secs: u64,
    pub login_max_lock_secs: u64,
    /// `memory` (this process) or `redis` (shared by every instance; `--features redis`).
    /// Login lockouts live in the database and are shared either way.
    pub store: String,
    pub redis_url: crate::secret::SecretUrl,
    /// Prefix of the Redis keys, so several shops can share one Redis.
    pub redis_prefix: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            log: LogSettings::default(),
            outbox: OutboxSettings::default(),
            events: EventsSettings::default(),
            idempotency: IdempotencySettings::default(),
            metrics: MetricsSettings::default(),
            auth: AuthSettings::default(),
            gateway: GatewaySettings::default(),
            rate_limit: RateLimitSettings::default(),
            mail: MailSettings::default(),
            catalog: CatalogSettings::default(),
            store: StoreSettings::default(),
            orders: OrderSettings::default(),
            razorpay: RazorpaySettings::default(),
            shipping: ShippingSettings::default(),
            oidc: BTreeMap::new(),
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: "kirana".into(),
            audience: "kirana-api".into(),
            access_ttl_secs: 3600,
            refresh_ttl_days: 7,
            refresh_grace_secs: 30,
            leeway_secs: 30,
            signing_key_file: String::new(),
            verify_key_files: Vec::new(),
            cookie_secure: true,
            password_reset_ttl_mins: 30,
            public_url: "http://127.0.0.1:8080".into(),
            session_cache_ms: 1000,
            refresh_store: "database".into(),
            refresh_redis_url: "redis://127.0.0.1:6379".into(),
            refresh_redis_prefix: "kirana".into(),
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 1200,
            auth_per_ip_per_minute: 30,
            writes_per_user_per_minute: 300,
            login_max_failures: 5,
            login_window_mins: 15,
            login_base_lock_secs: 60,
            login_max_lock_secs: 900,
            store: "memory".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_prefix: "kirana".into(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            body_limit_bytes: 1024 * 1024,
            shutdown_timeout_secs: 30,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Default::default(),
            pool_size: 4,
            busy_timeout_ms: 5_000,
            acquire_timeout_ms: 10_000,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            level: "info".into(),
        }
    }
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            dispatch: true,
            poll_interval_ms: 500,
            batch_size: 100,
            max_attempts: 10,
            base_backoff_ms: 1_000,
            max_backoff_ms: 300_000,
        }
    }
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        Self {
            ttl_hours: 24,
            lock_timeout_secs: 60,
        }
    }
}

/// A configuration problem, always naming the key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn err(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
}

/// Where the settings come from; tests pass their own environment.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub config_dir: Option<PathBuf>,
    pub profile: Option<String>,
    /// Environment variables to read; `None` means the process environment.
    pub env: Option<HashMap<String, String>>,
}

/// The loaded settings and the `KIRANA__*` variables that matched no key.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub settings: Settings,
    pub unknown_env: Vec<String>,
}

/// Settings that are lists: their environment variables hold comma-separated items.
const LIST_KEYS: &[&str] = &[
    "auth.verify_key_files",
    "gateway.trusted_proxies",
    "gateway.admin_allowlist",
    "gateway.cors_origins",
    "catalog.gst_rates_bp",
    "store.address",
    "razorpay.webhook_secrets",
    "shipping.webhook_secrets",
    "metrics.allow",
];

impl Settings {
    /// Loads and validates settings from files and the process environment.
    pub fn load(sources: &Sources) -> Result<Loaded, ConfigError> {
        let env: HashMap<String, String> = match &sources.env {
            Some(env) => env.clone(),
            None => std::env::vars().collect(),
        };
        let config_dir = sources
            .config_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("config"));
        let profile = sources
            .profile
            .clone()
            .or_else(|| env.get("KIRANA_PROFILE").cloned());

        let defaults = config::Config::try_from(&Settings::default())
            .map_err(|e| err("(defaults)", e.to_string()))?;
        let mut builder = config::Config::builder()
            .add_source(defaults)
            .add_source(file_source(&config_dir.join("default.toml")));
        if let Some(profile) = &profile {
            builder = builder.add_source(file_source(&config_dir.join(format!("{profile}.toml"))));
        }

        let prefix = format!("{ENV_PREFIX}{ENV_SEPARATOR}");
        let mut plain: HashMap<String, String> = HashMap::new();
        let mut seen_keys = Vec::new();
        for (name, value) in &env {
            let Some(rest) = name.strip_prefix(&prefix) else {
                continue;
            };
            let key = rest.to_lowercase().replace(ENV_SEPARATOR, ".");
            if let Some(secret_key) = key.strip_suffix("_file") {
                let contents = std::fs::read_to_string(value).map_err(|e| {
                    err(secret_key, format!("cannot read secret file {value}: {e}"))
                })?;
                let contents = contents.trim_end_matches(['\r', '\n']).to_string();
                builder = builder
                    .set_override(secret_key, contents)
                    .map_err(|e| err(secret_key, e.to_string()))?;
                seen_keys.push((name.clone(), secret_key.to_string()));
            } else {
                plain.insert(name.clone(), value.clone());
                seen_keys.push((name.clone(), key));
            }
        }
        // Only list settings are parsed from the text of their variables: parsing the
        // others would turn text that looks like a number into one and lose what makes it
        // text (the leading zero of state code `04`). Numbers and booleans kept as text
        // still deserialize into numeric and boolean settings.
        let (lists, texts): (HashMap<String, String>, HashMap<String, String>) =
            plain.into_iter().partition(|(name, _)| {
                let key = name[prefix.len()..]
                    .to_lowercase()
                    .replace(ENV_SEPARATOR, ".");
                LIST_KEYS.contains(&key.as_str())
            });
        let environment = || {
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator(ENV_SEPARATOR)
                .separator(ENV_SEPARATOR)
        };
        let mut list_source = environment().try_parsing(true).list_separator(",");
        for key in LIST_KEYS {
            list_source = list_source.with_list_parse_key(key);
        }
        builder = builder
            .add_source(environment().source(Some(texts)))
            .add_source(list_source.source(Some(lists)));

        let built = builder.build().map_err(to_config_error)?;
        let settings: Settings = built.try_deserialize().map_err(to_config_error)?;
        settings.validate()?;

        let known = known_keys();
        let mut unknown_env: Vec<String> = seen_keys
            .into_iter()
            .filter(|(_, key)| !known.contains(key) && !is_oidc_key(key))
            .map(|(name, _)| name)
            .collect();
        unknown_env.sort();
        Ok(Loaded {
            settings,
            unknown_env,
        })
    }

    /// Checks every value whose type alone does not prove it valid.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.server.host.trim().is_empty() {
            return Err(err("server.host", "must not be empty"));
        }
        if self.server.body_limit_bytes < 1024 {
            return Err(err("server.body_limit_bytes", "must be at least 1024"));
        }
        crate::db::DbUrl::parse(&self.database_url())
            .map_err(|message| err("database.url", message))?;
        if self.database.pool_size == 0 {
            return Err(err("database.pool_size", "must be at least 1"));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(err(
                "log.level",
                format!("'{}' is not a log filter (try 'info')", self.log.level),
            ));
        }
        if self.outbox.max_attempts == 0 {
            return Err(err("outbox.max_attempts", "must be at least 1"));
        }
        if self.outbox.batch_size == 0 {
            return Err(err("outbox.batch_size", "must be at least 1"));
        }
        if self.outbox.poll_interval_ms == 0 {
            return Err(err("outbox.poll_interval_ms", "must be at least 1"));
        }
        if self.outbox.max_backoff_ms < self.outbox.base_backoff_ms {
            return Err(err(
                "outbox.max_backoff_ms",
                "must not be smaller than outbox.base_backoff_ms",
            ));
        }
        self.events.validate()?;
        if self.idempotency.ttl_hours < 24 {
            return Err(err("idempotency.ttl_hours", "must be at least 24"));
        }
        if self.auth.access_ttl_secs == 0 || self.auth.access_ttl_secs > 24 * 3600 {
            return Err(err("auth.access_ttl_secs", "must be between 1 and 86400"));
        }
        if self.auth.refresh_ttl_days == 0 {
            return Err(err("auth.refresh_ttl_days", "must be at least 1"));
        }
        if self.auth.issuer.is_empty() {
            return Err(err("auth.issuer", "must not be empty"));
        }
        if self.auth.audience.is_empty() {
            return Err(err("auth.audience", "must not be empty"));
        }
        for origin in &self.gateway.cors_origins {
            let parsed = url::Url::parse(origin).map_err(|_| {
                err(
                    "gateway.cors_origins",
                    format!("'{origin}' is not an origin"),
                )
            })?;
            if parsed.path() != "/" || parsed.query().is_some() {
                return Err(err(
                    "gateway.cors_origins",
                    format!("'{origin}' must be scheme://host[:port] only"),
                ));
            }
        }
        let stores = [
            (
                "rate_limit.store",
                "memory",
                self.rate_limit.store.as_str(),
                "rate_limit.redis_url",
                self.rate_limit.redis_url.expose(),
            ),
            (
                "auth.refresh_store",
                "database",
                self.auth.refresh_store.as_str(),
                "auth.refresh_redis_url",
                self.auth.refresh_redis_url.expose(),
            ),
        ];
        for (key, local, value, url_key, url) in stores {
            if value == local {
                continue;
            }
            if value != "redis" {
                return Err(err(key, format!("'{value}' is not {local} or redis")));
            }
            if !cfg!(feature = "redis") {
                return Err(err(
                    key,
                    "this build has no Redis support; rebuild with `--features redis`",
                ));
            }
            url::Url::parse(url).map_err(|e| err(url_key, e.to_string()))?;
        }
        if !self.mail.smtp_url.is_empty() {
            crate::mail::SmtpMailer::new(&self.mail).map_err(|m| {
                let (key, message) = m.split_once(": ").unwrap_or(("mail.smtp_url", &m));
                err(key, message.to_string())
            })?;
        }
        let limits = [
            (
                "rate_limit.per_ip_per_minute",
                self.rate_limit.per_ip_per_minute,
            ),
            (
                "rate_limit.auth_per_ip_per_minute",
                self.rate_limit.auth_per_ip_per_minute,
            ),
            (
                "rate_limit.writes_per_user_per_minute",
                self.rate_limit.writes_per_user_per_minute,
            ),
            (
                "rate_limit.login_max_failures",
                self.rate_limit.login_max_failures,
            ),
        ];
        for (key, value) in limits {
            if value == 0 {
                return Err(err(key, "must be at least 1"));
            }
        }
        if self.catalog.gst_rates_bp.is_empty()
            || self
                .catalog
                .gst_rates_bp
                .iter()
                .any(|r| !(0..=10_000).contains(r))
        {
            return Err(err(
                "catalog.gst_rates_bp",
                "must list rates between 0 and 10000 basis points",
            ));
        }
        if self.catalog.currency.len() != 3
            || !self
                .catalog
                .currency
                .bytes()
                .all(|b| b.is_ascii_uppercase())
        {
            return Err(err(
                "catalog.currency",
                "must be an ISO 4217 code such as INR",
            ));
        }
        match (self.store.registration(), self.store.gstin.is_empty()) {
            (Registration::Regular | Registration::Composition, true) => {
                return Err(err(
                    "store.gstin",
                    format!(
                        "is required for a {} registration (or set store.registration = unregistered)",
                        self.store.registration().as_str()
                    ),
                ));
            }
            (Registration::Unregistered, false) => {
                return Err(err(
                    "store.gstin",
                    "must be empty for an unregistered store (or set store.registration)",
                ));
            }
            _ => {}
        }
        if !self.store.gstin.is_empty() {
            let gstin = crate::contracts::gst::Gstin::parse(&self.store.gstin, "store.gstin")
                .map_err(|_| err("store.gstin", "is not a valid GSTIN (checksum included)"))?;
            if gstin.as_str()[..2] != self.store.state_code {
                return Err(err(
                    "store.state_code",
                    "must be the first two digits of store.gstin",
                ));
            }
        }
        if !crate::contracts::gst::is_place_of_supply(&self.store.state_code) {
            return Err(err(
                "store.state_code",
                "must be a two-digit GST state code such as 29",
            ));
        }
        if !(-720..=840).contains(&self.store.utc_offset_mins) {
            return Err(err("store.utc_offset_mins", "must be between -720 and 840"));
        }
        let short_code = |v: &str, max: usize| {
            !v.is_empty() && v.len() <= max && v.bytes().all(|b| b.is_ascii_alphanumeric())
        };
        if !short_code(&self.orders.number_prefix, 6) {
            return Err(err(
                "orders.number_prefix",
                "must be 1 to 6 letters or digits",
            ));
        }
        // Series/YYYY/nnnnnn must fit GST's 16 characters.
        for (key, v) in [
            ("orders.invoice_series", &self.orders.invoice_series),
            ("orders.credit_note_series", &self.orders.credit_note_series),
        ] {
            if !short_code(v, 4) {
                return Err(err(key, "must be 1 to 4 letters or digits"));
            }
        }
        if self.orders.invoice_series == self.orders.credit_note_series {
            return Err(err(
                "orders.credit_note_series",
                "must differ from orders.invoice_series",
            ));
        }
        if self.orders.payment_timeout_secs == 0 {
            return Err(err("orders.payment_timeout_secs", "must be at least 1"));
        }
        if !self
            .catalog
            .gst_rates_bp
            .contains(&self.orders.shipping_gst_rate_bp)
        {
            return Err(err(
                "orders.shipping_gst_rate_bp",
                "must be one of catalog.gst_rates_bp",
            ));
        }
        if !self.razorpay.key_id.is_empty() {
            if self.razorpay.key_secret.is_empty() {
                return Err(err(
                    "razorpay.key_secret",
                    "is required when razorpay.key_id is set",
                ));
            }
            match url::Url::parse(&self.razorpay.base_url) {
                Ok(u) if secure_or_loopback(&u) => {}
                _ => {
                    return Err(err(
                        "razorpay.base_url",
                        "must be an https:// URL (http:// only on a loopback address)",
                    ));
                }
            }
            match url::Url::parse(&self.razorpay.checkout_script_url) {
                Ok(u) if secure_or_loopback(&u) => {}
                _ => {
                    return Err(err(
                        "razorpay.checkout_script_url",
                        "must be an https:// URL (http:// only on a loopback address)",
                    ));
                }
            }
            if !(100..=120_000).contains(&self.razorpay.timeout_ms) {
                return Err(err("razorpay.timeout_ms", "must be 100 to 120000"));
            }
            if self.razorpay.breaker_failures == 0 || self.razorpay.breaker_open_secs == 0 {
                return Err(err(
                    "razorpay.breaker_failures",
                    "breaker_failures and breaker_open_secs must be at least 1",
                ));
            }
        }
        for (name, provider) in &self.oidc {
            provider.validate(name)?;
        }
        let carrier = &self.shipping.webhook_carrier;
        if carrier.is_empty()
            || carrier.len() > 40
            || !carrier
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            || carrier == "manual"
        {
            return Err(err(
                "shipping.webhook_carrier",
                "must be 1 to 40 of a-z, 0-9, - and _, and not 'manual'",
            ));
        }
        if self.shipping.volumetric_divisor < 1000 {
            return Err(err(
                "shipping.volumetric_divisor",
                "must be at least 1000 (cm³ per kg)",
            ));
        }
        Ok(())
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("kirana.db").display())
        } else {
            self.database.url.expose().to_string()
        }
    }

    /// The effective settings as TOML with every secret masked.
    pub fn masked_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database.url = mask_url(&self.database_url()).into();
        shown.mail.smtp_url = mask_url(&self.mail.smtp_url).into();
        shown.rate_limit.redis_url = mask_url(&self.rate_limit.redis_url).into();
        shown.auth.refresh_redis_url = mask_url(&self.auth.refresh_redis_url).into();
        shown.events.rabbitmq_url = mask_url(&self.events.rabbitmq_url).into();
        if !shown.razorpay.key_secret.is_empty() {
            shown.razorpay.key_secret = "****".into();
        }
        if !shown.metrics.token.is_empty() {
            shown.metrics.token = "****".into();
        }
        for secret in &mut shown.razorpay.webhook_secrets {
            *secret = "****".into();
        }
        for secret in &mut shown.shipping.webhook_secrets {
            *secret = "****".into();
        }
        for provider in shown.oidc.values_mut() {
            if !provider.client_secret.is_empty() {
                provider.client_secret = "****".into();
            }
        }
        toml_string(&shown)
    }
}

fn toml_string(settings: &Settings) -> String {
    let value = match serde_json::to_value(settings) {
        Ok(v) => v,
        Err(e) => return format!("# cannot render settings: {e}\n"),
    };
    let mut out = String::new();
    if let serde_json::Value::Object(map) = value {
        toml_table(&mut out, "", &map);
    }
    out
}

/// Scalars of `map` first, then each nested table under its dotted name.
fn toml_table(out: &mut String, name: &str, map: &serde_json::Map<String, serde_json::Value>) {
    if !name.is_empty() {
        out.push_str(&format!("\n[{name}]\n"));
    }
    for (k, v) in map.iter().filter(|(_, v)| !v.is_object()) {
        out.push_str(&format!("{k} = {v}\n"));
    }
    for (k, v) in map {
        if let serde_json::Value::Object(inner) = v {
            let child = if name.is_empty() {
                k.clone()
            } else {
                format!("{name}.{k}")
            };
            toml_table(out, &child, inner);
        }
    }
}

/// Hides the password of a URL (`mysql://kirana:****@db/kirana`).
pub fn mask_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("****")).is_ok() {
                parsed.to_string()
            } else {
                "****".into()
            }
        }
        _ => url.to_string(),
    }
}

fn file_source(path: &Path) -> config::File<config::FileSourceFile, config::FileFormat> {
    config::File::from(path.to_path_buf())
        .format(config::FileFormat::Toml)
        .required(false)
}

impl OidcProviderSettings {
    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let key = |field: &str| format!("oidc.{name}.{field}");
        if name.is_empty()
            || name.len() > 32
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(err(
                &format!("oidc.{name}"),
                "provider names are 1 to 32 of a-z, 0-9, - and _",
            ));
        }
        let issuer = url::Url::parse(&self.issuer)
            .map_err(|e| err(&key("issuer"), format!("not a URL: {e}")))?;
        if !secure_or_loopback(&issuer) {
            return Err(err(
                &key("issuer"),
                "must be https:// (http:// only on a loopback address)",
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(err(&key("client_id"), "must not be empty"));
        }
        if !self.scopes.split_whitespace().any(|s| s == "openid") {
            return Err(err(&key("scopes"), "must include openid"));
        }
        if !self.redirect_url.is_empty() {
            url::Url::parse(&self.redirect_url)
                .map_err(|e| err(&key("redirect_url"), format!("not a URL: {e}")))?;
        }
        Ok(())
    }
}

/// `https://`, or `http://` to this machine (development and tests).
pub fn secure_or_loopback(url: &url::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        },
        _ => false,
    }
}

/// `oidc.{provider}.{field}`: provider names are the merchant's own.
fn is_oidc_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("oidc.") else {
        return false;
    };
    let Some((name, field)) = rest.split_once('.') else {
        return false;
    };
    let fields = serde_json::to_value(OidcProviderSettings::default());
    !name.is_empty()
        && matches!(fields, Ok(serde_json::Value::Object(map)) if map.contains_key(field))
}

/// Every dotted key the settings have, for warning about misspelt variables.
fn known_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(Settings::default()) {
        for (k, v) in map {
            match v {
                serde_json::Value::Object(inner) => {
                    for ik in inner.keys() {
                        keys.insert(format!("{k}.{ik}"));
                    }
                }
                _ => {
                    keys.insert(k);
                }
            }
        }
    }
    keys
}

fn to_config_error(e: config::ConfigError) -> ConfigError {
    // The config crate words its messages as "... for key `server.port`"; lift the key out
    // so the one line we print starts with it.
    let text = e.to_string();
    if let Some(start) = text.find("for key `") {
        let rest = &text[start + "for key `".len()..];
        if let Some(end) = rest.find('`') {
            let key = rest[..end].trim_start_matches("KIRANA__").to_string();
            let message = text[..start].trim().to_string();
            return err(&key, message);
        }
    }
    err("(configuration)", text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<Loaded, ConfigError> {
        Settings::load(&Sources {
            config_dir: Some(PathBuf::from("/nonexistent")),
            profile: None,
            env: Some(
                env.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        })
    }

    #[test]
    fn defaults_listen_on_localhost_8080_with_sqlite_in_data_dir() {
        let loaded = load(&[]).unwrap();
        assert_eq!(loaded.settings.server.port, 8080);
        assert_eq!(loaded.settings.server.host, "127.0.0.1");
        assert_eq!(loaded.settings.database_url(), "sqlite://data/kirana.db");
    }

    #[test]
    fn the_gst_registration_follows_the_gstin_unless_named_and_must_agree_with_it() {
        let gstin = crate::contracts::gst::demo_gstin("29");
        let plain = load(&[]).unwrap().settings.store;
        assert_eq!(plain.registration(), Registration::Unregistered);
        assert!(!plain.charges_gst());
        let with_gstin = load(&[("KIRANA__STORE__GSTIN", gstin.as_str())]).unwrap();
        assert_eq!(
            with_gstin.settings.store.registration(),
            Registration::Regular
        );
        assert!(with_gstin.settings.store.charges_gst());
        let composition = load(&[
            ("KIRANA__STORE__GSTIN", gstin.as_str()),
            ("KIRANA__STORE__REGISTRATION", "composition"),
        ])
        .unwrap();
        assert!(!composition.settings.store.charges_gst());
        for (registration, gstin, key) in [
            ("regular", "", "store.gstin"),
            ("composition", "", "store.gstin"),
            ("unregistered", gstin.as_str(), "store.gstin"),
        ] {
            let e = load(&[
                ("KIRANA__STORE__REGISTRATION", registration),
                ("KIRANA__STORE__GSTIN", gstin),
            ])
            .err()
            .unwrap_or_else(|| panic!("{registration} with {gstin:?} is refused"));
            assert!(e.to_string().contains(key), "{e}");
        }
    }

    #[test]
    fn env_overrides_nested_keys() {
        let loaded = load(&[
            ("KIRANA__SERVER__PORT", "9090"),
            ("KIRANA__SERVER__BODY_LIMIT_BYTES", "4096"),
            ("KIRANA__LOG__FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(loaded.settings.server.port, 9090);
        assert_eq!(loaded.settings.server.body_limit_bytes, 4096);
        assert_eq!(loaded.settings.log.format, LogFormat::Json);
    }

    #[test]
    fn a_non_numeric_port_names_the_key() {
        let e = load(&[("KIRANA__SERVER__PORT", "banana")]).unwrap_err();
        assert_eq!(e.key, "server.port", "{e}");
        assert!(e.to_string().contains("server.port"));
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        let e = load(&[("KIRANA__DATABASE__URL", "postgres://x/y")]).unwrap_err();
        assert_eq!(e.key, "database.url");
    }

    #[test]
    fn secrets_come_from_files_and_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db_url");
        std::fs::write(&file, "mysql://kirana:s3cret@db:3306/kirana\n").unwrap();
        let loaded = load(&[("KIRANA__DATABASE__URL_FILE", file.to_str().unwrap())]).unwrap();
        assert_eq!(
            loaded.settings.database.url,
            "mysql://kirana:s3cret@db:3306/kirana".into()
        );
        let shown = loaded.settings.masked_toml();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("kirana:****@db"), "{shown}");
        assert!(loaded.unknown_env.is_empty(), "{:?}", loaded.unknown_env);
    }

    #[test]
    fn razorpay_secrets_come_from_the_environment_and_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rzp");
        std::fs::write(&file, "key-secret-in-a-file\n").unwrap();
        let loaded = load(&[
            ("KIRANA__RAZORPAY__KEY_ID", "rzp_live_abc"),
            ("KIRANA__RAZORPAY__KEY_SECRET_FILE", file.to_str().unwrap()),
            ("KIRANA__RAZORPAY__WEBHOOK_SECRETS", "hook-one,hook-two"),
        ])
        .unwrap();
        assert_eq!(
            loaded.settings.razorpay.key_secret.expose(),
            "key-secret-in-a-file"
        );
        assert_eq!(
            loaded.settings.razorpay.webhook_secrets,
            vec![Secret::from("hook-one"), Secret::from("hook-two")]
        );
        // A debug line cannot leak them.
        let debugged = format!("{:?}", loaded.settings);
        for secret in ["key-secret-in-a-file", "hook-one", "hook-two"] {
            assert!(!debugged.contains(secret), "{debugged}");
        }
        let shown = loaded.settings.masked_toml();
        for secret in ["key-secret-in-a-file", "hook-one", "hook-two"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("rzp_live_abc"));
        assert!(loaded.unknown_env.is_empty(), "{:?}", loaded.unknown_env);
        // A key id without its secret is refused, naming the key.
        let e = load(&[("KIRANA__RAZORPAY__KEY_ID", "rzp_live_abc")]).unwrap_err();
        assert!(e.to_string().contains("razorpay.key_secret"), "{e}");
    }

    #[test]
    fn oidc_providers_come_from_the_environment_with_secrets_masked() {
        let loaded = load(&[
            (
                "KIRANA__OIDC__GOOGLE__ISSUER",
                "https://accounts.google.com",
            ),
            (
                "KIRANA__OIDC__GOOGLE__CLIENT_ID",
                "1234.apps.googleusercontent.com",
            ),
            ("KIRANA__OIDC__GOOGLE__CLIENT_SECRET", "hush"),
            ("KIRANA__OIDC__GOOGLE__CLIENTID", "typo"),
        ])
        .unwrap();
        let google = &loaded.settings.oidc["google"];
        assert_eq!(google.issuer, "https://accounts.google.com");
        assert_eq!(google.scopes, "openid email profile");
        assert_eq!(
            loaded.unknown_env,
            vec!["KIRANA__OIDC__GOOGLE__CLIENTID".to_string()]
        );
        let shown = loaded.settings.masked_toml();
        assert!(shown.contains("[oidc.google]"), "{shown}");
        assert!(!shown.contains("hush"), "{shown}");
    }

    #[test]
    fn a_plain_http_oidc_issuer_is_refused_unless_loopback() {
        let e = load(&[
            ("KIRANA__OIDC__SSO__ISSUER", "http://sso.example.com"),
            ("KIRANA__OIDC__SSO__CLIENT_ID", "kirana"),
        ])
        .unwrap_err();
        assert!(
            e.to_string().contains("oidc.sso.issuer: must be https"),
            "{e}"
        );
        load(&[
            ("KIRANA__OIDC__SSO__ISSUER", "http://127.0.0.1:9000"),
            ("KIRANA__OIDC__SSO__CLIENT_ID", "kirana"),
        ])
        .unwrap();
    }

    #[test]
    fn misspelt_variables_are_reported() {
        let loaded = load(&[("KIRANA__SERVER__PROT", "1")]).unwrap();
        assert_eq!(loaded.unknown_env, vec!["KIRANA__SERVER__PROT".to_string()]);
    }

    #[test]
    fn the_event_bus_is_checked_and_its_password_masked() {
        let loaded = load(&[]).unwrap();
        assert_eq!(loaded.settings.events.bus, "in_process");
        let shown = loaded.settings.masked_toml();
        assert!(shown.contains("[events]"), "{shown}");
        assert!(
            shown.contains("amqp://guest:****@127.0.0.1:5672/%2f"),
            "{shown}"
        );
        let e = load(&[("KIRANA__EVENTS__BUS", "kafka")]).unwrap_err();
        assert_eq!(e.key, "events.bus");
        let rabbit = [
            ("KIRANA__EVENTS__BUS", "rabbitmq"),
            (
                "KIRANA__EVENTS__RABBITMQ_URL",
                "amqp://kirana:hush@mq:5672/shop",
            ),
            ("KIRANA__EVENTS__QUEUE_PREFIX", "shop1"),
        ];
        if cfg!(feature = "rabbitmq") {
            let loaded = load(&rabbit).unwrap();
            assert!(loaded.unknown_env.is_empty(), "{:?}", loaded.unknown_env);
            assert_eq!(loaded.settings.events.queue_prefix, "shop1");
            assert!(!loaded.settings.masked_toml().contains("hush"));
            let e = load(&[
                ("KIRANA__EVENTS__BUS", "rabbitmq"),
                ("KIRANA__EVENTS__QUEUE_PREFIX", "amq.mine"),
            ])
            .unwrap_err();
            assert_eq!(e.key, "events.queue_prefix");
            let e = load(&[
                ("KIRANA__EVENTS__BUS", "rabbitmq"),
                ("KIRANA__EVENTS__RABBITMQ_URL", "http://mq"),
            ])
            .unwrap_err();
            assert_eq!(e.key, "events.rabbitmq_url");
        } else {
            assert_eq!(load(&rabbit).unwrap_err().key, "events.bus");
        }
    }

    #[test]
    fn text_that_looks_like_a_number_stays_text_and_lists_still_split() {
        for code in ["01", "04", "07", "09"] {
            let loaded = load(&[("KIRANA__STORE__STATE_CODE", code)]).unwrap();
            assert_eq!(loaded.settings.store.state_code, code);
        }
        let loaded = load(&[
            ("KIRANA__SERVER__PORT", "8181"),
            ("KIRANA__CATALOG__PRICES_INCLUDE_TAX", "false"),
            ("KIRANA__METRICS__ALLOW", "10.0.0.0/8,::1/128"),
        ])
        .unwrap();
        assert_eq!(loaded.settings.server.port, 8181);
        assert!(!loaded.settings.catalog.prices_include_tax);
        assert_eq!(loaded.settings.metrics.allow.len(), 2);
        assert!(loaded.unknown_env.is_empty(), "{:?}", loaded.unknown_env);
    }

    #[test]
    fn metrics_open_to_loopback_only_by_default_and_the_token_is_masked() {
        let loaded = load(&[("KIRANA__METRICS__TOKEN", "scrape-me-9f2")]).unwrap();
        let allow = &loaded.settings.metrics.allow;
        assert!(
            allow
                .iter()
                .any(|n| n.contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()))
        );
        assert!(
            !allow
                .iter()
                .any(|n| n.contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()))
        );
        assert!(!loaded.settings.masked_toml().contains("scrape-me-9f2"));
    }

    #[test]
    fn a_short_idempotency_ttl_is_refused() {
        let e = load(&[("KIRANA__IDEMPOTENCY__TTL_HOURS", "2")]).unwrap_err();
        assert_eq!(e.key, "idempotency.ttl_hours");
    }
}
