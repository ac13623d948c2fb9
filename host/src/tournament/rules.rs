//! The tournament component's answers, and the host's check of them.
//!
//! [`TournamentRules`] calls the configured component on a blocking thread
//! (a call is synchronous, bounded by fuel and a deadline; the component
//! reads no state): the day's [`Rules`] from the active version when a
//! tournament is created, then points and bonuses from the version that
//! created it (a tournament keeps its version, as a match keeps its combat
//! version), and the level curve from the active version, cached per
//! version.
//!
//! [`Rules`] is what the host keeps of a day's rules, checked and in
//! absolute times: a fee of at least 1, a group size of 1 to
//! [`MAX_GROUP_SIZE`], a schedule inside the day, and reward tiers inside
//! the group that do not overlap. Rules the host cannot run are refused
//! with the reason, and no tournament is made of them.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::day::{DAY_MS, Day};
use super::error::TournamentError;
use crate::progression::Curve;
use crate::runtime::bindings::tournament_api;
use crate::runtime::bindings::types::Placing;
use crate::runtime::{
    CallContext, CallError, KvScope, LoadedComponent, NoState, Runtime, StateView, World,
};

/// Most players one group may hold.
pub const MAX_GROUP_SIZE: u32 = 1_000;
/// Most reward tiers.
pub const MAX_TIERS: usize = 64;
/// Largest fee, reward or bonus the host pays or takes.
pub const MAX_AMOUNT: u64 = 1_000_000_000_000;
/// Longest currency code, in bytes.
pub const MAX_CURRENCY_BYTES: usize = 64;
/// Level curves kept (one per game and component version).
const MAX_CACHED_CURVES: usize = 64;

/// Ranks `first_rank..=last_rank` of a group are each paid `amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardTier {
    pub first_rank: u32,
    pub last_rank: u32,
    pub amount: i64,
}

/// A day's rules, as the host keeps them with its tournament.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub currency: String,
    pub entry_fee: i64,
    pub min_level: u32,
    pub group_size: u32,
    /// Unix milliseconds.
    pub opens_at_ms: i64,
    /// Entries at or after this are refused.
    pub entry_closes_at_ms: i64,
    /// Matches and level-ups before this count; then ranks are final.
    pub ends_at_ms: i64,
    pub rewards: Vec<RewardTier>,
}

impl Rules {
    /// Checks the component's rules for `day`.
    pub fn check(day: Day, rules: &tournament_api::Rules) -> Result<Self, String> {
        let plain = rules
            .currency
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if rules.currency.is_empty() || rules.currency.len() > MAX_CURRENCY_BYTES || !plain {
            return Err(format!(
                "the currency `{}` is not 1 to {MAX_CURRENCY_BYTES} ASCII letters, digits, `_`, `-` or `.`",
                rules.currency
            ));
        }
        if !(1..=MAX_AMOUNT).contains(&rules.entry_fee) {
            return Err(format!(
                "the entry fee {} is not 1 to {MAX_AMOUNT}",
                rules.entry_fee
            ));
        }
        if !(1..=MAX_GROUP_SIZE).contains(&rules.group_size) {
            return Err(format!(
                "the group size {} is not 1 to {MAX_GROUP_SIZE}",
                rules.group_size
            ));
        }
        let s = &rules.schedule;
        let ordered = s.opens_at_ms < s.entry_closes_at_ms && s.entry_closes_at_ms <= s.ends_at_ms;
        if !ordered || s.ends_at_ms > DAY_MS as u64 {
            return Err(format!(
                "the schedule (opens {}, entry closes {}, ends {}) must run opens < closes <= ends \
                 within the day's {DAY_MS} ms",
                s.opens_at_ms, s.entry_closes_at_ms, s.ends_at_ms
            ));
        }
        if rules.rewards.len() > MAX_TIERS {
            return Err(format!("at most {MAX_TIERS} reward tiers"));
        }
        let mut tiers: Vec<RewardTier> = Vec::with_capacity(rules.rewards.len());
        for t in &rules.rewards {
            if t.first_rank == 0 || t.first_rank > t.last_rank || t.last_rank > rules.group_size {
                return Err(format!(
                    "the reward tier of ranks {} to {} is not within 1 to the group size {}",
                    t.first_rank, t.last_rank, rules.group_size
                ));
            }
            if !(1..=MAX_AMOUNT).contains(&t.amount) {
                return Err(format!("a reward of {} is not 1 to {MAX_AMOUNT}", t.amount));
            }
            if tiers
                .iter()
                .any(|o| o.first_rank <= t.last_rank && t.first_rank <= o.last_rank)
            {
                return Err(format!(
                    "the reward tiers overlap at ranks {} to {}",
                    t.first_rank, t.last_rank
                ));
            }
            tiers.push(RewardTier {
                first_rank: t.first_rank,
                last_rank: t.last_rank,
                // Checked: at most MAX_AMOUNT.
                amount: t.amount as i64,
            });
        }
        let at = |offset: u64| day.start_ms() + offset as i64;
        Ok(Self {
            currency: rules.currency.clone(),
            entry_fee: rules.entry_fee as i64,
            min_level: rules.min_level,
            group_size: rules.group_size,
            opens_at_ms: at(s.opens_at_ms),
            entry_closes_at_ms: at(s.entry_closes_at_ms),
            ends_at_ms: at(s.ends_at_ms),
            rewards: tiers,
        })
    }

