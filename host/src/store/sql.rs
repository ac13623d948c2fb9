//! The SQL of every [`Backend`](super::Backend) operation, written once.
//!
//! SQLite and PostgreSQL accept the same text for all of it: `$N`
//! placeholders, `ON CONFLICT ... DO UPDATE ... WHERE`, `RETURNING`, row
//! values. What differs (opening, pragmas, how a write transaction begins,
//! the migrations) lives in `sqlite.rs` and `postgres.rs`. sqlx code generic
//! over the database needs a bound per bound type per function, so
//! [`sql_backend!`] instead compiles this one text for each backend's
//! concrete types.
//!
//! The macro expands to a module `sql_impl` beside the backend type, which
//! has a `pool: sqlx::Pool<Db>` field, an `fn writer(&self) -> &sqlx::Pool<Db>`
//! that every write holding the gate runs on,
//! an `async fn begin_write(&self) -> Result<Transaction<'static, Db>,
//! sqlx::Error>`, an `async fn gate(&self) -> Option<WriteGate>` that
//! every write here holds (`Backend::write_gate`), and a `log:
//! InCommitSlot` field, the log registered to take group commits' events
//! (`in_commit.rs`).
//!
//! Group commit, in one transaction: first each batch's guards in order
//! (lease fence, processed event, idempotency record, item spend, guarded
//! economy operations of `economy_ops.rs`), each one statement whose row
//! count says "conflict" without an error; a batch whose guard conflicts is
//! left out, and when it has several writing guards they ran under a
//! savepoint, rolled back. An admitted batch's economy writes
//! (`economy.rs`) follow its guards at once, so later batches see them.
//! When the group's batches are independent, its guards run first as one
//! statement per kind (`bulk_guards.rs`), and batch by batch only if one of
//! them conflicts. A batch whose chain broke before it (in an earlier group
//! or earlier in this one) is not tried; the group's failed batches break
//! their chains once its results stand (`chain.rs`).
//! Then the key-value writes of all admitted batches (folded per key, the
//! later batch winning), their events (into the outbox; with a log
//! registered, also appended to it, their rows written sent), log entries
//! and leaderboard rows, a
//! few multi-row statements for the whole group; then one commit. If a
//! statement fails outright (data a database refuses), the transaction is
//! rolled back and each batch is committed alone, so the bad one fails
//! alone.

/// Rows per multi-row statement: under SQLite's 32766 and PostgreSQL's
/// 65535 bind parameters for the widest row (13 columns, the event log's).
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// The smallest string greater than every string that starts with
/// `prefix`, in byte order; `None` if there is none (empty prefix, or one
/// of only `char::MAX`). UTF-8 byte order is code point order, so this is
/// the prefix with its last char stepped up (dropping trailing `char::MAX`).
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Why a group transaction did not commit.
pub(crate) enum GroupFailure {
    /// A statement failed: one batch's data may be the cause.
    Statement(sqlx::Error),
    /// Beginning or committing failed: no batch is to blame.
    Transaction(sqlx::Error),
}

impl GroupFailure {
    pub(crate) fn into_error(self) -> sqlx::Error {
        match self {
            Self::Statement(e) | Self::Transaction(e) => e,
        }
    }
}

