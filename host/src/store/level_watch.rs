//! A level watch (`crate::progression`): a guarded economy operation that
//! never conflicts. Carried by a batch that credits xp, it reads the
//! player's xp inside the batch's transaction, before the batch's own
//! credits (guards run first), and, when those credits take the player past
//! a threshold of the level curve, appends `UserLeveledUp` to the outbox in
//! the same transaction.
//!
//! So a level-up is published once, with the credit that caused it: the
//! credit is made once (its ledger key, the batch's processed or
//! idempotency record), and batches of one group apply in order, each
//! seeing the credits of the ones before. Breaking it: crediting xp in a
//! batch without its watch (the level is still right, but no event says
//! it was reached), or two watches of one player in one batch (the second
//! would read the same xp: [`crate::progression::watches`] sums them).

use serde::{Deserialize, Serialize};

use super::batch::name;
use super::error::StoreError;
use super::outbox::{DEFAULT_SCHEMA_VERSION, OutboxEvent, new_event_id};
use crate::progression::curve::{MAX_LEVELS, level_of};

/// Watches one player's xp through a batch's credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelWatch {
    pub game: String,
    pub player: String,
    /// The currency xp is kept in.
    pub currency: String,
    /// The xp the batch credits the player; more than 0.
    pub xp: i64,
    /// The xp of level 2, 3, ... (ascending), as the curve gives it.
    pub thresholds: Vec<i64>,
    pub correlation_id: Option<String>,
    pub traceparent: Option<String>,
    /// When the event occurs, Unix milliseconds.
    pub at_ms: i64,
}

impl LevelWatch {
    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        name("level watch game", &self.game)?;
        name("level watch player", &self.player)?;
        name("level watch currency", &self.currency)?;
        if self.xp <= 0 {
            return Err(StoreError::invalid("level watch xp", "must be more than 0"));
        }
        let climbs = self.thresholds.windows(2).all(|w| w[0] < w[1]);
        if self.thresholds.len() >= MAX_LEVELS || !climbs {
            return Err(StoreError::invalid(
                "level watch thresholds",
                format!("at most {} ascending values", MAX_LEVELS - 1),
            ));
        }
        Ok(())
    }

    /// The levels before and after the credit, from the xp before it.
    pub(crate) fn levels(&self, xp_before: i64) -> (u32, u32) {
        let after = xp_before.saturating_add(self.xp);
        (
            level_of(&self.thresholds, xp_before),
            level_of(&self.thresholds, after),
        )
    }

    /// `UserLeveledUp` from `old_level` to `new_level` at `xp`.
    pub(crate) fn event(&self, old_level: u32, new_level: u32, xp: i64) -> OutboxEvent {
        let payload = serde_json::json!({
            "player": self.player,
            "old_level": old_level,
            "new_level": new_level,
            "xp": xp,
        });
        OutboxEvent {
            id: new_event_id(),
            game: self.game.clone(),
            topic: crate::progression::PLAYER_EVENTS.into(),
            key: self.player.clone(),
            event_type: crate::progression::USER_LEVELED_UP.into(),
            schema_version: DEFAULT_SCHEMA_VERSION,
            payload: payload.to_string(),
            correlation_id: self.correlation_id.clone(),
            traceparent: self.traceparent.clone(),
            created_at_ms: self.at_ms,
        }
    }
}

/// The watch's SQL inside a backend's `sql_impl` module, beside
/// `insert_outbox` (`store/sql.rs`).
macro_rules! level_watch_sql {
    ($Db:ty) => {
        /// Reads the xp before the batch's credits and writes the level-up
        /// they cause, if any. Never a conflict.
        async fn watch_level(
            tx: &mut Tx,
            w: &$crate::store::level_watch::LevelWatch,
        ) -> Result<Option<$crate::store::economy_ops::EconomyConflict>, sqlx::Error> {
            let row = sqlx::query::<$Db>(
                "SELECT available + held AS xp FROM wallets \
                 WHERE game = $1 AND player = $2 AND currency = $3",
            )
            .bind(&w.game)
            .bind(&w.player)
            .bind(&w.currency)
            .fetch_optional(&mut **tx)
            .await?;
            let before: i64 = match row {
                Some(row) => row.try_get("xp")?,
                None => 0,
            };
            let (old_level, new_level) = w.levels(before);
            if new_level > old_level {
                let event = w.event(old_level, new_level, before.saturating_add(w.xp));
                insert_outbox(tx, &[&event], None).await?;
            }
            Ok(None)
        }
    };
}
pub(crate) use level_watch_sql;

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(xp: i64) -> LevelWatch {
        LevelWatch {
            game: "default".into(),
            player: "ann".into(),
            currency: "xp".into(),
            xp,
            thresholds: vec![50, 150, 300],
            correlation_id: None,
            traceparent: None,
            at_ms: 9,
        }
    }

    #[test]
    fn a_credit_that_crosses_thresholds_says_from_which_level_to_which() {
        assert_eq!(watch(10).levels(30), (1, 1));
        assert_eq!(watch(20).levels(30), (1, 2));
        assert_eq!(watch(500).levels(30), (1, 4));
        let event = watch(20).event(1, 2, 50);
        assert_eq!(
            (
                event.topic.as_str(),
                event.key.as_str(),
                event.created_at_ms
            ),
            ("player-events", "ann", 9)
        );
        let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({ "player": "ann", "old_level": 1, "new_level": 2, "xp": 50 })
        );
    }

    #[test]
    fn a_watch_of_nothing_or_of_a_falling_curve_is_refused() {
        assert!(watch(0).validate().is_err());
        let mut falling = watch(5);
        falling.thresholds = vec![50, 40];
        assert!(falling.validate().is_err());
        watch(5).validate().expect("a good watch");
    }
}