    /// What rank `rank` of a group is paid (0 for none).
    pub fn reward_for(&self, rank: i64) -> i64 {
        self.rewards
            .iter()
            .find(|t| i64::from(t.first_rank) <= rank && rank <= i64::from(t.last_rank))
            .map_or(0, |t| t.amount)
    }

    /// Whether an entry at `at_ms` is taken.
    pub fn entry_open(&self, at_ms: i64) -> bool {
        self.opens_at_ms <= at_ms && at_ms < self.entry_closes_at_ms
    }

    /// Whether what happens at `at_ms` (a match's end, a level-up) counts.
    pub fn running(&self, at_ms: i64) -> bool {
        self.opens_at_ms <= at_ms && at_ms < self.ends_at_ms
    }
}

/// The tournament component of one host. Cheap to clone.
#[derive(Clone)]
pub struct TournamentRules {
    runtime: Arc<Runtime>,
    component: String,
    /// Level curves by `game/hash` of the version that gave them.
    curves: Arc<Mutex<HashMap<String, Arc<Curve>>>>,
}

impl TournamentRules {
    pub fn new(runtime: Arc<Runtime>, component: &str) -> Self {
        Self {
            runtime,
            component: component.to_owned(),
            curves: Arc::default(),
        }
    }

    /// The component's name.
    pub fn component(&self) -> &str {
        &self.component
    }

    /// The active version.
    pub fn active(&self, game: &str) -> Result<Arc<LoadedComponent>, TournamentError> {
        self.runtime
            .active(game, World::Tournament, &self.component)
            .map_err(|e| TournamentError::Component(e.to_string()))
    }

    /// The version `version` (the one a tournament was created by).
    pub fn pinned(
        &self,
        game: &str,
        version: &str,
    ) -> Result<Arc<LoadedComponent>, TournamentError> {
        let parsed = semver::Version::parse(version)
            .map_err(|e| TournamentError::Component(format!("version `{version}`: {e}")))?;
        self.runtime
            .pinned(game, World::Tournament, &self.component, &parsed)
            .map_err(|e| TournamentError::Component(e.to_string()))
    }

    /// The rules of `day` by the active version, and that version; `Ok(Err)`
    /// when the component says there is no tournament that day (or gives
    /// rules the host cannot run: the reason names them).
    pub async fn rules_for(
        &self,
        game: &str,
        day: Day,
    ) -> Result<(Arc<LoadedComponent>, Result<Rules, String>), TournamentError> {
        let component = self.active(game)?;
        let wit_day = day.wit();
        let answer = self
            .call(component.clone(), move |rt, c, ctx| {
                rt.tournament_rules(c, ctx, &wit_day).map(|o| o.value)
            })
            .await?;
        let checked = answer.and_then(|r| {
            Rules::check(day, &r).map_err(|why| {
                format!(
                    "the rules of {} {} are unusable: {why}",
                    self.component, component.version
                )
            })
        });
        Ok((component, checked))
    }

    /// The level curve of the active version (cached per version).
    pub async fn curve(&self, game: &str) -> Result<Arc<Curve>, TournamentError> {
        let component = self.active(game)?;
        let key = format!("{game}/{}", component.hash);
        if let Some(curve) = self.curves.lock().get(&key) {
            return Ok(curve.clone());
        }
        let thresholds = self
            .call(component.clone(), |rt, c, ctx| {
                rt.tournament_level_curve(c, ctx).map(|o| o.value)
            })
            .await?;
        let curve = Arc::new(Curve::new(&thresholds).map_err(|why| {
            TournamentError::Component(format!(
                "the level curve of {} {} is unusable: {why}",
                self.component, component.version
            ))
        })?);
        let mut curves = self.curves.lock();
        if curves.len() >= MAX_CACHED_CURVES {
            curves.clear();
        }
        curves.insert(key, curve.clone());
        Ok(curve)
    }

