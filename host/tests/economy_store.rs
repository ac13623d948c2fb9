//! The economy's writes in a `CommitBatch`, on both backends: a stamp is
//! spent once however it is raced, a refused spend undoes its batch's other
//! guards, credits sum into balances equal to their ledger, a ledger key
//! pays once, and notices are numbered per player without gaps.

#[macro_use]
mod common;

use common::db::{postgres, sqlite};
use idempo_host::economy::items::{self, ItemState};
use idempo_host::economy::{notices, wallet};
use idempo_host::store::{
    Begun, CommitBatch, Credit, EconomyWrites, IdempotencyBegin, IdempotencyDone, ItemGrant,
    ItemSpend, Lease, Notice, ProcessedEvent, STAMP, Store, StoreError,
};

const GAME: &str = "default";

conformance!(
    a_stamp_raced_by_many_batches_is_spent_exactly_once,
    a_refused_spend_undoes_the_other_guards_of_its_batch,
    only_the_owners_unspent_stamp_can_be_spent,
    credits_sum_into_a_balance_equal_to_its_ledger,
    a_ledger_key_pays_once_and_its_batch_fails_alone,
    notices_are_numbered_per_player_without_gaps,
    a_group_of_independent_actions_commits_whole_and_a_conflict_among_them_fails_alone,
);

// ----------------------------------------------------------------- helpers

fn grant(item_id: &str, owner: &str, item_type: &str) -> ItemGrant {
    ItemGrant {
        game: GAME.into(),
        item_id: item_id.into(),
        owner: owner.into(),
        item_type: item_type.into(),
        source: "test".into(),
    }
}

fn spend(item_id: &str, owner: &str, reference: &str) -> ItemSpend {
    ItemSpend {
        game: GAME.into(),
        item_id: item_id.into(),
        owner: owner.into(),
        item_type: STAMP.into(),
        reference: reference.into(),
    }
}

fn credit(player: &str, currency: &str, amount: i64, key: &str) -> Credit {
    Credit {
        game: GAME.into(),
        player: player.into(),
        currency: currency.into(),
        amount,
        reason: "test".into(),
        reference: format!("ref/{key}"),
        key: key.into(),
    }
}

fn economy(economy: EconomyWrites) -> CommitBatch {
    CommitBatch {
        economy,
        ..CommitBatch::default()
    }
}

async fn give(store: &Store, grants: Vec<ItemGrant>) {
    store
        .commit(economy(EconomyWrites {
            grants,
            ..EconomyWrites::default()
        }))
        .await
        .expect("items are granted");
}

fn done(player: &str, key: &str) -> IdempotencyDone {
    IdempotencyDone {
        game: GAME.into(),
        scope: player.into(),
        key: key.into(),
        request_hash: "h".into(),
        response: "{}".into(),
        attempt: None,
        now_ms: 1_000,
        expires_at_ms: 1_000_000,
    }
}

// ----------------------------------------------------------------- stories

