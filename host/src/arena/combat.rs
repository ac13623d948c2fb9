//! A match's pinned combat component, as the arena calls it: setup,
//! resolve, tick, finished, each with a seed and a logical time that come
//! from the match's log alone, so the live match and its replay make the
//! same calls and get the same answers (DESIGN.md: replay by determinism).
//!
//! The calls are synchronous wasm: async code runs them on a blocking
//! thread ([`Combat::blocking`]). They never commit; a component's own
//! effects (events, key-value writes) come back for the caller's batch.

use std::sync::Arc;

use super::error::ArenaError;
use super::record::MatchRecord;
use crate::runtime::bindings::types::{Action, MatchResult, MatchState, Resolution, TickOutcome};
use crate::runtime::{
    CallContext, Effects, KvScope, LoadedComponent, NoState, Runtime, StateView, World,
};

/// The pinned version of one match's combat component.
#[derive(Clone)]
pub struct Combat {
    runtime: Arc<Runtime>,
    component: Arc<LoadedComponent>,
    game: String,
    match_id: String,
    seed: u64,
}

impl Combat {
    /// The version `record` is pinned to; never another one: if it is not
    /// loaded, [`ArenaError::PinnedVersionMissing`].
    pub fn pinned(runtime: Arc<Runtime>, record: &MatchRecord) -> Result<Self, ArenaError> {
        let component = runtime
            .pinned(
                &record.game,
                World::Combat,
                &record.component,
                &record.version,
            )
            .map_err(|_| ArenaError::PinnedVersionMissing {
                match_id: record.match_id.clone(),
                component: record.component.clone(),
                version: record.version.to_string(),
            })?;
        Ok(Self {
            runtime,
            component,
            game: record.game.clone(),
            match_id: record.match_id.clone(),
            seed: record.seed,
        })
    }

    pub fn version(&self) -> &semver::Version {
        &self.component.version
    }

    /// Runs `f` on a blocking thread (wasm calls block), in the caller's
    /// span, never panicking: a panicked or cancelled thread is a component
    /// error.
    pub async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Combat) -> Result<R, ArenaError> + Send + 'static,
    ) -> Result<R, ArenaError> {
        let this = self.clone();
        crate::telemetry::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| ArenaError::Component(format!("combat call did not complete: {e}")))?
    }

    /// The call context of the step at `seq` (0 for setup), at match time
    /// `at_ms`: its seed is the match's seed mixed with `seq`.
    fn ctx(&self, seq: i64, at_ms: u64) -> CallContext {
        CallContext {
            now_ms: at_ms,
            seed: step_seed(self.seed, seq),
            state: StateView {
                reader: Arc::new(NoState),
                scope: KvScope {
                    game: self.game.clone(),
                    component: self.component.name.clone(),
                },
            },
        }
    }

    /// `setup`: the match's first state.
    pub fn setup(&self, record: &MatchRecord) -> Result<(MatchState, Effects), ArenaError> {
        let out = self.runtime.combat_setup(
            &self.component,
            self.ctx(0, 0),
            &self.match_id,
            record.config,
            &record.players,
            self.seed,
        )?;
        let state = out
            .value
            .map_err(|why| ArenaError::Component(format!("setup refused: {why}")))?;
        Ok((state, out.effects))
    }

    /// `resolve` of `action` as the entry at `seq`.
    pub fn resolve(
        &self,
        state: &MatchState,
        action: &Action,
        seq: i64,
    ) -> Result<(Resolution, Effects), ArenaError> {
        let out = self.runtime.combat_resolve(
            &self.component,
            self.ctx(seq, action.at_ms),
            state,
            action,
        )?;
        Ok((out.value, out.effects))
    }

    /// `tick` at match time `at_ms` as the entry at `seq`.
    pub fn tick(
        &self,
        state: &MatchState,
        at_ms: u64,
        seq: i64,
    ) -> Result<(TickOutcome, Effects), ArenaError> {
        let out = self
            .runtime
            .combat_tick(&self.component, self.ctx(seq, at_ms), state, at_ms)?;
        Ok((out.value, out.effects))
    }

    /// `finished`: the result once the match is over.
    pub fn finished(&self, state: &MatchState) -> Result<Option<MatchResult>, ArenaError> {
        let out = self.runtime.combat_finished(
            &self.component,
            self.ctx(0, state.now_ms),
            &self.match_id,
            state,
        )?;
        Ok(out.value)
    }
}

/// The seed of step `seq`: SplitMix64 of the match seed and the step.
pub fn step_seed(seed: u64, seq: i64) -> u64 {
    let mut z = seed ^ (seq as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