macro_rules! sql_backend {
    ($Backend:ident, $Db:ty, $kind:expr, $migrator:path, $append:ident) => {
        /// [`Backend`] for this module's backend, from `store/sql.rs`.
        mod sql_impl {
            use super::*;
            use sqlx::Row as _;
            use $crate::runtime::KvScope;
            use $crate::store::backend::{Backend, BackendKind};
            use $crate::store::batch::CommitBatch;
            use $crate::store::error::StoreError;
            use $crate::store::idempotency::{
                Begun, IdempotencyBegin, IdempotencyRecord, IdempotencyStatus,
            };
            use $crate::store::lease::{Lease, LeaseAcquire};
            use $crate::store::outbox::{OutboxEvent, OutboxRow};
            use $crate::store::sql::{GroupFailure, ROWS_PER_STATEMENT, prefix_end};

            type Tx = sqlx::Transaction<'static, $Db>;
            type DbRow = <$Db as sqlx::Database>::Row;

            #[async_trait::async_trait]
            impl Backend for $Backend {
                fn kind(&self) -> BackendKind {
                    $kind
                }

                fn append_in_commits(
                    &self,
                    log: std::sync::Arc<dyn $crate::store::InCommitLog>,
                ) -> bool {
                    self.log.set(log).is_ok()
                }

                fn pool_ref(&self) -> Option<$crate::store::backend::PoolRef<'_>> {
                    Some((&self.pool).into())
                }

                fn write_pool_ref(&self) -> Option<$crate::store::backend::PoolRef<'_>> {
                    Some(self.writer().into())
                }

                async fn write_gate(&self) -> Option<$crate::store::backend::WriteGate> {
                    self.gate().await
                }

                async fn migrate(&self) -> Result<(), StoreError> {
                    $migrator().run(&self.pool).await?;
                    Ok(())
                }

                async fn kv_get(
                    &self,
                    scope: &KvScope,
                    key: &str,
                ) -> Result<Option<Vec<u8>>, StoreError> {
                    let row = sqlx::query::<$Db>(
                        "SELECT value FROM kv WHERE game = $1 AND component = $2 AND key = $3",
                    )
                    .bind(&scope.game)
                    .bind(&scope.component)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
                }

                async fn kv_scan(
                    &self,
                    scope: &KvScope,
                    prefix: &str,
                    after: Option<&str>,
                    limit: u32,
                ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
                    let rows = sqlx::query::<$Db>(
                        "SELECT key, value FROM kv \
                         WHERE game = $1 AND component = $2 AND key >= $3 \
                           AND ($4 IS NULL OR key < $4) AND ($5 IS NULL OR key > $5) \
                         ORDER BY key LIMIT $6",
                    )
                    .bind(&scope.game)
                    .bind(&scope.component)
                    .bind(prefix)
                    .bind(prefix_end(prefix))
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
                        .collect()
                }

                async fn commit_group(
                    &self,
                    batches: &[CommitBatch],
                ) -> Vec<Result<(), StoreError>> {
                    use $crate::store::chain::settle;
                    let results = match self.try_group(batches).await {
                        Ok(results) => results,
                        Err(GroupFailure::Statement(e)) if batches.len() > 1 => {
                            tracing::warn!(error = %e, batches = batches.len(),
                                "a group commit failed; committing its batches one by one");
                            let mut results = Vec::with_capacity(batches.len());
                            for batch in batches {
                                let alone = std::slice::from_ref(batch);
                                let result = match self.try_group(alone).await {
                                    Ok(mut r) => r.pop().unwrap_or(Ok(())),
                                    Err(failure) => Err(failure.into_error().into()),
                                };
                                settle(batch.chain.as_ref(), &result);
                                results.push(result);
                            }
                            results
                        }
                        Err(failure) => {
                            let e = StoreError::from(failure.into_error());
                            vec![Err(e); batches.len()]
                        }
                    };
                    for (batch, result) in batches.iter().zip(&results) {
                        settle(batch.chain.as_ref(), result);
                    }
                    results
                }

                async fn outbox_unsent(&self, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
                    let rows = sqlx::query::<$Db>(
                        "SELECT seq, id, game, topic, key, event_type, schema_version, payload, \
                                correlation_id, traceparent, created_at_ms \
                         FROM outbox WHERE sent_at_ms IS NULL ORDER BY seq LIMIT $1",
                    )
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.iter().map(outbox_row).collect::<Result<_, sqlx::Error>>()?)
                }

                async fn outbox_mark_sent(
                    &self,
                    ids: &[String],
                    sent_at_ms: i64,
                ) -> Result<u64, StoreError> {
                    let _gate = self.gate().await;
                    let mut marked = 0;
                    let mut tx = self.begin_write().await?;
                    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                        let mut q =
                            $crate::store::outbox::mark_sent_statement::<$Db>(chunk, sent_at_ms);
                        let done = q.build().persistent(false).execute(&mut *tx).await?;
                        marked += done.rows_affected();
                    }
                    tx.commit().await?;
                    Ok(marked)
                }

                async fn outbox_purge_sent(
                    &self,
                    sent_before_ms: i64,
                    limit: u32,
                ) -> Result<u64, StoreError> {
                    let _gate = self.gate().await;
                    let done = sqlx::query::<$Db>(
                        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox \
                         WHERE sent_at_ms IS NOT NULL AND sent_at_ms < $1 ORDER BY sent_at_ms LIMIT $2)",
                    )
                    .bind(sent_before_ms)
                    .bind(i64::from(limit))
                    .execute(self.writer())
                    .await?;
                    Ok(done.rows_affected())
                }

                async fn idempotency_begin(
                    &self,
                    begin: &IdempotencyBegin,
                ) -> Result<Begun, StoreError> {
                    let _gate = self.gate().await;
                    $crate::store::batch::name("idempotency game", &begin.game)?;
                    $crate::store::batch::name("idempotency scope", &begin.scope)?;
                    $crate::store::batch::name("idempotency key", &begin.key)?;
                    $crate::store::batch::text("idempotency request hash", &begin.request_hash)?;
                    // Twice at most: the live record found after a refused insert
                    // may expire (or be purged) before it is read.
                    for _ in 0..2 {
                        let attempt = $crate::store::outbox::new_event_id();
                        let reserved = reserve_key(self.writer(), begin, &attempt).await?;
                        if reserved == 1 {
                            return Ok(Begun::New { attempt });
                        }
                        if let Some(record) = self
                            .idempotency_get(&begin.game, &begin.scope, &begin.key, begin.now_ms)
                            .await?
                        {
                            return Ok(record.answer(&begin.request_hash));
                        }
                    }
                    Ok(Begun::InFlight)
                }

                async fn idempotency_get(
                    &self,
                    game: &str,
                    scope: &str,
                    key: &str,
                    now_ms: i64,
                ) -> Result<Option<IdempotencyRecord>, StoreError> {
                    let row = sqlx::query::<$Db>(
                        "SELECT game, scope, key, request_hash, status, response, created_at_ms, \
                                expires_at_ms \
                         FROM idempotency \
                         WHERE game = $1 AND scope = $2 AND key = $3 AND expires_at_ms > $4",
                    )
                    .bind(game)
                    .bind(scope)
                    .bind(key)
                    .bind(now_ms)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.as_ref().map(idempotency_row).transpose()?)
                }

                async fn idempotency_release(
                    &self,
                    game: &str,
                    scope: &str,
                    key: &str,
                    attempt: &str,
                ) -> Result<bool, StoreError> {
                    let _gate = self.gate().await;
                    let done = sqlx::query::<$Db>(
                        "DELETE FROM idempotency WHERE game = $1 AND scope = $2 AND key = $3 \
                         AND attempt = $4 AND status = 'in_flight'",
                    )
                    .bind(game)
                    .bind(scope)
                    .bind(key)
                    .bind(attempt)
                    .execute(self.writer())
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn idempotency_purge_expired(
                    &self,
                    now_ms: i64,
                    limit: u32,
                ) -> Result<u64, StoreError> {
                    let _gate = self.gate().await;
                    let done = sqlx::query::<$Db>(
                        "DELETE FROM idempotency WHERE (game, scope, key) IN \
                         (SELECT game, scope, key FROM idempotency WHERE expires_at_ms <= $1 LIMIT $2)",
                    )
                    .bind(now_ms)
                    .bind(i64::from(limit))
                    .execute(self.writer())
                    .await?;
                    Ok(done.rows_affected())
                }

                async fn is_processed(
                    &self,
                    consumer_group: &str,
                    event_id: &str,
                ) -> Result<bool, StoreError> {
                    let row = sqlx::query::<$Db>(
                        "SELECT 1 FROM processed_events WHERE consumer_group = $1 AND event_id = $2",
                    )
                    .bind(consumer_group)
                    .bind(event_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.is_some())
                }

                async fn processed_purge(
                    &self,
                    before_ms: i64,
                    limit: u32,
                ) -> Result<u64, StoreError> {
                    let _gate = self.gate().await;
                    let done = sqlx::query::<$Db>(
                        "DELETE FROM processed_events WHERE (consumer_group, event_id) IN \
                         (SELECT consumer_group, event_id FROM processed_events \
                          WHERE processed_at_ms < $1 LIMIT $2)",
                    )
                    .bind(before_ms)
                    .bind(i64::from(limit))
                    .execute(self.writer())
                    .await?;
                    Ok(done.rows_affected())
                }

                async fn lease_acquire(
                    &self,
                    game: &str,
                    name: &str,
                    owner: &str,
                    now_ms: i64,
                    ttl_ms: i64,
                ) -> Result<LeaseAcquire, StoreError> {
                    let _gate = self.gate().await;
                    $crate::store::batch::name("lease game", game)?;
                    $crate::store::batch::name("lease name", name)?;
                    $crate::store::batch::name("lease owner", owner)?;
                    // The owner's live lease is extended in its tenure; any
                    // other take (free, expired, released) starts a new one.
                    let row = sqlx::query::<$Db>(
                        "INSERT INTO leases (game, name, owner, fence, expires_at_ms) \
                         VALUES ($1, $2, $3, 1, $4) \
                         ON CONFLICT (game, name) DO UPDATE SET \
                            fence = CASE WHEN leases.owner = excluded.owner \
                                          AND leases.expires_at_ms > $5 \
                                         THEN leases.fence ELSE leases.fence + 1 END, \
                            owner = excluded.owner, \
                            expires_at_ms = excluded.expires_at_ms \
                         WHERE leases.owner = excluded.owner OR leases.expires_at_ms <= $5 \
                         RETURNING game, name, owner, fence, expires_at_ms",
                    )
                    .bind(game)
                    .bind(name)
                    .bind(owner)
                    .bind(now_ms.saturating_add(ttl_ms))
                    .bind(now_ms)
                    .fetch_optional(self.writer())
                    .await?;
                    if let Some(row) = row {
                        return Ok(LeaseAcquire::Acquired(lease_row(&row)?));
                    }
                    match self.lease_get(game, name).await? {
                        Some(holder) => Ok(LeaseAcquire::Held(holder)),
                        None => Err(sqlx::Error::RowNotFound.into()),
                    }
                }

                async fn lease_renew(
                    &self,
                    lease: &Lease,
                    now_ms: i64,
                    ttl_ms: i64,
                ) -> Result<Option<Lease>, StoreError> {
                    let _gate = self.gate().await;
                    let row = sqlx::query::<$Db>(
                        "UPDATE leases SET expires_at_ms = $5 \
                         WHERE game = $1 AND name = $2 AND owner = $3 AND fence = $4 \
                         RETURNING game, name, owner, fence, expires_at_ms",
                    )
                    .bind(&lease.game)
                    .bind(&lease.name)
                    .bind(&lease.owner)
                    .bind(lease.fence)
                    .bind(now_ms.saturating_add(ttl_ms))
                    .fetch_optional(self.writer())
                    .await?;
                    Ok(row.as_ref().map(lease_row).transpose()?)
                }

                async fn lease_release(&self, lease: &Lease) -> Result<bool, StoreError> {
                    let _gate = self.gate().await;
                    // Expire it rather than delete it: the fence must keep growing.
                    let done = sqlx::query::<$Db>(
                        "UPDATE leases SET expires_at_ms = 0 \
                         WHERE game = $1 AND name = $2 AND owner = $3 AND fence = $4",
                    )
                    .bind(&lease.game)
                    .bind(&lease.name)
                    .bind(&lease.owner)
                    .bind(lease.fence)
                    .execute(self.writer())
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn lease_get(
                    &self,
                    game: &str,
                    name: &str,
                ) -> Result<Option<Lease>, StoreError> {
                    let row = sqlx::query::<$Db>(
                        "SELECT game, name, owner, fence, expires_at_ms FROM leases \
                         WHERE game = $1 AND name = $2",
                    )
                    .bind(game)
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.as_ref().map(lease_row).transpose()?)
                }

                async fn lease_list(
                    &self,
                    game: &str,
                    prefix: &str,
                    limit: u32,
                ) -> Result<Vec<Lease>, StoreError> {
                    // Equality of a prefix, not a range: `name` collates by
                    // the database's locale on PostgreSQL, where a range
                    // would not bound a prefix.
                    let rows = sqlx::query::<$Db>(
                        "SELECT game, name, owner, fence, expires_at_ms FROM leases \
                         WHERE game = $1 AND substr(name, 1, length($2)) = $2 \
                         ORDER BY name LIMIT $3",
                    )
                    .bind(game)
                    .bind(prefix)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.iter().map(lease_row).collect::<Result<_, _>>()?)
                }

                async fn close(&self) {
                    self.pool.close().await;
                    self.writer().close().await;
                }
            }

            impl $Backend {
                /// One transaction for `batches`: per-batch results, or why
                /// nothing was committed.
                async fn try_group(
                    &self,
                    batches: &[CommitBatch],
                ) -> Result<Vec<Result<(), StoreError>>, GroupFailure> {
                    let _gate = self.gate().await;
                    let mut tx = self.begin_write().await.map_err(GroupFailure::Transaction)?;
                    let now_ms = $crate::store::now_ms();
                    // Each batch's own checks, once: valid, and of no chain
                    // broken in an earlier group.
                    let checks: Vec<Result<(), StoreError>> = batches
                        .iter()
                        .map(|b| $crate::store::chain::intact(b.chain.as_ref()).and_then(|()| b.validate()))
                        .collect();
                    let bulk = match $crate::store::bulk_guards::plan(batches, &checks) {
                        Some(plan) => bulk_guards(&mut tx, &plan, now_ms)
                            .await
                            .map_err(GroupFailure::Statement)?,
                        None => false,
                    };
                    let results = if bulk {
                        // No batch's guard reads another's writes, so their
                        // economy writes may all follow every guard.
                        let all: Vec<&CommitBatch> = batches.iter().collect();
                        write_economy(&mut tx, &all, now_ms)
                            .await
                            .map_err(GroupFailure::Statement)?;
                        vec![Ok(()); batches.len()]
                    } else {
                        one_by_one(&mut tx, batches, checks, now_ms)
                            .await
                            .map_err(GroupFailure::Statement)?
                    };
                    let admitted: Vec<&CommitBatch> = batches
                        .iter()
                        .zip(&results)
                        .filter(|(_, r)| r.is_ok())
                        .map(|(b, _)| b)
                        .collect();
                    write_kv(&mut tx, &admitted).await.map_err(GroupFailure::Statement)?;
                    write_notices(&mut tx, &admitted, now_ms)
                        .await
                        .map_err(GroupFailure::Statement)?;
                    let events: Vec<&OutboxEvent> = admitted.iter().flat_map(|b| &b.events).collect();
                    let appended = write_events(&mut tx, self.log.get(), &events, now_ms)
                        .await
                        .map_err(GroupFailure::Statement)?;
                    write_match_actions(&mut tx, &admitted)
                        .await
                        .map_err(GroupFailure::Statement)?;
                    write_leaderboard(&mut tx, &admitted)
                        .await
                        .map_err(GroupFailure::Statement)?;
                    tx.commit().await.map_err(GroupFailure::Transaction)?;
                    if let Some(log) = appended {
                        log.committed(&events);
                    }
                    Ok(results)
                }
            }

            /// Each batch's guards, then its economy writes, in order: the
            /// next batch's guards see them. A batch that failed its own
            /// `checks` is not tried. A batch's `Err` is its conflict.
            async fn one_by_one(
                tx: &mut Tx,
                batches: &[CommitBatch],
                checks: Vec<Result<(), StoreError>>,
                now_ms: i64,
            ) -> Result<Vec<Result<(), StoreError>>, sqlx::Error> {
                // The chains broken in this group: they break for good only
                // once its results stand (`commit_group`).
                let mut broken: Vec<&$crate::store::Chain> = Vec::new();
                let mut results = Vec::with_capacity(batches.len());
                for (batch, checked) in batches.iter().zip(checks) {
                    let chain = batch.chain.as_ref();
                    let admitted = match checked {
                        Ok(()) if chain.is_some_and(|c| broken.contains(&c)) => {
                            Err(StoreError::ChainBroken)
                        }
                        Ok(()) => guard(tx, batch, now_ms).await?,
                        Err(refused) => Err(refused),
                    };
                    if let (Err(_), Some(chain)) = (&admitted, chain) {
                        broken.push(chain);
                    }
                    if admitted.is_ok() {
                        write_economy(tx, &[batch], now_ms).await?;
                    }
                    results.push(admitted);
                }
                Ok(results)
            }

            /// Checks and records a batch's guards. `Ok(Err(_))` is a conflict
            /// (nothing of the batch is left written); `Err(_)` a failed statement.
            async fn guard(
                tx: &mut Tx,
                batch: &CommitBatch,
                now_ms: i64,
            ) -> Result<Result<(), StoreError>, sqlx::Error> {
                // With two writing guards or more, a later conflict must undo
                // the earlier ones: they run under a savepoint.
                let undoable = batch.writing_guards() > 1;
                if undoable {
                    sqlx::query::<$Db>("SAVEPOINT batch_guards").execute(&mut **tx).await?;
                }
                let checked = guards(tx, batch, now_ms).await?;
                if undoable {
                    if checked.is_err() {
                        sqlx::query::<$Db>("ROLLBACK TO SAVEPOINT batch_guards")
                            .execute(&mut **tx)
                            .await?;
                    }
                    sqlx::query::<$Db>("RELEASE SAVEPOINT batch_guards").execute(&mut **tx).await?;
                }
                Ok(checked)
            }

            /// The guards of `guard`, in order, up to the first conflict.
            async fn guards(
                tx: &mut Tx,
                batch: &CommitBatch,
                now_ms: i64,
            ) -> Result<Result<(), StoreError>, sqlx::Error> {
                if let Some(lease) = &batch.fence {
                    // A write, not a read: it locks the lease row until commit,
                    // so no new tenure can begin between this check and commit.
                    let held = sqlx::query::<$Db>(
                        "UPDATE leases SET fence = fence \
                         WHERE game = $1 AND name = $2 AND owner = $3 AND fence = $4",
                    )
                    .bind(&lease.game)
                    .bind(&lease.name)
                    .bind(&lease.owner)
                    .bind(lease.fence)
                    .execute(&mut **tx)
                    .await?;
                    if held.rows_affected() == 0 {
                        return Ok(Err(StoreError::LeaseLost {
                            game: lease.game.clone(),
                            name: lease.name.clone(),
                            owner: lease.owner.clone(),
                            fence: lease.fence,
                        }));
                    }
                }
                if let Some(p) = &batch.processed {
                    let recorded = sqlx::query::<$Db>(
                        "INSERT INTO processed_events (consumer_group, event_id, game, processed_at_ms) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (consumer_group, event_id) DO NOTHING",
                    )
                    .bind(&p.consumer_group)
                    .bind(&p.event_id)
                    .bind(&p.game)
                    .bind(p.processed_at_ms)
                    .execute(&mut **tx)
                    .await?;
                    if recorded.rows_affected() == 0 {
                        return Ok(Err(StoreError::AlreadyProcessed {
                            consumer_group: p.consumer_group.clone(),
                            event_id: p.event_id.clone(),
                        }));
                    }
                }
                if let Some(r) = &batch.reserve {
                    if reserve_key(&mut **tx, &r.begin, &r.attempt).await? == 0 {
                        return Ok(Err(StoreError::IdempotencyConflict {
                            game: r.begin.game.clone(),
                            scope: r.begin.scope.clone(),
                            key: r.begin.key.clone(),
                        }));
                    }
                }
                if let Some(i) = &batch.idempotency {
                    // Done if the key is free or expired, or reserved by this
                    // attempt for this request.
                    let recorded = sqlx::query::<$Db>(
                        "INSERT INTO idempotency (game, scope, key, request_hash, status, attempt, \
                                                  response, created_at_ms, expires_at_ms) \
                         VALUES ($1, $2, $3, $4, 'done', NULL, $5, $6, $7) \
                         ON CONFLICT (game, scope, key) DO UPDATE SET \
                            request_hash = excluded.request_hash, status = 'done', attempt = NULL, \
                            response = excluded.response, expires_at_ms = excluded.expires_at_ms, \
                            created_at_ms = CASE WHEN idempotency.expires_at_ms <= $6 \
                                                 THEN excluded.created_at_ms \
                                                 ELSE idempotency.created_at_ms END \
                         WHERE (idempotency.status = 'in_flight' AND idempotency.attempt = $8 \
                                AND idempotency.request_hash = excluded.request_hash) \
                            OR idempotency.expires_at_ms <= $6",
                    )
                    .bind(&i.game)
                    .bind(&i.scope)
                    .bind(&i.key)
                    .bind(&i.request_hash)
                    .bind(&i.response)
                    .bind(i.now_ms)
                    .bind(i.expires_at_ms)
                    .bind(i.attempt.as_deref())
                    .execute(&mut **tx)
                    .await?;
                    if recorded.rows_affected() == 0 {
                        return Ok(Err(StoreError::IdempotencyConflict {
                            game: i.game.clone(),
                            scope: i.scope.clone(),
                            key: i.key.clone(),
                        }));
                    }
                }
                if let Some(spend) = &batch.spend {
                    if let Err(conflict) = spend_item(tx, spend, now_ms).await? {
                        return Ok(Err(conflict));
                    }
                }
                apply_ops(tx, &batch.ops, now_ms).await
            }

            /// Reserves `begin`'s key for `attempt` if it is free or expired:
            /// the rows it wrote (0 when a live record holds the key).
            async fn reserve_key<'e, E: sqlx::Executor<'e, Database = $Db>>(
                exec: E,
                begin: &IdempotencyBegin,
                attempt: &str,
            ) -> Result<u64, sqlx::Error> {
                let expires_at_ms = begin.now_ms.saturating_add(begin.in_flight_ttl_ms);
                let reserved = sqlx::query::<$Db>(
                    "INSERT INTO idempotency (game, scope, key, request_hash, status, attempt, \
                                              response, created_at_ms, expires_at_ms) \
                     VALUES ($1, $2, $3, $4, 'in_flight', $5, NULL, $6, $7) \
                     ON CONFLICT (game, scope, key) DO UPDATE SET \
                        request_hash = excluded.request_hash, status = 'in_flight', \
                        attempt = excluded.attempt, response = NULL, \
                        created_at_ms = excluded.created_at_ms, \
                        expires_at_ms = excluded.expires_at_ms \
                     WHERE idempotency.expires_at_ms <= $6",
                )
                .bind(&begin.game)
                .bind(&begin.scope)
                .bind(&begin.key)
                .bind(&begin.request_hash)
                .bind(attempt)
                .bind(begin.now_ms)
                .bind(expires_at_ms)
                .execute(exec)
                .await?;
                Ok(reserved.rows_affected())
            }

            $crate::store::bulk_guards::bulk_guards_sql!($Db);
            $crate::store::economy::economy_sql!($Db);
            $crate::store::economy_ops::economy_ops_sql!($Db);
            $crate::store::level_watch::level_watch_sql!($Db);
            $crate::store::tournament_ops::tournament_ops_sql!($Db);

            /// The key-value writes of `batches`, folded so each key is written
            /// once with its last value.
            async fn write_kv(tx: &mut Tx, batches: &[&CommitBatch]) -> Result<(), sqlx::Error> {
                let mut last = std::collections::BTreeMap::new();
                for w in batches.iter().flat_map(|b| &b.kv) {
                    last.insert((&w.scope.game, &w.scope.component, &w.key), w.value.as_deref());
                }
                let (sets, deletes): (Vec<_>, Vec<_>) =
                    last.into_iter().partition(|(_, v)| v.is_some());
                for chunk in sets.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$Db>::new(
                        "INSERT INTO kv (game, component, key, value) ",
                    );
                    q.push_values(chunk, |mut row, ((game, component, key), value)| {
                        row.push_bind(game.as_str())
                            .push_bind(component.as_str())
                            .push_bind(key.as_str())
                            .push_bind(value.unwrap_or_default());
                    });
                    q.push(
                        " ON CONFLICT (game, component, key) DO UPDATE SET value = excluded.value",
                    );
                    q.build().persistent(false).execute(&mut **tx).await?;
                }
                for ((game, component, key), _) in deletes {
                    sqlx::query::<$Db>(
                        "DELETE FROM kv WHERE game = $1 AND component = $2 AND key = $3",
                    )
                        .bind(game)
                        .bind(component)
                        .bind(key)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            /// `events`, in order, into the outbox; if a log takes commits'
            /// events (`in_commit.rs`), it carries them and the outbox holds
            /// nothing unsent (which they must not overtake), they are
            /// appended to it too and their rows written sent, as a relay
            /// round would leave them. The log, if it took them.
            async fn write_events<'l>(
                tx: &mut Tx,
                log: Option<&'l std::sync::Arc<dyn $crate::store::InCommitLog>>,
                events: &[&OutboxEvent],
                now_ms: i64,
            ) -> Result<Option<&'l std::sync::Arc<dyn $crate::store::InCommitLog>>, sqlx::Error> {
                if events.is_empty() {
                    return Ok(None);
                }
                if let Some(log) = log
                    && log.takes(events)
                    && !outbox_holds_unsent(tx).await?
                {
                    log.$append(tx, events, now_ms).await?;
                    insert_outbox(tx, events, Some(now_ms)).await?;
                    return Ok(Some(log));
                }
                insert_outbox(tx, events, None).await?;
                Ok(None)
            }

            /// Whether an outbox row waits for the relay.
            async fn outbox_holds_unsent(tx: &mut Tx) -> Result<bool, sqlx::Error> {
                let row = sqlx::query::<$Db>(
                    "SELECT 1 FROM outbox WHERE sent_at_ms IS NULL LIMIT 1",
                )
                .fetch_optional(&mut **tx)
                .await?;
                Ok(row.is_some())
            }

            /// `events`, in order, into the outbox.
            async fn insert_outbox(
                tx: &mut Tx,
                events: &[&OutboxEvent],
                sent_at_ms: Option<i64>,
            ) -> Result<(), sqlx::Error> {
                for chunk in events.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$Db>::new(
                        "INSERT INTO outbox (id, game, topic, key, event_type, schema_version, payload, \
                                             correlation_id, traceparent, created_at_ms, sent_at_ms) ",
                    );
                    q.push_values(chunk, |mut row, e| {
                        row.push_bind(e.id.as_str())
                            .push_bind(e.game.as_str())
                            .push_bind(e.topic.as_str())
                            .push_bind(e.key.as_str())
                            .push_bind(e.event_type.as_str())
                            .push_bind(e.schema_version)
                            .push_bind(e.payload.as_str())
                            .push_bind(e.correlation_id.as_deref())
                            .push_bind(e.traceparent.as_deref())
                            .push_bind(e.created_at_ms)
                            .push_bind(sent_at_ms);
                    });
                    q.build().persistent(false).execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// The match action log entries of `batches`. A duplicate
            /// `(game, match_id, seq)` fails the statement (primary key), so
            /// the group is retried batch by batch and the duplicate fails alone.
            async fn write_match_actions(
                tx: &mut Tx,
                batches: &[&CommitBatch],
            ) -> Result<(), sqlx::Error> {
                let rows: Vec<_> = batches.iter().flat_map(|b| &b.match_actions).collect();
                for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$Db>::new(
                        "INSERT INTO match_actions (game, match_id, seq, kind, player, action_id, \
                                                    at_ms, body, effects, created_at_ms) ",
                    );
                    q.push_values(chunk, |mut row, a| {
                        row.push_bind(a.game.as_str())
                            .push_bind(a.match_id.as_str())
                            .push_bind(a.seq)
                            .push_bind(a.kind.as_str())
                            .push_bind(a.player.as_deref())
                            .push_bind(a.action_id.as_deref())
                            .push_bind(a.at_ms)
                            .push_bind(a.body.as_str())
                            .push_bind(a.effects.as_deref())
                            .push_bind(a.created_at_ms);
                    });
                    q.build().persistent(false).execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// The leaderboard additions of `batches`, summed per player
            /// (`store/leaderboard_delta.rs`), added to their rows (created at
            /// the first).
            async fn write_leaderboard(
                tx: &mut Tx,
                batches: &[&CommitBatch],
            ) -> Result<(), sqlx::Error> {
                let rows = $crate::store::leaderboard_delta::fold(
                    batches.iter().flat_map(|b| &b.leaderboard),
                );
                for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$Db>::new(
                        "INSERT INTO leaderboard (game, player, score, matches, wins, kills, \
                                                  last_match_id, updated_at_ms) ",
                    );
                    q.push_values(chunk, |mut row, d| {
                        row.push_bind(d.game.as_str())
                            .push_bind(d.player.as_str())
                            .push_bind(d.score)
                            .push_bind(d.matches)
                            .push_bind(d.wins)
                            .push_bind(d.kills)
                            .push_bind(d.match_id.as_str())
                            .push_bind(d.at_ms);
                    });
                    q.push(
                        " ON CONFLICT (game, player) DO UPDATE SET \
                            score = leaderboard.score + excluded.score, \
                            matches = leaderboard.matches + excluded.matches, \
                            wins = leaderboard.wins + excluded.wins, \
                            kills = leaderboard.kills + excluded.kills, \
                            last_match_id = excluded.last_match_id, \
                            updated_at_ms = excluded.updated_at_ms",
                    );
                    q.build().persistent(false).execute(&mut **tx).await?;
                }
                Ok(())
            }

            fn outbox_row(row: &DbRow) -> Result<OutboxRow, sqlx::Error> {
                Ok(OutboxRow {
                    seq: row.try_get("seq")?,
                    event: OutboxEvent {
                        id: row.try_get("id")?,
                        game: row.try_get("game")?,
                        topic: row.try_get("topic")?,
                        key: row.try_get("key")?,
                        event_type: row.try_get("event_type")?,
                        schema_version: row.try_get("schema_version")?,
                        payload: row.try_get("payload")?,
                        correlation_id: row.try_get("correlation_id")?,
                        traceparent: row.try_get("traceparent")?,
                        created_at_ms: row.try_get("created_at_ms")?,
                    },
                })
            }

            fn idempotency_row(row: &DbRow) -> Result<IdempotencyRecord, sqlx::Error> {
                let status: String = row.try_get("status")?;
                Ok(IdempotencyRecord {
                    game: row.try_get("game")?,
                    scope: row.try_get("scope")?,
                    key: row.try_get("key")?,
                    request_hash: row.try_get("request_hash")?,
                    status: IdempotencyStatus::parse(&status).ok_or_else(|| {
                        sqlx::Error::Decode(format!("unknown idempotency status `{status}`").into())
                    })?,
                    response: row.try_get("response")?,
                    created_at_ms: row.try_get("created_at_ms")?,
                    expires_at_ms: row.try_get("expires_at_ms")?,
                })
            }

            fn lease_row(row: &DbRow) -> Result<Lease, sqlx::Error> {
                Ok(Lease {
                    game: row.try_get("game")?,
                    name: row.try_get("name")?,
                    owner: row.try_get("owner")?,
                    fence: row.try_get("fence")?,
                    expires_at_ms: row.try_get("expires_at_ms")?,
                })
            }
        }
    };
}
pub(crate) use sql_backend;

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn a_prefix_ends_just_past_its_last_char() {
        assert_eq!(prefix_end("hp/").as_deref(), Some("hp0"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        // Every key with the prefix sorts below the end, as bytes.
        let end = prefix_end("hp/").unwrap_or_default();
        for key in ["hp/", "hp/ann", "hp/\u{10FFFF}\u{10FFFF}"] {
            assert!(key.as_bytes() < end.as_bytes(), "{key:?}");
        }
    }
}
