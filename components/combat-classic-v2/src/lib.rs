//! # classic 1.1.0: the arena's combat rules, with critical hits
//!
//! Everything of [classic 1.0.0](arena_rules::Rules::CLASSIC), plus one rule
//! a player can see: after the damage roll, 20% of hits deal double damage,
//! and their `damaged` effect says `critical: true`. A drop-in upgrade of the
//! same component name: matches started on 1.0.0 keep 1.0.0.

use arena_rules::Rules;
use combat_adapter::{Arena, Ruleset};

/// Version 1.1.0: the classic rules with critical hits.
pub struct ClassicWithCrits;

impl Ruleset for ClassicWithCrits {
    const RULES: Rules = Rules::CLASSIC_WITH_CRITS;
}

type ClassicCombat = Arena<ClassicWithCrits>;

idempo_sdk::export_combat!(ClassicCombat);
