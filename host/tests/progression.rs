//! Progression on both backends: xp credits make levels, and a batch that
//! crosses a threshold writes `UserLeveledUp` with its credit, once; a
//! match's rewards, paid by the real `rewards` consumer with the standard
//! rewards and tournament components, announce the level they reach.

#[macro_use]
mod common;

use std::sync::Arc;

use common::db::{postgres, sqlite};
use common::{GAME, load, runtime};
use idempo_host::arena::MATCH_EVENTS;
use idempo_host::bus::{EmbeddedBus, Relay};
use idempo_host::config::{BusConfig, Config};
use idempo_host::progression::{self, Curve, PLAYER_EVENTS, USER_LEVELED_UP};
use idempo_host::runtime::World;
use idempo_host::store::{CommitBatch, Credit, EconomyWrites, EventMeta, ProcessedEvent, Store};
use idempo_host::store::{OutboxEvent, new_event_id};
use serde_json::{Value, json};

conformance!(
    xp_that_crosses_thresholds_announces_each_level_reached_once,
    batches_of_one_group_see_the_xp_credited_before_them,
    a_match_won_pays_xp_that_reaches_level_10_and_says_so_once,
);

/// Levels 2, 3 and 4 at 50, 150 and 300 xp.
fn curve() -> Curve {
    Curve::new(&[50, 150, 300]).expect("a curve")
}

/// A batch crediting `player` `xp` under `key`, with its level watch.
fn paid(player: &str, xp: i64, key: &str) -> CommitBatch {
    let credits = vec![Credit {
        game: GAME.into(),
        player: player.into(),
        currency: progression::XP.into(),
        amount: xp,
        reason: "match-reward".into(),
        reference: format!("match:{key}"),
        key: format!("match:{key}/{player}/xp"),
    }];
    let meta = EventMeta {
        game: GAME.into(),
        correlation_id: Some(format!("corr-{key}")),
        traceparent: None,
        created_at_ms: 1_000,
    };
    let ops = progression::watches(&curve(), &credits, &meta);
    CommitBatch {
        economy: EconomyWrites {
            credits,
            ..EconomyWrites::default()
        },
        ops,
        processed: Some(ProcessedEvent {
            consumer_group: "rewards".into(),
            event_id: format!("evt-{key}"),
            game: GAME.into(),
            processed_at_ms: 1_000,
        }),
        ..CommitBatch::default()
    }
}

/// The payloads of the level-ups in the outbox, oldest first.
async fn level_ups(store: &Store) -> Vec<Value> {
    store
        .outbox_unsent(1_000)
        .await
        .expect("the outbox reads")
        .into_iter()
        .filter(|row| row.event.event_type == USER_LEVELED_UP)
        .map(|row| {
            assert_eq!(row.event.topic, PLAYER_EVENTS);
            assert_eq!(row.event.created_at_ms, 1_000, "dated by its batch");
            serde_json::from_str(&row.event.payload).expect("JSON")
        })
        .collect()
}

async fn xp_that_crosses_thresholds_announces_each_level_reached_once(store: &Store) {
    store.commit(paid("ann", 40, "m1")).await.expect("40 xp");
    assert!(level_ups(store).await.is_empty(), "40 xp is still level 1");
    store.commit(paid("ann", 20, "m2")).await.expect("20 more");
    assert_eq!(
        level_ups(store).await,
        [json!({ "player": "ann", "old_level": 1, "new_level": 2, "xp": 60 })]
    );
    // A redelivered event pays nothing and announces nothing.
    let again = store.commit(paid("ann", 20, "m2")).await;
    assert!(again.is_err(), "already processed");
    store
        .commit(paid("ann", 500, "m3"))
        .await
        .expect("a big win");
    let ups = level_ups(store).await;
    assert_eq!(ups.len(), 2, "{ups:?}");
    assert_eq!(
        ups[1],
        json!({ "player": "ann", "old_level": 2, "new_level": 4, "xp": 560 }),
        "two levels at once are one level-up, to the highest"
    );
    assert_eq!(curve().level_of(560), 4);
}

async fn batches_of_one_group_see_the_xp_credited_before_them(store: &Store) {
    let results = store
        .commit_all(vec![paid("bob", 30, "g1"), paid("bob", 30, "g2")])
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        level_ups(store).await,
        [json!({ "player": "bob", "old_level": 1, "new_level": 2, "xp": 60 })],
        "the second batch reached level 2"
    );
}

async fn a_match_won_pays_xp_that_reaches_level_10_and_says_so_once(store: &Store) {
    let rt = runtime();
    load(&rt, World::Rewards, "standard", "1.0.0", "rewards_standard");
    load(
        &rt,
        World::Tournament,
        "standard",
        "1.0.0",
        "tournament_standard",
    );
    let config = Config {
        bus: BusConfig {
            partitions_per_topic: 4,
            ..BusConfig::default()
        },
        ..Config::default()
    };
    let bus = EmbeddedBus::new(store.clone(), &config.bus);
    let mut rewards = idempo_host::economy::rewards::consumer(
        Arc::new(rt),
        bus.clone(),
        store.clone(),
        GAME,
        &config,
    );
    // 2 200 xp: level 9, 50 short of level 10.
    store
        .commit(CommitBatch {
            economy: EconomyWrites {
                credits: vec![Credit {
                    game: GAME.into(),
                    player: "ann".into(),
                    currency: progression::XP.into(),
                    amount: 2_200,
                    reason: "test".into(),
                    reference: "seed:ann".into(),
                    key: "seed:ann/xp".into(),
                }],
                ..EconomyWrites::default()
            },
            ..CommitBatch::default()
        })
        .await
        .expect("ann's xp");
    // Ann wins (100 xp from the standard rewards), bob comes second.
    let placings = json!([
        { "player": "ann", "place": 1, "score": 30, "kills": 0 },
        { "player": "bob", "place": 2, "score": 10, "kills": 0 },
    ]);
    let finished = OutboxEvent {
        id: new_event_id(),
        game: GAME.into(),
        topic: MATCH_EVENTS.into(),
        key: "m1".into(),
        event_type: "MatchFinished".into(),
        schema_version: 1,
        payload: json!({ "match_id": "m1", "placings": placings, "duration_ms": 60_000,
                         "component": "classic", "version": "1.0.0" })
        .to_string(),
        correlation_id: None,
        traceparent: None,
        created_at_ms: 1_000,
    };
    store
        .commit(CommitBatch {
            events: vec![finished],
            ..CommitBatch::default()
        })
        .await
        .expect("the match's end");
    let relay = Relay::new(store.clone(), bus.clone(), &config.bus);
    while relay.relay_once(1_000).await.expect("a relay round") > 0 {}
    let mut applied = 0;
    for _ in 0..20 {
        let round = rewards.run_once().await.expect("a rewards round");
        applied += round.applied;
        if round.read == 0 {
            break;
        }
    }
    assert_eq!(applied, 1, "the match is paid once");
    let ups = level_ups(store).await;
    assert_eq!(
        ups,
        [
            json!({ "player": "ann", "old_level": 9, "new_level": 10, "xp": 2_300 }),
            json!({ "player": "bob", "old_level": 1, "new_level": 2, "xp": 80 }),
        ],
        "ann reached level 10 (100 xp for a win), bob level 2 (80 xp for second)"
    );
}
