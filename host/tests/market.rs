//! The market over real HTTP, on both backends: the seed's trade saga on its
//! success path and its compensation path, step by step; a saga whose host
//! died resumed by another to its end; player-to-player offers; crafting
//! all or nothing; locked items kept out of everything else; and after each
//! story the economy's invariants hold (`common::audit`).

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::audit::{assert_sound, tamper, violations};
use common::db::{postgres, sqlite};
use common::hosted::seed;
use common::players::signed_in;
use common::{GAME, committed_event_types, load, runtime, serve_store};
use idempo_host::bus::Bus;
use idempo_host::config::Config;
use idempo_host::economy::items::{self, ItemState};
use idempo_host::economy::wallet;
use idempo_host::runtime::World;
use idempo_host::saga::plan::{Capture, Handover, Plan, Settlement, Step, hold_id};
use idempo_host::saga::{SagaConfig, SagaRecord, Sagas, record};
use idempo_host::store::economy_ops::{EconomyOp, HOUSE, Hold, Payout, SagaPosition, SagaStep};
use idempo_host::store::{CommitBatch, EconomyWrites, ItemGrant, Store, StoreError};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

conformance!(
    a_bought_listing_completes_step_by_step,
    a_purchase_sent_at_once_to_two_hosts_trades_once,
    a_trade_whose_item_is_gone_compensates_in_reverse,
    a_high_value_trade_runs_the_audit_step_the_market_adds,
    a_trade_without_the_funds_fails_before_it_holds_anything,
    a_saga_whose_host_died_is_resumed_to_its_end,
    a_step_refused_in_a_run_ahead_keeps_the_steps_before_and_turns_back,
    an_offer_swaps_items_and_currency_both_ways,
    crafting_is_all_or_nothing,
    a_listed_item_is_kept_out_of_everything_else,
    the_audit_sees_broken_books,
);

// ----------------------------------------------------------------- helpers

struct Market {
    base: String,
    client: Client,
    store: Store,
    bus: Arc<dyn Bus>,
}

struct Trader {
    id: String,
    token: String,
}

/// A host on `store` with the standard market, its sagas pausing
/// `step_delay_ms` before each step.
async fn market(store: &Store, step_delay_ms: u64) -> Market {
    let rt = runtime();
    load(&rt, World::Market, "standard", "1.0.0", "market_standard");
    let mut config = Config::default();
    config.saga.faults.step_delay_ms = step_delay_ms;
    config.saga.answer_wait_ms = 5_000;
    config.gateway.rate_limit_per_second = 100_000.0;
    config.gateway.rate_limit_burst = 100_000;
    let served = serve_store(config, rt, store.clone(), None).await;
    Market {
        base: served.base,
        client: Client::new(),
        store: store.clone(),
        bus: served.bus,
    }
}

impl Market {
    async fn trader(&self, name: &str, gold: i64, items: &[(&str, &str)]) -> Trader {
        let (token, id) = signed_in(&self.client, &self.base, name).await;
        seed(&self.store, &id, gold, items).await;
        Trader { id, token }
    }

