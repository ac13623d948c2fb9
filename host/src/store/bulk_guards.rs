//! A group's guards checked together: one statement per kind of guard for
//! the whole group instead of a few per batch.
//!
//! Most groups are many independent batches of the same shape (match
//! actions: a lease fence, an idempotency record, a stamp spend; consumed
//! events: a processed-event record). [`plan`] takes such a group when no
//! two of its batches guard the same key, none reserves a key or holds a
//! guarded economy operation, and none ties its idempotency record to a
//! reservation's attempt: then no batch's guard can see another's, so the
//! order they run in does not matter and each kind can run as one
//! statement (`bulk_guards_sql!`). Every guard counts the rows it took; if
//! all counts are whole, every batch is admitted; otherwise the statements
//! are rolled back to their savepoint and the group is checked batch by
//! batch as before (`sql.rs`), so a conflicting batch still fails alone
//! and with its own error. What this keeps: the results are those of the
//! batch-by-batch path (DESIGN.md, "components decide, the host commits").

use std::collections::HashSet;

use super::batch::CommitBatch;
use super::economy::ItemSpend;
use super::error::StoreError;
use super::idempotency::IdempotencyDone;
use super::lease::Lease;
use super::processed::ProcessedEvent;

/// The guards of a group that can run as one statement each.
#[derive(Debug, Default)]
pub(crate) struct BulkGuards<'a> {
    /// Distinct fences (batches of one writer share its lease).
    pub fences: Vec<&'a Lease>,
    pub processed: Vec<&'a ProcessedEvent>,
    pub done: Vec<&'a IdempotencyDone>,
    pub spends: Vec<&'a ItemSpend>,
}

/// The group's guards as bulk statements, or `None` if its batches must
/// be checked one by one (fewer than two, one that failed its own `checks`
/// (invalid, or of a broken chain), a reservation, a guarded operation, an
/// attempt's record, or a key guarded twice).
pub(crate) fn plan<'a>(
    batches: &'a [CommitBatch],
    checks: &[Result<(), StoreError>],
) -> Option<BulkGuards<'a>> {
    if batches.len() < 2 || checks.iter().any(Result::is_err) {
        return None;
    }
    let mut plan = BulkGuards::default();
    let mut fences = HashSet::new();
    let mut processed = HashSet::new();
    let mut done = HashSet::new();
    let mut spends = HashSet::new();
    for batch in batches {
        if batch.reserve.is_some() || !batch.ops.is_empty() {
            return None;
        }
        if let Some(lease) = &batch.fence
            && fences.insert((&lease.game, &lease.name, &lease.owner, lease.fence))
        {
            plan.fences.push(lease);
        }
        if let Some(p) = &batch.processed {
            if !processed.insert((&p.consumer_group, &p.event_id)) {
                return None;
            }
            plan.processed.push(p);
        }
        if let Some(i) = &batch.idempotency {
            if i.attempt.is_some() || !done.insert((&i.game, &i.scope, &i.key)) {
                return None;
            }
            plan.done.push(i);
        }
        if let Some(s) = &batch.spend {
            if !spends.insert((&s.game, &s.item_id)) {
                return None;
            }
            plan.spends.push(s);
        }
    }
    Some(plan)
}

