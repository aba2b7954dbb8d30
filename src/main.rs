//! The `kirana` command: serve, migrate, check configuration, inspect the outbox.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kirana::config::{Settings, Sources};
use kirana::db::Db;
use kirana::events::{self, OutboxStatus};
use kirana::http::pagination::PageQuery;
use kirana::{Application, telemetry};

#[derive(Parser)]
#[command(
    name = "kirana",
    version,
    about = "Online store, point of sale and back office for small merchants"
)]
struct Cli {
    /// Folder holding default.toml and profile files.
    #[arg(long, global = true, default_value = "config")]
    config_dir: PathBuf,
    /// A profile: loads config/{profile}.toml after default.toml (also KIRANA_PROFILE).
    #[arg(long, global = true)]
    profile: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrations are applied first).
    Serve {
        /// On an empty database, first fill in the demo store (as `seed --demo` does).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Create an admin account (the first one, or another). The password comes from
    /// --password-file, or is asked for (read from standard input when it is not a terminal).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Print a single-use password-reset link for an account, for an admin to hand to its
    /// owner (where no mail server sends reset e-mails). The link is printed, never logged.
    ResetLink {
        #[arg(long)]
        email: String,
    },
    /// Exit 0 if the local server answers /healthz (for container health checks).
    Health,
    /// Print the OpenAPI document, as /api/openapi.json serves it (the web app's API
    /// types are generated from it).
    Openapi,
    /// Fill an empty store: `--demo` for a store to explore (accounts, categories, about
    /// 200 products), `--products N` for a large generated catalog (benchmarks).
    Seed {
        #[arg(
            long,
            conflicts_with = "products",
            required_unless_present = "products"
        )]
        demo: bool,
        #[arg(long)]
        products: Option<usize>,
    },
    /// Inspect and retry outbox events.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Stock commands.
    Inventory {
        #[command(subcommand)]
        command: InventoryCommand,
    },
    /// Payment commands.
    Payments {
        #[command(subcommand)]
        command: PaymentsCommand,
    },
    /// Report commands.
    Analytics {
        #[command(subcommand)]
        command: AnalyticsCommand,
    },
}

#[derive(Subcommand)]
enum AnalyticsCommand {
    /// Recompute every report fact from the issued invoices and credit notes.
    Rebuild,
}

#[derive(Subcommand)]
enum PaymentsCommand {
    /// Compare Razorpay's payments of the last hours with Kirana's records; exits 1 and
    /// lists each difference otherwise.
    Reconcile {
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
}

#[derive(Subcommand)]
enum InventoryCommand {
    /// Check that every stock level equals the sum of its ledger movements; exits 1 and
    /// lists each mismatch otherwise.
    Verify,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration with secrets masked; fail on a bad value.
    Check,
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// List events, oldest first.
    List {
        /// pending, delivered or parked.
        #[arg(long)]
        status: Option<OutboxStatus>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// The cursor printed after the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Put a parked event back in the queue.
    Retry { id: String },
}

/// glibc keeps freed large blocks (argon2's 19 MiB per password check) in per-thread
/// arenas and raises its mmap threshold after the first free, so a burst of logins would
/// leave hundreds of MB resident. A fixed threshold sends such blocks back to the kernel
/// on free, and two arenas keep small-object fragmentation across threads low.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; it is called before any other
    // thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    let loaded = match Settings::load(&Sources {
        config_dir: Some(cli.config_dir.clone()),
        profile: cli.profile.clone(),
        env: None,
    }) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let settings = loaded.settings;
    if let Command::Config {
        command: ConfigCommand::Check,
    } = cli.command
    {
        print!("{}", settings.masked_toml());
        for name in &loaded.unknown_env {
            eprintln!("warning: {name} matches no configuration key");
        }
        return ExitCode::SUCCESS;
    }
    telemetry::init(&settings.log);
    for name in &loaded.unknown_env {
        tracing::warn!(variable = %name, "environment variable matches no configuration key");
    }
    let result = match cli.command {
        Command::Serve { demo } => {
            let mut settings = settings;
            if demo {
                if let Err(e) = seed_if_empty(&settings) {
                    eprintln!("error: {e:#}");
                    return ExitCode::FAILURE;
                }
                // The demo store shows GST: regular, with a made-up GSTIN of its state,
                // unless the configuration names a registration of its own.
                if settings.store.registration.is_none() && settings.store.gstin.is_empty() {
                    settings.store.gstin =
                        kirana::contracts::gst::demo_gstin(&settings.store.state_code);
                    tracing::info!(gstin = %settings.store.gstin, "demo store: a regular GST registration");
                }
            }
            serve(settings)
        }
        Command::Migrate => migrate(&settings),
        Command::Outbox { command } => outbox(&settings, command),
        Command::Inventory {
            command: InventoryCommand::Verify,
        } => inventory_verify(&settings),
        Command::Payments {
            command: PaymentsCommand::Reconcile { hours },
        } => payments_reconcile(&settings, hours),
        Command::Analytics {
            command: AnalyticsCommand::Rebuild,
        } => analytics_rebuild(&settings),
        Command::Health => health(&settings),
        Command::Openapi => serde_json::to_string_pretty(&kirana::api_document())
            .map(|doc| println!("{doc}"))
            .map_err(anyhow::Error::from),
        Command::ResetLink { email } => reset_link(&settings, &email),
        Command::Seed { demo, products } => seed(&settings, demo, products),
        Command::CreateAdmin {
            email,
            name,
            password_file,
        } => create_admin(&settings, &email, &name, password_file),
        Command::Config { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let started = std::time::Instant::now();
        let host = settings.server.host.clone();
        let app = Application::build(settings).await?;
        tracing::info!(
            address = %format!("http://{host}:{}", app.port()),
            backend = app.db().backend().name(),
            startup_ms = started.elapsed().as_millis() as u64,
            version = env!("CARGO_PKG_VERSION"),
            "kirana is ready"
        );
        app.run_until_stopped().await?;
        tracing::info!("kirana stopped");
        Ok(())
    })
}

