//! One match in memory, [`Live`]: its state and where its log stands, and
//! the one way that state moves: [`Live::apply`] of a log entry with the
//! state the component computed for it.
//!
//! The actor computes a step ([`Live::step_action`], [`Live::step_ticks`]),
//! commits its entries, then applies them; a replay recomputes each logged
//! entry through the same calls and applies it the same way
//! ([`super::replay`]). Both paths share every call, seed and rule here.

use super::combat::Combat;
use super::error::ArenaError;
use super::record::{LogEntry, MatchRecord};
use crate::runtime::Effects;
use crate::runtime::bindings::types::{Action, Effect, MatchResult, MatchState, Verdict};

/// A match as its single writer holds it.
#[derive(Clone)]
pub struct Live {
    pub record: MatchRecord,
    pub combat: Combat,
    pub state: MatchState,
    /// The `seq` the next log entry gets (1 for the first).
    pub next_seq: i64,
    /// Match time of the next tick, in milliseconds.
    pub next_tick_ms: u64,
    /// Set once the log holds the finish.
    pub finished: Option<MatchResult>,
}

/// A computed step: the entries to log (in order, from `Live::next_seq`),
/// the state after them, what the component reported and asked.
pub struct Step {
    pub entries: Vec<LogEntry>,
    /// What each entry did, parallel to `entries`.
    pub entry_effects: Vec<Vec<Effect>>,
    pub state: MatchState,
    pub effects: Vec<Effect>,
    pub component_effects: Vec<Effects>,
    pub rejected: Option<String>,
}

impl Step {
    fn push_finish(&mut self, result: MatchResult) {
        self.entries.push(LogEntry::Finish { result });
        self.entry_effects.push(Vec::new());
    }
}

impl Live {
    /// A new match: the pinned version's `setup`, nothing logged yet.
    pub fn start(record: MatchRecord, combat: Combat) -> Result<Self, ArenaError> {
        let (state, _effects) = combat.setup(&record)?;
        let tick_ms = record.config.tick_ms.max(1);
        Ok(Self {
            record,
            combat,
            state,
            next_seq: 1,
            next_tick_ms: tick_ms,
            finished: None,
        })
    }

    /// The ticks due by match time `now_ms` (none once finished), each
    /// followed by the finish if the component says the match is over.
    pub fn step_ticks(&self, now_ms: u64) -> Result<Step, ArenaError> {
        let mut step = self.empty_step();
        let mut next_tick = self.next_tick_ms;
        let tick_ms = self.record.config.tick_ms.max(1);
        while self.finished.is_none() && next_tick <= now_ms {
            let seq = self.seq_after(&step);
            let (out, effects) = self.combat.tick(&step.state, next_tick, seq)?;
            step.entries.push(LogEntry::Tick { at_ms: next_tick });
            step.entry_effects.push(out.effects.clone());
            step.state = out.state;
            step.effects.extend(out.effects);
            step.component_effects.push(effects);
            next_tick = next_tick.saturating_add(tick_ms);
            if let Some(result) = self.combat.finished(&step.state)? {
                step.push_finish(result);
                break;
            }
        }
        Ok(step)
    }

    /// `action` resolved: logged if accepted (then the finish too if it
    /// ended the match), nothing if rejected.
    pub fn step_action(&self, action: Action) -> Result<Step, ArenaError> {
        let mut step = self.empty_step();
        let (resolution, effects) = self.combat.resolve(&self.state, &action, self.next_seq)?;
        if let Verdict::Rejected(why) = resolution.verdict {
            step.rejected = Some(why);
            return Ok(step);
        }
        step.state = resolution.state;
        step.entry_effects.push(resolution.effects.clone());
        step.effects = resolution.effects;
        step.component_effects.push(effects);
        step.entries.push(LogEntry::Action { action });
        if let Some(result) = self.combat.finished(&step.state)? {
            step.push_finish(result);
        }
        Ok(step)
    }

    /// Takes a committed step in.
    pub fn commit(&mut self, step: Step) {
        self.advance_past(&step.entries);
        self.state = step.state;
    }

    /// Takes a step in that is not committed yet: the match as the next
    /// step of a round sees it (`super::round`).
    pub fn take(&mut self, step: &Step) {
        self.advance_past(&step.entries);
        self.state = step.state.clone();
    }

    fn advance_past(&mut self, entries: &[LogEntry]) {
        for entry in entries {
            self.advance(entry);
        }
    }

    /// Replays one logged entry at `seq`: recomputes its state through the
    /// pinned version and takes it in. An entry the version does not
    /// reproduce (a refused action, a gap in `seq`) is a corrupt log.
    pub fn apply(&mut self, seq: i64, entry: LogEntry) -> Result<(), ArenaError> {
        let corrupt = |why: String| ArenaError::CorruptLog {
            match_id: self.record.match_id.clone(),
            why,
        };
        if seq != self.next_seq {
            return Err(corrupt(format!(
                "entry {seq} where {} was due",
                self.next_seq
            )));
        }
        match &entry {
            LogEntry::Action { action } => {
                let (resolution, _) = self.combat.resolve(&self.state, action, seq)?;
                if let Verdict::Rejected(why) = resolution.verdict {
                    return Err(corrupt(format!("action {seq} is refused on replay: {why}")));
                }
                self.state = resolution.state;
            }
            LogEntry::Tick { at_ms } => {
                let (out, _) = self.combat.tick(&self.state, *at_ms, seq)?;
                self.state = out.state;
            }
            LogEntry::Finish { .. } => {}
        }
        self.advance(&entry);
        Ok(())
    }

    /// Moves the log position past `entry`.
    fn advance(&mut self, entry: &LogEntry) {
        self.next_seq += 1;
        match entry {
            LogEntry::Tick { at_ms } => {
                self.next_tick_ms = at_ms.saturating_add(self.record.config.tick_ms.max(1));
            }
            LogEntry::Finish { result } => self.finished = Some(result.clone()),
            LogEntry::Action { .. } => {}
        }
    }

    fn empty_step(&self) -> Step {
        Step {
            entries: Vec::new(),
            entry_effects: Vec::new(),
            state: self.state.clone(),
            effects: Vec::new(),
            component_effects: Vec::new(),
            rejected: None,
        }
    }

    fn seq_after(&self, step: &Step) -> i64 {
        self.next_seq + step.entries.len() as i64
    }
}