/// The SQL of the bulk guards, compiled into each backend's `sql_impl` by
/// `super::sql::sql_backend!`. Each statement is the batch-by-batch one
/// (`sql.rs`'s `guards`, `economy.rs`'s `spend_item`) over a `VALUES` list.
macro_rules! bulk_guards_sql {
    ($Db:ty) => {
        /// Runs `plan`'s guards under a savepoint: `true` if every one held
        /// (their writes stay), `false` if one did not (none stays).
        async fn bulk_guards(
            tx: &mut Tx,
            plan: &$crate::store::bulk_guards::BulkGuards<'_>,
            now_ms: i64,
        ) -> Result<bool, sqlx::Error> {
            sqlx::query::<$Db>("SAVEPOINT bulk_guards").execute(&mut **tx).await?;
            let held = bulk_checks(tx, plan, now_ms).await?;
            if !held {
                sqlx::query::<$Db>("ROLLBACK TO SAVEPOINT bulk_guards")
                    .execute(&mut **tx)
                    .await?;
            }
            sqlx::query::<$Db>("RELEASE SAVEPOINT bulk_guards").execute(&mut **tx).await?;
            Ok(held)
        }

        /// `plan`'s statements in turn, up to the first whose row count is
        /// short.
        async fn bulk_checks(
            tx: &mut Tx,
            plan: &$crate::store::bulk_guards::BulkGuards<'_>,
            now_ms: i64,
        ) -> Result<bool, sqlx::Error> {
            for chunk in plan.fences.chunks(ROWS_PER_STATEMENT) {
                // A write, not a read: it locks the lease rows until commit.
                let mut q = sqlx::QueryBuilder::<$Db>::new(
                    "UPDATE leases SET fence = fence WHERE (game, name, owner, fence) IN (",
                );
                q.push_values(chunk, |mut row, l| {
                    row.push_bind(l.game.as_str())
                        .push_bind(l.name.as_str())
                        .push_bind(l.owner.as_str())
                        .push_bind(l.fence);
                });
                q.push(")");
                if !all_rows(q.build().persistent(false).execute(&mut **tx).await?, chunk.len()) {
                    return Ok(false);
                }
            }
            for chunk in plan.processed.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::<$Db>::new(
                    "INSERT INTO processed_events (consumer_group, event_id, game, processed_at_ms) ",
                );
                q.push_values(chunk, |mut row, p| {
                    row.push_bind(p.consumer_group.as_str())
                        .push_bind(p.event_id.as_str())
                        .push_bind(p.game.as_str())
                        .push_bind(p.processed_at_ms);
                });
                q.push(" ON CONFLICT (consumer_group, event_id) DO NOTHING");
                if !all_rows(q.build().persistent(false).execute(&mut **tx).await?, chunk.len()) {
                    return Ok(false);
                }
            }
            for chunk in plan.done.chunks(ROWS_PER_STATEMENT) {
                // Without an attempt a record is done only over a free or
                // expired key (`created_at_ms` is the caller's now).
                let mut q = sqlx::QueryBuilder::<$Db>::new(
                    "INSERT INTO idempotency (game, scope, key, request_hash, status, attempt, \
                                              response, created_at_ms, expires_at_ms) ",
                );
                q.push_values(chunk, |mut row, i| {
                    row.push_bind(i.game.as_str())
                        .push_bind(i.scope.as_str())
                        .push_bind(i.key.as_str())
                        .push_bind(i.request_hash.as_str())
                        .push_bind("done")
                        .push_bind(None::<&str>)
                        .push_bind(i.response.as_str())
                        .push_bind(i.now_ms)
                        .push_bind(i.expires_at_ms);
                });
                q.push(
                    " ON CONFLICT (game, scope, key) DO UPDATE SET \
                        request_hash = excluded.request_hash, status = 'done', attempt = NULL, \
                        response = excluded.response, expires_at_ms = excluded.expires_at_ms, \
                        created_at_ms = excluded.created_at_ms \
                     WHERE idempotency.expires_at_ms <= excluded.created_at_ms",
                );
                if !all_rows(q.build().persistent(false).execute(&mut **tx).await?, chunk.len()) {
                    return Ok(false);
                }
            }
            for chunk in plan.spends.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::<$Db>::new(
                    "UPDATE items SET state = 'spent', spent_ref = v.column5, updated_at_ms = ",
                );
                q.push_bind(now_ms);
                q.push(" FROM (");
                q.push_values(chunk, |mut row, s| {
                    row.push_bind(s.game.as_str())
                        .push_bind(s.item_id.as_str())
                        .push_bind(s.owner.as_str())
                        .push_bind(s.item_type.as_str())
                        .push_bind(s.reference.as_str());
                });
                q.push(
                    ") AS v WHERE items.game = v.column1 AND items.item_id = v.column2 \
                       AND items.owner = v.column3 AND items.item_type = v.column4 \
                       AND items.state = 'owned'",
                );
                if !all_rows(q.build().persistent(false).execute(&mut **tx).await?, chunk.len()) {
                    return Ok(false);
                }
            }
            Ok(true)
        }

        /// Whether a statement took a row for each of its `rows`.
        fn all_rows(done: <$Db as sqlx::Database>::QueryResult, rows: usize) -> bool {
            usize::try_from(done.rows_affected()).is_ok_and(|n| n == rows)
        }
    };
}
pub(crate) use bulk_guards_sql;

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(name: &str) -> Lease {
        Lease {
            game: "g".into(),
            name: name.into(),
            owner: "host".into(),
            fence: 1,
            expires_at_ms: 0,
        }
    }

    fn done(key: &str) -> IdempotencyDone {
        IdempotencyDone {
            game: "g".into(),
            scope: "p".into(),
            key: key.into(),
            request_hash: "h".into(),
            response: "{}".into(),
            attempt: None,
            now_ms: 1,
            expires_at_ms: 2,
        }
    }

    fn action(lease_name: &str, key: &str) -> CommitBatch {
        CommitBatch {
            fence: Some(lease(lease_name)),
            idempotency: Some(done(key)),
            ..CommitBatch::default()
        }
    }

    /// `plan` of `group`, each batch's own checks its validation.
    fn plan_of(group: &[CommitBatch]) -> Option<BulkGuards<'_>> {
        let checks: Vec<_> = group.iter().map(CommitBatch::validate).collect();
        plan(group, &checks)
    }

    #[test]
    fn independent_batches_share_statements_and_a_writer_its_fence() {
        let group = [action("m1", "a"), action("m1", "b"), action("m2", "c")];
        let plan = plan_of(&group).expect("a bulk plan");
        assert_eq!(plan.fences.len(), 2);
        assert_eq!(plan.done.len(), 3);
    }

    #[test]
    fn a_key_guarded_twice_or_a_lone_batch_goes_one_by_one() {
        assert!(plan_of(&[action("m1", "a"), action("m2", "a")]).is_none());
        assert!(plan_of(&[action("m1", "a")]).is_none());
    }

    #[test]
    fn an_attempts_record_or_an_invalid_batch_goes_one_by_one() {
        let mut attempt = action("m1", "b");
        attempt.idempotency.as_mut().unwrap().attempt = Some("t".into());
        assert!(plan_of(&[action("m1", "a"), attempt]).is_none());
        let invalid = action("m1", "");
        assert!(plan_of(&[action("m1", "a"), invalid]).is_none());
    }
}