/// The users domain on the configured database, for commands that act on accounts.
#[cfg(feature = "users")]
async fn users_domain(settings: &Settings) -> anyhow::Result<kirana::domains::users::UsersDomain> {
    let db = Db::open(settings)?;
    db.migrate()?;
    let keys = std::sync::Arc::new(kirana::gateway::tokens::KeyRing::load(
        &settings.auth,
        &settings.data_dir,
    )?);
    kirana::domains::users::UsersDomain::build(
        db,
        keys,
        settings,
        std::sync::Arc::new(kirana::contracts::mail::LogMailer),
    )
    .await
}

#[cfg(feature = "users")]
fn reset_link(settings: &Settings, email: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let users = users_domain(settings).await?;
        let link = users
            .reset_link(email)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("{link}");
        println!(
            "single use, valid for {} minutes; hand it to the account's owner",
            settings.auth.password_reset_ttl_mins
        );
        Ok(())
    })
}

#[cfg(feature = "users")]
fn create_admin(
    settings: &Settings,
    email: &str,
    name: &str,
    password_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let password = match password_file {
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_string(),
        None if std::io::stdin().is_terminal() => {
            let first = rpassword::prompt_password("Password for the new admin: ")?;
            let again = rpassword::prompt_password("Same password again: ")?;
            if first != again {
                anyhow::bail!("the two passwords differ");
            }
            first
        }
        None => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let users = users_domain(settings).await?;
        let (id, email) = users
            .create_admin(email, password, name)
            .await
            .map_err(|e| match e {
                kirana::http::AppError::Validation(errors) => anyhow::anyhow!(
                    "{}",
                    errors
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => anyhow::anyhow!("{other}"),
            })?;
        println!("created admin {email} ({id})");
        Ok(())
    })
}

/// The demo store, unless the catalog already has products.
fn seed_if_empty(settings: &Settings) -> anyhow::Result<()> {
    #[cfg(feature = "catalog")]
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let existing = runtime.block_on(async {
            let db = Db::open(settings)?;
            db.migrate()?;
            kirana::domains::catalog::CatalogDomain::product_count(&db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        })?;
        if existing > 0 {
            println!("the catalog has {existing} products; no demo data added");
            return Ok(());
        }
    }
    seed(settings, true, None)
}