    /// The points of `placing` by `component`.
    pub async fn match_points(
        &self,
        component: Arc<LoadedComponent>,
        placing: Placing,
    ) -> Result<i64, TournamentError> {
        let points = self
            .call(component, move |rt, c, ctx| {
                rt.tournament_match_points(c, ctx, &placing)
                    .map(|o| o.value)
            })
            .await?;
        Ok(points.min(MAX_AMOUNT) as i64)
    }

    /// The bonus for reaching `level` by `component`.
    pub async fn level_up_bonus(
        &self,
        component: Arc<LoadedComponent>,
        level: u32,
    ) -> Result<i64, TournamentError> {
        let bonus = self
            .call(component, move |rt, c, ctx| {
                rt.tournament_level_up_bonus(c, ctx, level).map(|o| o.value)
            })
            .await?;
        Ok(bonus.min(MAX_AMOUNT) as i64)
    }

    /// Runs `f` on `component` on a blocking thread, with no state and the
    /// wall clock as its logical time (the rules read neither).
    async fn call<R: Send + 'static>(
        &self,
        component: Arc<LoadedComponent>,
        f: impl FnOnce(&Runtime, &Arc<LoadedComponent>, CallContext) -> Result<R, CallError>
        + Send
        + 'static,
    ) -> Result<R, TournamentError> {
        let runtime = self.runtime.clone();
        tokio::task::spawn_blocking(move || {
            let ctx = CallContext {
                now_ms: u64::try_from(crate::store::now_ms()).unwrap_or_default(),
                seed: 0,
                state: StateView {
                    reader: Arc::new(NoState),
                    scope: KvScope {
                        game: component.game.clone(),
                        component: component.name.clone(),
                    },
                },
            };
            f(&runtime, &component, ctx).map_err(|e| TournamentError::Component(e.to_string()))
        })
        .await
        .map_err(|e| TournamentError::Component(format!("the call did not complete: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_rules() -> tournament_api::Rules {
        tournament_api::Rules {
            currency: "gold".into(),
            entry_fee: 500,
            min_level: 10,
            group_size: 35,
            schedule: tournament_api::Schedule {
                opens_at_ms: 0,
                entry_closes_at_ms: 43_200_000,
                ends_at_ms: 86_340_000,
            },
            rewards: vec![
                tournament_api::RewardTier {
                    first_rank: 1,
                    last_rank: 1,
                    amount: 5_000,
                },
                tournament_api::RewardTier {
                    first_rank: 4,
                    last_rank: 10,
                    amount: 1_000,
                },
            ],
        }
    }

    #[test]
    fn the_seeds_rules_become_times_of_their_day_and_pay_by_rank() {
        let day: Day = "2026-05-01".parse().unwrap();
        let rules = Rules::check(day, &seed_rules()).expect("the seed's rules");
        assert_eq!(rules.opens_at_ms, day.start_ms());
        assert_eq!(rules.entry_closes_at_ms, day.start_ms() + 12 * 3_600_000);
        assert_eq!(rules.ends_at_ms, day.start_ms() + 86_340_000);
        assert!(rules.entry_open(day.start_ms()));
        assert!(
            !rules.entry_open(rules.entry_closes_at_ms),
            "12:00 is too late"
        );
        assert!(rules.running(rules.ends_at_ms - 1));
        assert!(!rules.running(rules.ends_at_ms));
        let paid: Vec<i64> = (0..=11).map(|rank| rules.reward_for(rank)).collect();
        assert_eq!(
            paid,
            [
                0, 5_000, 0, 0, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 0
            ]
        );
    }

    #[test]
    fn rules_the_host_cannot_run_are_refused_with_the_reason() {
        let day: Day = "2026-05-01".parse().unwrap();
        let refused = |change: &dyn Fn(&mut tournament_api::Rules), why: &str| {
            let mut rules = seed_rules();
            change(&mut rules);
            let err = Rules::check(day, &rules).unwrap_err();
            assert!(err.contains(why), "{err}");
        };
        refused(&|r| r.entry_fee = 0, "entry fee");
        refused(&|r| r.group_size = 0, "group size");
        refused(&|r| r.currency = "go ld".into(), "currency");
        refused(&|r| r.schedule.ends_at_ms = 90_000_000, "schedule");
        refused(&|r| r.schedule.entry_closes_at_ms = 0, "schedule");
        refused(
            &|r| r.rewards[1].last_rank = 36,
            "within 1 to the group size",
        );
        refused(&|r| r.rewards[1].first_rank = 1, "overlap");
        refused(&|r| r.rewards[0].amount = 0, "reward of 0");
    }
}
