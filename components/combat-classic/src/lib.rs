//! # classic 1.0.0: the arena's combat rules
//!
//! Grid arena, melee with shields, specials, a shrinking zone and resources:
//! the rules are [`arena_rules::Rules::CLASSIC`], documented in the
//! `arena-rules` crate; [`combat_adapter`] serves them over the WIT contract.

use arena_rules::Rules;
use combat_adapter::{Arena, Ruleset};

/// Version 1.0.0: the classic rules, no critical hits.
pub struct Classic;

impl Ruleset for Classic {
    const RULES: Rules = Rules::CLASSIC;
}

type ClassicCombat = Arena<Classic>;

idempo_sdk::export_combat!(ClassicCombat);