#[cfg(all(feature = "users", feature = "catalog"))]
fn seed(settings: &Settings, demo: bool, products: Option<usize>) -> anyhow::Result<()> {
    use kirana::contracts::auth::Role;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let started = std::time::Instant::now();
        let db = Db::open(settings)?;
        db.migrate()?;
        let keys = std::sync::Arc::new(kirana::gateway::tokens::KeyRing::load(
            &settings.auth,
            &settings.data_dir,
        )?);
        let users = kirana::domains::users::UsersDomain::build(
            db.clone(),
            keys,
            settings,
            std::sync::Arc::new(kirana::contracts::mail::LogMailer),
        )
        .await?;
        let existing = kirana::domains::catalog::CatalogDomain::product_count(&db).await?;
        if existing > 0 {
            anyhow::bail!("the catalog already has {existing} products; seed an empty database");
        }
        // One random password for the demo accounts, shown once.
        let password = kirana::domains::users::random_password()?;
        let mut ids = Vec::new();
        for (email, name, role) in [
            ("admin@demo.kirana.in", "Demo Admin", Role::Admin),
            ("seller@demo.kirana.in", "Ravi Traders", Role::Seller),
            ("staff@demo.kirana.in", "Meena (counter)", Role::Staff),
            ("customer@demo.kirana.in", "Asha Rao", Role::Customer),
        ] {
            let id = users
                .create_account(email, password.clone(), name, role)
                .await
                .map_err(|e| anyhow::anyhow!("{email}: {e}"))?;
            println!("account {email} ({})", role.as_str());
            ids.push(id);
        }
        println!("password of the demo accounts: {password}");
        let sellers = &ids[..2];
        let blobs = kirana::blob::LocalBlobStore::new(settings.data_dir.join("blobs"));
        let report = kirana::domains::catalog::CatalogDomain::seed(&db, sellers, products, &blobs)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!(
            "catalog: {} categories, {} products, {} variants ({:.1} s)",
            report.categories,
            report.products,
            report.variants,
            started.elapsed().as_secs_f64()
        );
        #[cfg(feature = "inventory")]
        if demo {
            let stock = kirana::domains::inventory::seed_demo(
                &db,
                report.variant_ids.clone(),
                ids[0].clone(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "inventory: {} locations, {} stocked variants, {} received purchase order",
                stock.locations, stock.stocked_variants, stock.received_purchase_orders
            );
            #[cfg(feature = "cart")]
            {
                kirana::domains::cart::seed_register(&db, "Counter 1", &stock.shop_location_id)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let favourites = kirana::domains::catalog::CatalogDomain::seed_counter(&db, 8)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!("counter: register \"Counter 1\" at the shop, {favourites} favourites");
            }
        }
        #[cfg(not(feature = "inventory"))]
        let _ = demo;
        Ok(())
    })
}

#[cfg(not(all(feature = "users", feature = "catalog")))]
fn seed(_: &Settings, _: bool, _: Option<usize>) -> anyhow::Result<()> {
    anyhow::bail!("seeding needs the users and catalog domains")
}

#[cfg(not(feature = "users"))]
fn reset_link(_: &Settings, _: &str) -> anyhow::Result<()> {
    anyhow::bail!("this build has no users domain (feature `users`)")
}

#[cfg(not(feature = "users"))]
fn create_admin(_: &Settings, _: &str, _: &str, _: Option<PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("this build has no users domain (feature `users`)")
}

fn health(settings: &Settings) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let host = match settings.server.host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
        other => other,
    };
    let timeout = std::time::Duration::from_secs(3);
    let address = std::net::ToSocketAddrs::to_socket_addrs(&(host, settings.server.port))?
        .next()
        .ok_or_else(|| anyhow::anyhow!("cannot resolve {host}"))?;
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    if head.starts_with(b"HTTP/1.") && &head[9..12] == b"200" {
        Ok(())
    } else {
        anyhow::bail!("unhealthy: {}", String::from_utf8_lossy(&head))
    }
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = Db::open(settings)?;
    let applied = db.migrate()?;
    if applied.is_empty() {
        println!("the database is up to date");
    }
    for name in applied {
        println!("applied {name}");
    }
    Ok(())
}

#[cfg(feature = "inventory")]
fn inventory_verify(settings: &Settings) -> anyhow::Result<()> {
    let db = Db::open(settings)?;
    db.migrate()?;
    let mismatches = kirana::domains::inventory::verify(&db)?;
    if mismatches.is_empty() {
        println!("stock levels match the ledger");
        return Ok(());
    }
    for m in &mismatches {
        println!("{m}");
    }
    anyhow::bail!("{} stock figures differ from the ledger", mismatches.len())
}

