//! A host with everything `idempo` starts (relay, consumers, lobby,
//! takeover, saga recovery: [`Services`]) on a fresh SQLite store, its
//! arena on a driven clock, served over real HTTP; and the economy seeded
//! straight into a store.

use std::sync::Arc;

use idempo_host::arena::ManualClock;
use idempo_host::config::Config;
use idempo_host::runtime::Runtime;
use idempo_host::server::{self, AppState};
use idempo_host::services::Services;
use idempo_host::store::{CommitBatch, Credit, EconomyWrites, ItemGrant, Store};

use super::GAME;

/// Where a driven clock starts.
pub const START_MS: i64 = 1_700_000_000_000;

pub struct Host {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub store: Store,
    _services: Services,
    _dir: tempfile::TempDir,
}

/// Serves `runtime` with `config` and every background service.
pub async fn host(config: Config, runtime: Runtime) -> Host {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&super::db::test_config(), dir.path())
        .await
        .expect("store");
    let bus = idempo_host::bus::open(&config, store.clone()).expect("bus");
    let clock = Arc::new(ManualClock::new(START_MS));
    let state = Arc::new(
        AppState::new(config, Arc::new(runtime), store.clone(), bus, clock.clone()).expect("state"),
    );
    let services = Services::start(&state).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(server::serve_on(listener, state));
    Host {
        base,
        clock,
        store,
        _services: services,
        _dir: dir,
    }
}

/// Gives `player` `gold` and items (id, type), straight into the store.
pub async fn seed(store: &Store, player: &str, gold: i64, items: &[(&str, &str)]) {
    let mut economy = EconomyWrites::default();
    if gold > 0 {
        economy.credits.push(Credit {
            game: GAME.into(),
            player: player.into(),
            currency: "gold".into(),
            amount: gold,
            reason: "test".into(),
            reference: format!("seed:{player}"),
            key: format!("seed:{player}"),
        });
    }
    for (item_id, item_type) in items {
        economy.grants.push(ItemGrant {
            game: GAME.into(),
            item_id: (*item_id).into(),
            owner: player.into(),
            item_type: (*item_type).into(),
            source: "test".into(),
        });
    }
    store
        .commit(CommitBatch {
            economy,
            ..CommitBatch::default()
        })
        .await
        .expect("the player is seeded");
}
