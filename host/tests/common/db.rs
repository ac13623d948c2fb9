//! Databases for the conformance suites (storage, bus): a temporary SQLite
//! file, or a fresh PostgreSQL database per test on
//! `IDEMPO_TEST_POSTGRES_URL` (by default the server on 127.0.0.1:5432 as
//! user postgres), dropped at the end. An unreachable PostgreSQL fails the
//! test: CI has one.

use idempo_host::config::StorageConfig;
use idempo_host::store::{BackendKind, Store, new_event_id};

/// A store on a fresh database, and what removes that database.
pub struct Fixture {
    pub store: Store,
    /// The PostgreSQL database's URL (empty for SQLite), for a host process
    /// that shares it.
    pub database_url: String,
    _cleanup: Cleanup,
}

pub enum Cleanup {
    File(#[allow(dead_code, reason = "removes the directory when dropped")] tempfile::TempDir),
    Database { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Cleanup::Database { admin_url, name } = self else {
            return;
        };
        // Drop runs inside the test's runtime: do the async work on a thread
        // of its own. FORCE closes the store's remaining connections.
        let (url, db) = (admin_url.clone(), name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                use sqlx::Connection as _;
                let mut admin = sqlx::PgConnection::connect(&url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}: {dropped:?}");
        }
    }
}

pub fn test_config() -> StorageConfig {
    StorageConfig {
        max_connections: 4,
        ..StorageConfig::default()
    }
}

pub async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&test_config(), dir.path())
        .await
        .expect("SQLite store opens in a temp dir");
    assert_eq!(store.kind(), BackendKind::Sqlite);
    Fixture {
        store,
        database_url: String::new(),
        _cleanup: Cleanup::File(dir),
    }
}

pub fn admin_url() -> String {
    std::env::var("IDEMPO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub async fn postgres() -> Fixture {
    use sqlx::Connection as _;
    let admin_url = admin_url();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {admin_url}: {e}. The storage conformance suite \
             runs against PostgreSQL too (CI has it): start the server, or point \
             IDEMPO_TEST_POSTGRES_URL at one (user with CREATEDB)."
            )
        });
    let name = format!("idempo_test_{}", new_event_id().replace('-', ""));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let cleanup = Cleanup::Database {
        admin_url: admin_url.clone(),
        name: name.clone(),
    };
    let url = match admin_url.rsplit_once('/') {
        Some((server, _db)) => format!("{server}/{name}"),
        None => panic!("IDEMPO_TEST_POSTGRES_URL must name a database: {admin_url}"),
    };
    let config = StorageConfig {
        database_url: url.clone(),
        ..test_config()
    };
    let store = Store::open(&config, std::path::Path::new("unused"))
        .await
        .expect("PostgreSQL store opens and migrates");
    assert_eq!(store.kind(), BackendKind::Postgres);
    Fixture {
        store,
        database_url: url,
        _cleanup: cleanup,
    }
}

/// Every story, once per backend: `sqlite::<story>` and `postgres::<story>`.
/// The test file brings `sqlite` and `postgres` into scope.
#[allow(unused_macros)]
macro_rules! conformance {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let fixture = super::sqlite().await;
                    super::$story(&fixture.store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let fixture = super::postgres().await;
                    super::$story(&fixture.store).await;
                }
            )*
        }
    };
}
