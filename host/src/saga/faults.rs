//! Injected step faults, for fault-injection runs and tests: off unless
//! configured. Each draw is a function of the seed, the saga, the step and
//! the attempt, so a run with the same seed injects the same faults into
//! the same steps, whatever the scheduling.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `[saga.faults]` table: probabilities per step attempt (0 to 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    pub seed: u64,
    /// The step fails before it reaches the store (a transient error).
    pub fail_rate: f64,
    /// The step commits, but its acknowledgement is lost (a timeout): the
    /// runner must find out what happened.
    pub lost_ack_rate: f64,
    /// A forward step before the transfer is refused, as a wallet or
    /// inventory would refuse it: the saga compensates.
    pub refuse_rate: f64,
    /// A pause before each step, in milliseconds (widens the window in
    /// which a killed host leaves sagas between steps).
    pub step_delay_ms: u64,
    /// Forward steps (by name, e.g. `join-group`) before which a runner of
    /// this host stops and leaves the saga as it stands, still owned: a
    /// host hung in the middle of a saga. Undoing is never stalled.
    pub stall_before: Vec<String>,
}

/// What a draw injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    FailBefore,
    LostAck,
    Refuse,
}

impl FaultConfig {
    pub fn is_off(&self) -> bool {
        self.fail_rate <= 0.0
            && self.lost_ack_rate <= 0.0
            && self.refuse_rate <= 0.0
            && self.step_delay_ms == 0
            && self.stall_before.is_empty()
    }

    /// Whether a runner stalls before the forward step named `step`.
    pub fn stalls(&self, step: &str) -> bool {
        self.stall_before.iter().any(|s| s == step)
    }

    /// The fault of attempt `attempt` of the step named `step` of saga
    /// `saga_id` (`refusable`: a refusal may be injected there).
    pub fn draw(&self, saga_id: &str, step: &str, attempt: u32, refusable: bool) -> Fault {
        if self.is_off() {
            return Fault::None;
        }
        let key = format!("{}\0{saga_id}\0{step}\0{attempt}", self.seed);
        let digest = Sha256::digest(key.as_bytes());
        let bits = u64::from_le_bytes(digest[..8].try_into().unwrap_or_default());
        // 53 random bits -> [0, 1).
        let x = (bits >> 11) as f64 / (1u64 << 53) as f64;
        let refuse = if refusable { self.refuse_rate } else { 0.0 };
        if x < self.fail_rate {
            Fault::FailBefore
        } else if x < self.fail_rate + self.lost_ack_rate {
            Fault::LostAck
        } else if x < self.fail_rate + self.lost_ack_rate + refuse {
            Fault::Refuse
        } else {
            Fault::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_faults_unless_configured() {
        let off = FaultConfig::default();
        assert!((0..100).all(|i| off.draw("s", "reserve-funds", i, true) == Fault::None));
    }

    #[test]
    fn the_same_seed_injects_the_same_faults_and_rates_hold_roughly() {
        let config = FaultConfig {
            seed: 7,
            fail_rate: 0.2,
            lost_ack_rate: 0.1,
            refuse_rate: 0.1,
            step_delay_ms: 0,
            stall_before: Vec::new(),
        };
        let draws: Vec<_> = (0..2000)
            .map(|i| config.draw(&format!("s{i}"), "lock-item", 1, true))
            .collect();
        let again: Vec<_> = (0..2000)
            .map(|i| config.draw(&format!("s{i}"), "lock-item", 1, true))
            .collect();
        assert_eq!(draws, again);
        let fails = draws.iter().filter(|f| **f == Fault::FailBefore).count();
        assert!((300..500).contains(&fails), "{fails} of 2000 at 20%");
        let refusals = draws.iter().filter(|f| **f == Fault::Refuse).count();
        assert!((120..280).contains(&refusals), "{refusals} of 2000 at 10%");
        assert!(
            (0..2000).all(|i| config.draw(&format!("s{i}"), "transfer", 1, false) != Fault::Refuse),
            "no refusal where none may be injected"
        );
    }
}