    async fn send(
        &self,
        who: &Trader,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, bool) {
        let mut request = self
            .client
            .request(method, format!("{}/v1{path}", self.base))
            .bearer_auth(&who.token);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the host answers");
        let status = response.status();
        let replayed = response.headers().get("idempotency-replayed").is_some();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body, replayed)
    }

    async fn post(&self, who: &Trader, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        let (status, body, _) = self
            .send(who, reqwest::Method::POST, path, Some(key), Some(body))
            .await;
        (status, body)
    }

    async fn get(&self, who: &Trader, path: &str) -> Value {
        let (status, body, _) = self.send(who, reqwest::Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn list(&self, seller: &Trader, item_id: &str, price: i64) -> String {
        let (status, body) = self
            .post(
                seller,
                "/market/listings",
                &format!("list-{item_id}-{price}"),
                json!({ "item_id": item_id, "currency": "gold", "price": price }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().expect("a listing id").to_owned()
    }

    async fn gold(&self, player: &str) -> (i64, i64) {
        let b = wallet::balance(&self.store, GAME, player, "gold")
            .await
            .expect("balance reads");
        (b.available, b.held)
    }

    async fn owner(&self, item_id: &str) -> (String, ItemState) {
        let item = items::get(&self.store, GAME, item_id)
            .await
            .expect("item reads")
            .expect("the item exists");
        (item.owner, item.state)
    }

    /// The trade once it ended (polling its GET).
    async fn ended(&self, who: &Trader, trade_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let trade = self.get(who, &format!("/trades/{trade_id}")).await;
            if trade["status"] != "running" {
                return trade;
            }
            assert!(Instant::now() < deadline, "the trade never ended: {trade}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// (step, phase, status) of each log row.
fn steps(trade: &Value) -> Vec<(String, String, String)> {
    trade["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap_or_default().to_owned(),
                s["phase"].as_str().unwrap_or_default().to_owned(),
                s["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn step(name: &str, phase: &str, status: &str) -> (String, String, String) {
    (name.into(), phase.into(), status.into())
}

// ----------------------------------------------------------------- stories

/// One purchase sent three times at once with one key, twice to one host
/// and once to another on the same database: one trade, paid once; each
/// other answer is 409 in flight or the trade's replay.
async fn a_purchase_sent_at_once_to_two_hosts_trades_once(store: &Store) {
    let a = market(store, 100).await;
    let b = market(store, 100).await;
    let seller = a.trader("sella", 0, &[("sword-1", "iron-sword")]).await;
    let buyer = a.trader("bruno", 100, &[]).await;
    let listing = a.list(&seller, "sword-1", 40).await;
    async fn buy(m: &Market, buyer: &Trader, listing: &str) -> (StatusCode, Value, bool) {
        let body = json!({ "listing_id": listing });
        m.send(
            buyer,
            reqwest::Method::POST,
            "/trades",
            Some("buy-1"),
            Some(body),
        )
        .await
    }
    let (one, two, three) = tokio::join!(
        buy(&a, &buyer, &listing),
        buy(&a, &buyer, &listing),
        buy(&b, &buyer, &listing)
    );
    let answers = [one, two, three];
    let fresh: Vec<_> = answers
        .iter()
        .filter(|(status, _, replayed)| status.is_success() && !replayed)
        .collect();
    assert_eq!(fresh.len(), 1, "one purchase ran: {answers:?}");
    let trade = &fresh[0].1;
    assert_eq!(trade["state"], "COMPLETED", "{trade}");
    for (status, body, replayed) in &answers {
        let in_flight = *status == StatusCode::CONFLICT
            && body["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("/idempotency-key-in-flight"));
        let same = status.is_success() && body["id"] == trade["id"];
        assert!(in_flight || same, "{status} {body} (replayed: {replayed})");
    }
    assert_eq!(a.gold(&buyer.id).await, (60, 0), "paid once");
    assert_eq!(a.gold(&seller.id).await, (38, 0));
    assert_eq!(
        a.owner("sword-1").await,
        (buyer.id.clone(), ItemState::Owned)
    );
    // Either host replays it now.
    for m in [&a, &b] {
        let (status, again, replayed) = buy(m, &buyer, &listing).await;
        assert_eq!((status, replayed), (StatusCode::OK, true), "{again}");
        assert_eq!(again["id"], trade["id"]);
    }
    assert_sound(store, true).await;
}

async fn a_bought_listing_completes_step_by_step(store: &Store) {
    let m = market(store, 0).await;
    let seller = m.trader("sella", 0, &[("sword-1", "iron-sword")]).await;
    let buyer = m.trader("bruno", 100, &[]).await;
    let listing = m.list(&seller, "sword-1", 40).await;
    assert_eq!(
        m.owner("sword-1").await.1,
        ItemState::Locked,
        "listed = locked"
    );

    let (status, trade) = m
        .post(&buyer, "/trades", "buy-1", json!({ "listing_id": listing }))
        .await;
    assert_eq!(status, StatusCode::OK, "{trade}");
    assert_eq!(trade["state"], "COMPLETED", "{trade}");
    assert_eq!(trade["fee"], 2, "5% of 40 to the house");
    assert_eq!(
        steps(&trade),
        vec![
            step("initiate", "forward", "done"),
            step("reserve-funds", "forward", "done"),
            step("lock-item", "forward", "done"),
            step("transfer", "forward", "done"),
        ]
    );
    assert_eq!(m.gold(&buyer.id).await, (60, 0));
    assert_eq!(m.gold(&seller.id).await, (38, 0));
    assert_eq!(m.gold(HOUSE).await, (2, 0));
    assert_eq!(
        m.owner("sword-1").await,
        (buyer.id.clone(), ItemState::Owned)
    );
    let sold = m.get(&buyer, &format!("/market/listings/{listing}")).await;
    assert_eq!(sold["state"], "sold");
    assert_eq!(sold["trade_id"], trade["id"]);

    // A retry replays: the same trade, nothing paid twice.
    let (status, again, replayed) = m
        .send(
            &buyer,
            reqwest::Method::POST,
            "/trades",
            Some("buy-1"),
            Some(json!({ "listing_id": listing })),
        )
        .await;
    assert_eq!((status, replayed), (StatusCode::OK, true), "{again}");
    assert_eq!(again["id"], trade["id"]);
    assert_eq!(m.gold(&buyer.id).await, (60, 0));
    // The same key for another request is refused.
    let (status, body) = m
        .post(&buyer, "/trades", "buy-1", json!({ "listing_id": "other" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Both see it; the buyer was told at every step.
    let seen = m
        .get(
            &seller,
            &format!("/trades/{}", trade["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(seen["state"], "COMPLETED");
    let notices = m.get(&buyer, "/players/me/notices").await;
    let states: Vec<_> = notices["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["kind"] == "trade")
        .map(|n| n["body"]["state"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(states, ["FUNDS_RESERVED", "ITEM_LOCKED", "COMPLETED"]);
    let events = economy_events(&m).await;
    for wanted in [
        "ListingCreated",
        "TradeInitiated",
        "FundsReserved",
        "ItemLocked",
        "FundsTransferred",
        "ItemTransferred",
        "TradeCompleted",
    ] {
        assert!(events.iter().any(|e| e == wanted), "{wanted} in {events:?}");
    }
    assert_sound(store, true).await;
}

async fn a_trade_whose_item_is_gone_compensates_in_reverse(store: &Store) {
    // Each step waits 400 ms: the seller cancels the listing while the
    // saga holds the buyer's funds, so locking the item fails.
    let m = market(store, 400).await;
    let seller = m.trader("sella", 0, &[("gem-1", "crystal")]).await;
    let buyer = m.trader("bruno", 50, &[]).await;
    let listing = m.list(&seller, "gem-1", 30).await;
    let buy = {
        let (base, token) = (m.base.clone(), buyer.token.clone());
        let listing = listing.clone();
        tokio::spawn(async move {
            Client::new()
                .post(format!("{base}/v1/trades"))
                .bearer_auth(token)
                .header("Idempotency-Key", "buy-gem")
                .json(&json!({ "listing_id": listing }))
                .send()
                .await
                .expect("answers")
                .json::<Value>()
                .await
                .expect("a trade")
        })
    };
    // Wait for the hold, then pull the listing.
    let deadline = Instant::now() + Duration::from_secs(10);
    while m.gold(&buyer.id).await != (20, 30) {
        assert!(Instant::now() < deadline, "the funds were never reserved");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body, _) = m
        .send(
            &seller,
            reqwest::Method::DELETE,
            &format!("/market/listings/{listing}"),
            Some("pull"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = buy.await.expect("joins");
    let trade = m.ended(&buyer, first["id"].as_str().expect("an id")).await;
    assert_eq!(trade["state"], "FAILED", "{trade}");
    assert!(
        trade["failure"]
            .as_str()
            .unwrap_or_default()
            .contains("gem-1"),
        "{trade}"
    );
    assert_eq!(
        steps(&trade),
        vec![
            step("initiate", "forward", "done"),
            step("reserve-funds", "forward", "done"),
            step("lock-item", "forward", "failed"),
            step("reserve-funds", "backward", "undone"),
        ]
    );
    assert_eq!(m.gold(&buyer.id).await, (50, 0), "the funds are released");
    assert_eq!(
        m.owner("gem-1").await,
        (seller.id.clone(), ItemState::Owned)
    );
    let notices = m.get(&buyer, "/players/me/notices").await;
    let last = notices["notices"]
        .as_array()
        .and_then(|n| n.iter().rev().find(|n| n["kind"] == "trade").cloned())
        .expect("a trade notice");
    assert_eq!(last["body"]["state"], "FAILED", "the buyer is told");
    assert!(
        economy_events(&m)
            .await
            .iter()
            .any(|e| e == "FundsReleased")
    );
    assert!(economy_events(&m).await.iter().any(|e| e == "TradeFailed"));
    assert_sound(store, true).await;
}

async fn a_high_value_trade_runs_the_audit_step_the_market_adds(store: &Store) {
    // The standard market audits trades of 10 000 gold or more.
    let m = market(store, 0).await;
    let seller = m.trader("sella", 0, &[("crown-1", "crown")]).await;
    let buyer = m.trader("bruno", 20_000, &[]).await;
    let listing = m.list(&seller, "crown-1", 10_000).await;
    let (status, trade) = m
        .post(&buyer, "/trades", "crown", json!({ "listing_id": listing }))
        .await;
    assert_eq!(status, StatusCode::OK, "{trade}");
    assert_eq!(
        steps(&trade),
        vec![
            step("initiate", "forward", "done"),
            step("reserve-funds", "forward", "done"),
            step("lock-item", "forward", "done"),
            step("check:audit", "forward", "done"),
            step("transfer", "forward", "done"),
        ]
    );
    assert_eq!(m.gold(HOUSE).await, (500, 0));
    assert!(economy_events(&m).await.iter().any(|e| e == "TradeAudited"));
    assert_sound(store, true).await;
}

async fn a_trade_without_the_funds_fails_before_it_holds_anything(store: &Store) {
    let m = market(store, 0).await;
    let seller = m.trader("sella", 0, &[("ore-1", "iron-ore")]).await;
    let buyer = m.trader("bruno", 10, &[]).await;
    let listing = m.list(&seller, "ore-1", 25).await;
    let (status, trade) = m
        .post(&buyer, "/trades", "broke", json!({ "listing_id": listing }))
        .await;
    assert_eq!(status, StatusCode::OK, "{trade}");
    assert_eq!(trade["state"], "FAILED");
    assert!(
        trade["failure"]
            .as_str()
            .unwrap_or_default()
            .contains("insufficient funds"),
        "{trade}"
    );
    assert_eq!(
        steps(&trade),
        vec![
            step("initiate", "forward", "done"),
            step("reserve-funds", "forward", "failed"),
        ]
    );
    assert_eq!(m.gold(&buyer.id).await, (10, 0));
    let open = m.get(&buyer, &format!("/market/listings/{listing}")).await;
    assert_eq!(open["state"], "open", "the listing stays up");
    // Buying from oneself is the market component's refusal, before a saga.
    let (status, body) = m
        .post(&seller, "/trades", "self", json!({ "listing_id": listing }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["type"], "https://idempo.dev/problems/market-refused");
    assert_sound(store, true).await;
}

async fn a_saga_whose_host_died_is_resumed_to_its_end(store: &Store) {
    // A saga left by a dead host after its first step: funds held, lease
    // run out.
    let m = market(store, 0).await;
    let seller = m.trader("sella", 0, &[("axe-1", "iron-sword")]).await;
    let buyer = m.trader("bruno", 100, &[]).await;
    let listing = m.list(&seller, "axe-1", 50).await;
    let saga_id = "saga-of-a-dead-host";
    let plan = sale_plan(
        &buyer.id,
        &seller.id,
        &seller.id,
        "axe-1",
        50,
        Some(&listing),
    );
    let dead = Sagas::new(store.clone(), "dead-host", SagaConfig::default());
    let mut row = dead
        .row(GAME, saga_id, "market", &plan, (&buyer.id, &seller.id))
        .expect("a valid plan");
    row.lease_until_ms = 0;
    let version = wallet::balance(store, GAME, &buyer.id, "gold")
        .await
        .unwrap()
        .version;
    let first_step = CommitBatch {
        ops: vec![
            EconomyOp::SagaStart(row),
            EconomyOp::Hold(Hold {
                game: GAME.into(),
                hold_id: hold_id(saga_id, 0),
                player: buyer.id.clone(),
                currency: "gold".into(),
                amount: 50,
                version,
                reference: format!("saga:{saga_id}"),
            }),
            EconomyOp::SagaStep(SagaStep {
                game: GAME.into(),
                saga_id: saga_id.into(),
                version: 1,
                to: SagaPosition {
                    status: "running".into(),
                    phase: "forward".into(),
                    cursor: 1,
                    label: "FUNDS_RESERVED".into(),
                    failure: None,
                    owner: "dead-host".into(),
                    lease_until_ms: 0,
                },
                step: "reserve-funds".into(),
                phase: "forward".into(),
                outcome: "done".into(),
                error: None,
            }),
        ],
        ..CommitBatch::default()
    };
    store
        .commit(first_step)
        .await
        .expect("the dead host's step");
    assert_eq!(m.gold(&buyer.id).await, (50, 50));

    let survivor = Sagas::new(store.clone(), "survivor", SagaConfig::default());
    assert_eq!(survivor.recover(10).await.expect("recovers"), 1);
    let saga = ended_saga(store, saga_id).await;
    assert_eq!(saga.label, "COMPLETED");
    assert_eq!(saga.owner, "survivor");
    let log = record::log(store, GAME, saga_id).await.unwrap();
    let rows: Vec<_> = log
        .iter()
        .map(|e| (e.step.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("initiate", "done"),
            ("reserve-funds", "done"),
            ("claim", "claimed"),
            ("lock-item", "done"),
            ("transfer", "done"),
        ]
    );
    assert_eq!(log[2].error.as_deref(), Some("resumed from dead-host"));
    // A late step of the dead host, from the version it knew, cannot apply.
    let late = CommitBatch {
        ops: vec![EconomyOp::SagaStep(SagaStep {
            game: GAME.into(),
            saga_id: saga_id.into(),
            version: 2,
            to: SagaPosition {
                status: "running".into(),
                phase: "forward".into(),
                cursor: 2,
                label: "ITEM_LOCKED".into(),
                failure: None,
                owner: "dead-host".into(),
                lease_until_ms: 0,
            },
            step: "lock-item".into(),
            phase: "forward".into(),
            outcome: "done".into(),
            error: None,
        })],
        ..CommitBatch::default()
    };
    let err = store
        .commit(late)
        .await
        .expect_err("the old owner is fenced");
    assert!(matches!(err, StoreError::Economy(_)), "{err}");
    assert_eq!(m.gold(&buyer.id).await, (50, 0));
    assert_eq!(m.gold(&seller.id).await, (50, 0));
    assert_eq!(m.owner("axe-1").await, (buyer.id.clone(), ItemState::Owned));
    assert_sound(store, true).await;
}

/// Nothing injected, so the saga's steps run ahead as one chain: the hold
/// applies, the lock of an item its owner does not have is refused, the
/// transfer is never tried; the saga turns back from the refused step as
/// step by step, and the hold is released.
async fn a_step_refused_in_a_run_ahead_keeps_the_steps_before_and_turns_back(store: &Store) {
    let m = market(store, 0).await;
    let seller = m.trader("sella", 0, &[("axe-1", "iron-sword")]).await;
    let buyer = m.trader("bruno", 100, &[]).await;
    let saga_id = "saga-refused-ahead";
    // The buyer does not own the item: its lock is refused.
    let plan = sale_plan(&buyer.id, &seller.id, &buyer.id, "axe-1", 50, None);
    let sagas = Sagas::new(store.clone(), "host-a", SagaConfig::default());
    let row = sagas
        .row(GAME, saga_id, "market", &plan, (&buyer.id, &seller.id))
        .expect("a valid plan");
    let watch = sagas
        .begin(CommitBatch {
            ops: vec![EconomyOp::SagaStart(row)],
            ..CommitBatch::default()
        })
        .await
        .expect("the saga starts");
    sagas.settle(watch).await;
    let saga = ended_saga(store, saga_id).await;
    assert_eq!(saga.label, "FAILED", "{saga:?}");
    let log = record::log(store, GAME, saga_id).await.unwrap();
    let rows: Vec<_> = log
        .iter()
        .map(|e| (e.step.as_str(), e.phase.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("initiate", "forward", "done"),
            ("reserve-funds", "forward", "done"),
            ("lock-item", "forward", "failed"),
            ("reserve-funds", "backward", "undone"),
        ]
    );
    assert_eq!(m.gold(&buyer.id).await, (100, 0), "the hold is released");
    assert_eq!(m.gold(&seller.id).await, (0, 0), "nothing paid");
    assert_eq!(
        m.owner("axe-1").await,
        (seller.id.clone(), ItemState::Owned)
    );
    assert_sound(store, true).await;
}

async fn an_offer_swaps_items_and_currency_both_ways(store: &Store) {
    let m = market(store, 0).await;
    let ann = m.trader("ann", 40, &[("pot-1", "potion")]).await;
    let bob = m.trader("bob", 5, &[("cry-1", "crystal")]).await;
    let offer = json!({
        "to": bob.id,
        "give": { "items": ["pot-1"], "currency": [{ "currency": "gold", "amount": 15 }] },
        "want": { "items": ["cry-1"], "currency": [{ "currency": "gold", "amount": 5 }] },
    });
    // A currency the market does not trade cannot change hands here
    // either: xp makes levels, it is earned.
    for (key, side) in [("xp-give", "give"), ("xp-want", "want")] {
        let (status, body) = m
            .post(
                &ann,
                "/offers",
                key,
                json!({ "to": bob.id, (side): { "currency": [{ "currency": "xp", "amount": 100 }] } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("/market-refused")),
            "{body}"
        );
        assert!(
            body["detail"].as_str().is_some_and(|d| d.contains("xp")),
            "{body}"
        );
    }
    let (status, made) = m.post(&ann, "/offers", "offer-1", offer).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().expect("an offer id").to_owned();
    // Only its receiver may accept it.
    let (status, body) = m
        .post(
            &ann,
            &format!("/offers/{id}/accept"),
            "self-accept",
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, trade) = m
        .post(
            &bob,
            &format!("/offers/{id}/accept"),
            "accept-1",
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{trade}");
    assert_eq!(trade["state"], "COMPLETED", "{trade}");
    assert_eq!(trade["kind"], "offer");
    assert_eq!(m.owner("pot-1").await.0, bob.id);
    assert_eq!(m.owner("cry-1").await.0, ann.id);
    assert_eq!(m.gold(&ann.id).await, (40 - 15 + 5, 0));
    // Bob paid his 5 and got Ann's 15.
    assert_eq!(m.gold(&bob.id).await, (15, 0));
    let offers = m.get(&ann, "/offers").await;
    let mine = &offers["offers"][0];
    assert_eq!(
        (mine["state"].clone(), mine["trade_id"].clone()),
        (json!("accepted"), trade["id"].clone())
    );
    // An accepted offer cannot be accepted again, declined or cancelled.
    let (status, _) = m
        .post(
            &bob,
            &format!("/offers/{id}/decline"),
            "decline-late",
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // An offer asking for more than the other has fails and gives all back.
    let (status, made) = m
        .post(
            &ann,
            "/offers",
            "offer-2",
            json!({ "to": bob.id, "give": { "items": ["cry-1"] },
                    "want": { "currency": [{ "currency": "gold", "amount": 500 }] } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    let (_, trade) = m
        .post(
            &bob,
            &format!("/offers/{id}/accept"),
            "accept-2",
            json!(null),
        )
        .await;
    assert_eq!(trade["state"], "FAILED", "{trade}");
    assert_eq!(m.owner("cry-1").await, (ann.id.clone(), ItemState::Owned));
    assert_eq!(m.gold(&bob.id).await, (15, 0));
    assert_sound(store, true).await;
}

async fn crafting_is_all_or_nothing(store: &Store) {
    let m = market(store, 0).await;
    let smith = m
        .trader(
            "smith",
            60,
            &[("o1", "iron-ore"), ("o2", "iron-ore"), ("o3", "iron-ore")],
        )
        .await;
    let recipes = m.get(&smith, "/crafting/recipes").await;
    assert!(
        recipes["recipes"]
            .as_array()
            .expect("recipes")
            .iter()
            .any(|r| r["id"] == "iron-sword")
    );
    // Two swords need six ores: the second craft is refused and changes nothing.
    let (status, made) = m
        .post(&smith, "/crafts", "c1", json!({ "recipe": "iron-sword" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let consumed = made["consumed"].as_array().unwrap().to_vec();
    assert_eq!(consumed.len(), 3);
    let sword = made["output"]["id"].as_str().expect("a sword").to_owned();
    assert_eq!(m.owner(&sword).await, (smith.id.clone(), ItemState::Owned));
    for ore in ["o1", "o2", "o3"] {
        assert_eq!(m.owner(ore).await.1, ItemState::Spent);
    }
    assert_eq!(m.gold(&smith.id).await, (10, 0));
    assert_eq!(m.gold(HOUSE).await, (50, 0));
    let (status, body) = m
        .post(&smith, "/crafts", "c2", json!({ "recipe": "iron-sword" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["type"],
        "https://idempo.dev/problems/missing-ingredients"
    );
    // A retry of the first is its replay: no second sword.
    let (status, again, replayed) = m
        .send(
            &smith,
            reqwest::Method::POST,
            "/crafts",
            Some("c1"),
            Some(json!({ "recipe": "iron-sword" })),
        )
        .await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true));
    assert_eq!(again["output"]["id"], sword.as_str());
    let (status, body) = m
        .post(
            &smith,
            "/crafts",
            "c3",
            json!({ "recipe": "philosopher-stone" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_sound(store, true).await;
}

async fn a_listed_item_is_kept_out_of_everything_else(store: &Store) {
    let m = market(store, 0).await;
    let ann = m.trader("ann", 0, &[("c1", "crystal")]).await;
    let bob = m.trader("bob", 0, &[]).await;
    let listing = m.list(&ann, "c1", 9).await;
    let (status, body) = m
        .post(
            &ann,
            "/market/listings",
            "again",
            json!({ "item_id": "c1", "currency": "gold", "price": 10 }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "listed twice: {body}");
    let (status, body) = m
        .post(
            &ann,
            "/offers",
            "o",
            json!({ "to": bob.id, "give": { "items": ["c1"] } }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "offered while listed: {body}");
    // Another player cannot cancel it; its seller can, once.
    let (status, _, _) = m
        .send(
            &bob,
            reqwest::Method::DELETE,
            &format!("/market/listings/{listing}"),
            Some("x"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = m
        .send(
            &ann,
            reqwest::Method::DELETE,
            &format!("/market/listings/{listing}"),
            Some("y"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m.owner("c1").await, (ann.id.clone(), ItemState::Owned));
    // Browsing filters, sorts and pages.
    for (i, price) in [30, 10, 20].into_iter().enumerate() {
        let id = format!("g{i}");
        grant(store, &ann.id, &id).await;
        m.list(&ann, &id, price).await;
    }
    let page = m
        .get(
            &bob,
            "/market/listings?item_type=crystal&sort=-price&limit=2",
        )
        .await;
    let prices: Vec<_> = page["listings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["price"].clone())
        .collect();
    assert_eq!(prices, [json!(30), json!(20)]);
    let next = page["next"].as_str().expect("a next page").to_owned();
    let page = m
        .get(
            &bob,
            &format!("/market/listings?item_type=crystal&sort=-price&limit=2&cursor={next}"),
        )
        .await;
    let prices: Vec<_> = page["listings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["price"].clone())
        .collect();
    assert_eq!(prices, [json!(10)]);
    let (status, body, _) = m
        .send(
            &bob,
            reqwest::Method::GET,
            "/market/listings?sort=cheapest",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A mutating call without a key is refused.
    let (status, _, _) = m
        .send(
            &bob,
            reqwest::Method::POST,
            "/crafts",
            None,
            Some(json!({ "recipe": "elixir" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_sound(store, true).await;
}

async fn the_audit_sees_broken_books(store: &Store) {
    let m = market(store, 0).await;
    let ann = m
        .trader("ann", 100, &[("c1", "crystal"), ("c2", "crystal")])
        .await;
    let listing = m.list(&ann, "c1", 5).await;
    assert_sound(store, true).await;
    // Money from nowhere, a listed item unlocked behind the listing's back,
    // a hold without its saga, a saga that never ends.
    tamper(store, "UPDATE wallets SET available = available + 1").await;
    tamper(
        store,
        "UPDATE items SET state = 'owned', lock_ref = NULL WHERE item_id = 'c1'",
    )
    .await;
    tamper(
        store,
        "INSERT INTO holds (game, hold_id, player, currency, amount, state, reference, \
                            created_at_ms, updated_at_ms) \
         VALUES ('default', 'ghost/0', 'nobody', 'gold', 3, 'held', 'x', 0, 0)",
    )
    .await;
    tamper(
        store,
        "INSERT INTO sagas (game, saga_id, kind, status, phase, cursor, label, plan, initiator, \
                            counterparty, failure, owner, lease_until_ms, version, \
                            created_at_ms, updated_at_ms) \
         VALUES ('default', 'stuck', 'market', 'running', 'forward', 0, 'INITIATED', '{}', \
                 'a', 'b', NULL, 'h', 0, 1, 0, 0)",
    )
    .await;
    let found = violations(store, true).await.join("\n");
    for expected in [
        "but the ledger sums to",
        "was minted",
        &format!("open listing {listing}"),
        "hold ghost/0 is still held",
        "saga stuck is still running",
    ] {
        assert!(
            found.contains(expected),
            "the audit misses `{expected}`:\n{found}"
        );
    }
}

/// Saga `saga_id` once it ended (within 20 s).
async fn ended_saga(store: &Store, saga_id: &str) -> SagaRecord {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let saga = record::get(store, GAME, saga_id)
            .await
            .unwrap()
            .expect("kept");
        if saga.is_terminal() {
            return saga;
        }
        assert!(Instant::now() < deadline, "never ended: {saga:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A sale of `item_id` for `price` gold from `seller` to `buyer`, as the
/// market plans it: the buyer's hold, the item locked from `owner` (from
/// `listing`'s lock if any), then the transfer.
fn sale_plan(
    buyer: &str,
    seller: &str,
    owner: &str,
    item_id: &str,
    price: i64,
    listing: Option<&str>,
) -> Plan {
    Plan {
        steps: vec![
            Step::ReserveFunds {
                player: buyer.into(),
                currency: "gold".into(),
                amount: price,
            },
            Step::LockItem {
                item_id: item_id.into(),
                owner: owner.into(),
                listing: listing.map(str::to_owned),
            },
            Step::Settle(Settlement {
                captures: vec![Capture {
                    step: 0,
                    payouts: vec![Payout {
                        player: seller.into(),
                        amount: price,
                        reason: "sale".into(),
                    }],
                }],
                items: vec![Handover {
                    item_id: item_id.into(),
                    from: seller.into(),
                    to: buyer.into(),
                }],
                listing: listing.map(str::to_owned),
            }),
        ],
        terms: json!({}),
        correlation_id: None,
    }
}

async fn grant(store: &Store, owner: &str, item_id: &str) {
    let mut economy = EconomyWrites::default();
    economy.grants.push(ItemGrant {
        game: GAME.into(),
        item_id: item_id.into(),
        owner: owner.into(),
        item_type: "crystal".into(),
        source: "test".into(),
    });
    store
        .commit(CommitBatch {
            economy,
            ..CommitBatch::default()
        })
        .await
        .expect("granted");
}

/// The types of every `economy-events` event committed.
async fn economy_events(m: &Market) -> Vec<String> {
    committed_event_types(&m.store, &m.bus, "economy-events").await
}