async fn a_stamp_raced_by_many_batches_is_spent_exactly_once(store: &Store) {
    give(store, vec![grant("s1", "ann", STAMP)]).await;
    let mut racers = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            let batch = CommitBatch {
                spend: Some(spend("s1", "ann", &format!("racer-{i}"))),
                idempotency: Some(done("ann", &format!("k{i}"))),
                ..CommitBatch::default()
            };
            (i, store.commit(batch).await)
        }));
    }
    let mut winners = Vec::new();
    for racer in racers {
        let (i, result) = racer.await.expect("joins");
        match result {
            Ok(_) => winners.push(i),
            Err(StoreError::ItemUnavailable { item_id, .. }) => assert_eq!(item_id, "s1"),
            Err(e) => panic!("racer {i} failed otherwise: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "one spend wins: {winners:?}");
    let item = items::get(store, GAME, "s1").await.unwrap().expect("kept");
    assert_eq!(item.state, ItemState::Spent);
    assert_eq!(
        item.spent_ref.as_deref(),
        Some(format!("racer-{}", winners[0]).as_str())
    );
    // The losers' idempotency records were undone with their spend.
    for i in (0..8).filter(|i| !winners.contains(i)) {
        let record = store
            .idempotency_get(GAME, "ann", &format!("k{i}"), 2_000)
            .await
            .expect("reads");
        assert!(record.is_none(), "racer {i} left its idempotency record");
    }
    let left = items::inventory(store, GAME, "ann", Some(STAMP), None, 10)
        .await
        .unwrap();
    assert!(left.is_empty(), "a spent stamp is not in the inventory");
}

async fn a_refused_spend_undoes_the_other_guards_of_its_batch(store: &Store) {
    give(store, vec![grant("s1", "ann", STAMP)]).await;
    store
        .commit(CommitBatch {
            spend: Some(spend("s1", "ann", "first")),
            ..CommitBatch::default()
        })
        .await
        .expect("the stamp is spent");
    let err = store
        .commit(CommitBatch {
            idempotency: Some(done("ann", "again")),
            processed: Some(ProcessedEvent {
                consumer_group: "g".into(),
                event_id: "e1".into(),
                game: GAME.into(),
                processed_at_ms: 1,
            }),
            spend: Some(spend("s1", "ann", "second")),
            economy: EconomyWrites {
                credits: vec![credit("ann", "gold", 5, "never")],
                ..EconomyWrites::default()
            },
            ..CommitBatch::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ItemUnavailable { .. }), "{err}");
    assert!(err.is_conflict());
    assert!(
        !store.is_processed("g", "e1").await.unwrap(),
        "processed record undone"
    );
    let begun = store
        .idempotency_begin(&IdempotencyBegin {
            game: GAME.into(),
            scope: "ann".into(),
            key: "again".into(),
            request_hash: "h".into(),
            now_ms: 2_000,
            in_flight_ttl_ms: 1_000,
        })
        .await
        .unwrap();
    assert!(
        matches!(begun, Begun::New { .. }),
        "the key is free: {begun:?}"
    );
    assert!(
        wallet::balances(store, GAME, "ann")
            .await
            .unwrap()
            .is_empty()
    );
    let item = items::get(store, GAME, "s1").await.unwrap().unwrap();
    assert_eq!(item.spent_ref.as_deref(), Some("first"));
}

async fn only_the_owners_unspent_stamp_can_be_spent(store: &Store) {
    give(
        store,
        vec![grant("s1", "ann", STAMP), grant("p1", "ann", "potion")],
    )
    .await;
    let refused = |spend: ItemSpend| async {
        store
            .commit(CommitBatch {
                spend: Some(spend),
                ..CommitBatch::default()
            })
            .await
            .unwrap_err()
    };
    for (why, attempt) in [
        ("another player's", spend("s1", "bob", "x")),
        ("unknown", spend("nope", "ann", "x")),
        ("not a stamp", spend("p1", "ann", "x")),
    ] {
        let err = refused(attempt).await;
        assert!(
            matches!(err, StoreError::ItemUnavailable { .. }),
            "{why}: {err}"
        );
    }
    let item = items::get(store, GAME, "s1").await.unwrap().unwrap();
    assert_eq!((item.owner.as_str(), item.state), ("ann", ItemState::Owned));
}

async fn credits_sum_into_a_balance_equal_to_its_ledger(store: &Store) {
    for (i, amount) in [100, 60, 40].into_iter().enumerate() {
        store
            .commit(economy(EconomyWrites {
                credits: vec![
                    credit("ann", "gold", amount, &format!("g{i}")),
                    credit("ann", "xp", 10, &format!("x{i}")),
                ],
                ..EconomyWrites::default()
            }))
            .await
            .expect("credited");
    }
    let balances = wallet::balances(store, GAME, "ann").await.unwrap();
    let gold = balances.iter().find(|b| b.currency == "gold").unwrap();
    assert_eq!((gold.available, gold.held, gold.version), (200, 0, 3));
    let ledger = wallet::ledger(store, GAME, "ann", "gold", None, 10)
        .await
        .unwrap();
    assert_eq!(ledger.iter().map(|e| e.amount).sum::<i64>(), gold.available);
    let versions: Vec<i64> = ledger.iter().map(|e| e.version).collect();
    assert_eq!(versions, [3, 2, 1], "newest first");
    assert_eq!(ledger[0].available_after, 200);
    let older = wallet::ledger(store, GAME, "ann", "gold", Some(3), 1)
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!((older[0].version, older[0].available_after), (2, 160));
    let zero = store
        .commit(economy(EconomyWrites {
            credits: vec![credit("ann", "gold", 0, "zero")],
            ..EconomyWrites::default()
        }))
        .await
        .unwrap_err();
    assert!(matches!(zero, StoreError::Invalid { .. }), "{zero}");
}

async fn a_ledger_key_pays_once_and_its_batch_fails_alone(store: &Store) {
    store
        .commit(economy(EconomyWrites {
            credits: vec![credit("ann", "gold", 100, "match:m1/ann/gold")],
            ..EconomyWrites::default()
        }))
        .await
        .expect("paid");
    // The same key again, in a group with an honest batch.
    let again = store.commit(economy(EconomyWrites {
        credits: vec![credit("ann", "gold", 100, "match:m1/ann/gold")],
        grants: vec![grant("i9", "ann", "potion")],
        ..EconomyWrites::default()
    }));
    let honest = store.commit(economy(EconomyWrites {
        credits: vec![credit("bob", "gold", 7, "match:m1/bob/gold")],
        ..EconomyWrites::default()
    }));
    let (again, honest) = tokio::join!(again, honest);
    assert!(again.is_err(), "a second payment under one key fails");
    honest.expect("the other batch commits");
    let ann = wallet::balances(store, GAME, "ann").await.unwrap();
    assert_eq!(ann[0].available, 100, "paid once");
    assert!(
        items::get(store, GAME, "i9").await.unwrap().is_none(),
        "nothing of it"
    );
    let bob = wallet::balances(store, GAME, "bob").await.unwrap();
    assert_eq!(bob[0].available, 7);
}

async fn notices_are_numbered_per_player_without_gaps(store: &Store) {
    let mut commits = Vec::new();
    for i in 0..12 {
        let store = store.clone();
        let player = if i % 3 == 0 { "bob" } else { "ann" };
        commits.push(tokio::spawn(async move {
            store
                .commit(economy(EconomyWrites {
                    notices: vec![Notice {
                        game: GAME.into(),
                        player: player.into(),
                        kind: "rewards".into(),
                        body: format!(r#"{{"i":{i}}}"#),
                    }],
                    ..EconomyWrites::default()
                }))
                .await
        }));
    }
    for c in commits {
        c.await.expect("joins").expect("a notice commits");
    }
    let ann = notices::since(store, GAME, "ann", 0, 100).await.unwrap();
    let seqs: Vec<i64> = ann.iter().map(|n| n.seq).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    let bob = notices::since(store, GAME, "bob", 2, 100).await.unwrap();
    assert_eq!(bob.iter().map(|n| n.seq).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(bob[0].kind, "rewards");
    assert!(bob[0].body["i"].is_number());
}

/// A match action's batch: under `lease`, `player` spends `stamp` once for
/// request `key`, as the consumer of event `event`, and is paid one coin.
fn action(lease: &Lease, player: &str, stamp: &str, key: &str, event: &str) -> CommitBatch {
    CommitBatch {
        fence: Some(lease.clone()),
        idempotency: Some(done(player, key)),
        processed: Some(ProcessedEvent {
            consumer_group: "actions".into(),
            event_id: event.into(),
            game: GAME.into(),
            processed_at_ms: 1_000,
        }),
        spend: Some(spend(stamp, player, key)),
        economy: EconomyWrites {
            credits: vec![credit(player, "coin", 1, &format!("{player}/{key}"))],
            ..EconomyWrites::default()
        },
        ..CommitBatch::default()
    }
}

async fn a_group_of_independent_actions_commits_whole_and_a_conflict_among_them_fails_alone(
    store: &Store,
) {
    let mut leases = Vec::new();
    for name in ["match/m1", "match/m2"] {
        let lease = store
            .lease_acquire(GAME, name, "host-a", 1_000, 60_000)
            .await
            .expect("acquire")
            .acquired()
            .expect("free");
        leases.push(lease);
    }
    let players: Vec<String> = (0..6).map(|i| format!("p{i}")).collect();
    let stamps: Vec<ItemGrant> = players
        .iter()
        .flat_map(|p| {
            [
                grant(&format!("{p}-a"), p, STAMP),
                grant(&format!("{p}-b"), p, STAMP),
            ]
        })
        .collect();
    give(store, stamps).await;

    // Six players of two matches act in one group: every guard holds.
    let group: Vec<CommitBatch> = players
        .iter()
        .enumerate()
        .map(|(i, p)| {
            action(
                &leases[i % 2],
                p,
                &format!("{p}-a"),
                "k1",
                &format!("e-{p}-1"),
            )
        })
        .collect();
    let results = store.commit_group(&group).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    for p in &players {
        let item = items::get(store, GAME, &format!("{p}-a"))
            .await
            .unwrap()
            .expect("kept");
        assert_eq!(item.state, ItemState::Spent);
        assert_eq!(item.spent_ref.as_deref(), Some("k1"));
        assert!(
            store
                .is_processed("actions", &format!("e-{p}-1"))
                .await
                .unwrap()
        );
        assert_eq!(
            wallet::balance(store, GAME, p, "coin")
                .await
                .unwrap()
                .available,
            1
        );
    }

    // In the next group one spends a spent stamp, one writes under a fence
    // that is not the lease's, one replays a request and one an event: each
    // fails alone with its own error and leaves nothing; the others commit.
    let stale = Lease {
        fence: leases[1].fence + 1,
        ..leases[1].clone()
    };
    let group = vec![
        action(&leases[0], "p0", "p0-b", "k2", "e-p0-2"),
        action(&leases[1], "p1", "p1-a", "k2", "e-p1-2"),
        action(&leases[0], "p2", "p2-b", "k2", "e-p2-2"),
        action(&stale, "p3", "p3-b", "k2", "e-p3-2"),
        action(&leases[0], "p4", "p4-b", "k1", "e-p4-2"),
        action(&leases[1], "p5", "p5-b", "k2", "e-p5-1"),
    ];
    let results = store.commit_group(&group).await;
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(
        matches!(&results[1], Err(StoreError::ItemUnavailable { item_id, .. }) if item_id == "p1-a"),
        "{results:?}"
    );
    assert!(
        matches!(results[3], Err(StoreError::LeaseLost { .. })),
        "{results:?}"
    );
    assert!(
        matches!(results[4], Err(StoreError::IdempotencyConflict { .. })),
        "{results:?}"
    );
    assert!(
        matches!(results[5], Err(StoreError::AlreadyProcessed { .. })),
        "{results:?}"
    );
    for (p, coins) in [
        ("p0", 2),
        ("p1", 1),
        ("p2", 2),
        ("p3", 1),
        ("p4", 1),
        ("p5", 1),
    ] {
        assert_eq!(
            wallet::balance(store, GAME, p, "coin")
                .await
                .unwrap()
                .available,
            coins,
            "{p}'s coins"
        );
        let second = items::get(store, GAME, &format!("{p}-b"))
            .await
            .unwrap()
            .expect("kept");
        let spent = coins == 2;
        assert_eq!(
            second.state == ItemState::Spent,
            spent,
            "{p}'s second stamp"
        );
        assert_eq!(
            store
                .is_processed("actions", &format!("e-{p}-2"))
                .await
                .unwrap(),
            spent,
            "{p}'s second event"
        );
    }
    for p in ["p1", "p3", "p5"] {
        let record = store.idempotency_get(GAME, p, "k2", 2_000).await.unwrap();
        assert!(record.is_none(), "{p}'s refused request left its record");
    }
}