#[cfg(not(feature = "inventory"))]
fn inventory_verify(_: &Settings) -> anyhow::Result<()> {
    anyhow::bail!("this build has no inventory domain (feature `inventory`)")
}

#[cfg(feature = "payments")]
fn payments_reconcile(settings: &Settings, hours: i64) -> anyhow::Result<()> {
    if !(1..=24 * 90).contains(&hours) {
        anyhow::bail!("--hours must be 1 to 2160");
    }
    let db = Db::open(settings)?;
    db.migrate()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let to = chrono::Utc::now();
    let from = to - chrono::TimeDelta::hours(hours);
    let report = runtime.block_on(kirana::domains::payments::reconcile(
        &db, settings, from, to,
    ))?;
    println!(
        "{} Razorpay payments of Kirana's orders checked from {} to {}",
        report.checked, report.from, report.to
    );
    if report.differences.is_empty() {
        println!("Razorpay and Kirana agree");
        return Ok(());
    }
    for d in &report.differences {
        println!(
            "{:<13} order {} payment {}: Kirana {}, Razorpay {}",
            d.kind,
            d.order_id.as_deref().unwrap_or("-"),
            d.provider_payment_id,
            d.kirana,
            d.razorpay
        );
    }
    anyhow::bail!(
        "{} differences between Razorpay and Kirana",
        report.differences.len()
    )
}

#[cfg(not(feature = "payments"))]
fn payments_reconcile(_: &Settings, _: i64) -> anyhow::Result<()> {
    anyhow::bail!("this build has no payments domain (feature `payments`)")
}

#[cfg(feature = "analytics")]
fn analytics_rebuild(settings: &Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let started = std::time::Instant::now();
        let db = Db::open(settings)?;
        db.migrate()?;
        let profile = kirana::profile::LiveProfile::from_settings(settings);
        profile.refresh(&db).await?;
        let catalog = kirana::domains::catalog::CatalogDomain::build(
            db.clone(),
            settings,
            std::sync::Arc::new(kirana::blob::LocalBlobStore::new(
                settings.data_dir.join("blobs"),
            )),
            None,
            &profile,
        );
        let inventory = kirana::domains::inventory::InventoryDomain::build(
            db.clone(),
            catalog.api(),
            settings,
            &profile,
        )
        .await?;
        let orders = kirana::domains::orders::OrdersDomain::build(
            db.clone(),
            catalog.api(),
            inventory.api(),
            settings,
            &profile,
        );
        let counted = kirana::domains::analytics::rebuild(&db, orders.api().as_ref()).await?;
        println!(
            "report facts rebuilt from {counted} invoices and credit notes in {} ms",
            started.elapsed().as_millis()
        );
        Ok(())
    })
}

#[cfg(not(feature = "analytics"))]
fn analytics_rebuild(_: &Settings) -> anyhow::Result<()> {
    anyhow::bail!("this build has no analytics domain (feature `analytics`)")
}

fn outbox(settings: &Settings, command: OutboxCommand) -> anyhow::Result<()> {
    let db = Db::open(settings)?;
    db.migrate()?;
    match command {
        OutboxCommand::List {
            status,
            limit,
            cursor,
        } => {
            let page = PageQuery {
                limit: Some(limit),
                cursor,
            }
            .parse::<String>()?;
            let page = db.read_blocking(|conn| events::list(conn, status, &page))?;
            for e in &page.items {
                println!(
                    "{}  {:<9} {:<32} attempts={} created={}{}",
                    e.id,
                    e.status,
                    e.event_type,
                    e.attempts,
                    e.created_at.and_utc().to_rfc3339(),
                    e.last_error
                        .as_deref()
                        .map(|err| format!("  last_error={err}"))
                        .unwrap_or_default()
                );
            }
            if let Some(next) = page.next_cursor {
                println!("more: --cursor {next}");
            }
        }
        OutboxCommand::Retry { id } => {
            if db.write_blocking(|conn| events::retry_parked(conn, &id))? {
                println!("event {id} is queued again");
            } else {
                anyhow::bail!("no parked event with id {id}");
            }
        }
    }
    Ok(())
}
