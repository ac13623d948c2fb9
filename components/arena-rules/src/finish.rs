//! The end of a match and its placings.

use crate::types::{MatchResult, MatchState, Placing};

/// True when at most one fighter is alive, or the clock (the later of
/// `state.now_ms` and `at_ms`) has reached the match's duration.
pub fn is_over(state: &MatchState, at_ms: u64) -> bool {
    let alive = state.fighters.iter().filter(|f| f.alive).count();
    alive <= 1 || state.now_ms.max(at_ms) >= state.config.duration_ms
}

/// `Some` once the match is over, with every fighter placed.
///
/// Placings: the living before the dead; then the higher score; then, among
/// the dead, the later death; then the smaller id, so there are no ties.
/// The duration is the match's logical time, capped at its configured length.
pub fn finished(match_id: &str, state: &MatchState) -> Option<MatchResult> {
    if !is_over(state, state.now_ms) {
        return None;
    }
    let mut order: Vec<_> = state.fighters.iter().collect();
    order.sort_by(|a, b| {
        b.alive
            .cmp(&a.alive)
            .then(b.score.cmp(&a.score))
            .then(b.died_at_ms.cmp(&a.died_at_ms))
            .then(a.id.cmp(&b.id))
    });
    let placings = order
        .into_iter()
        .zip(1..)
        .map(|(f, place)| Placing {
            player: f.id.clone(),
            place,
            score: f.score,
            kills: f.kills,
        })
        .collect();
    Some(MatchResult {
        match_id: match_id.to_owned(),
        placings,
        duration_ms: state.now_ms.min(state.config.duration_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{arena, fighter_mut};

    #[test]
    fn a_match_with_two_fighters_standing_and_time_left_goes_on() {
        let state = arena(&[("ann", (1, 1)), ("bob", (5, 5))]);
        assert_eq!(finished("m1", &state), None);
    }

    #[test]
    fn the_last_one_standing_wins() {
        let mut state = arena(&[("ann", (1, 1)), ("bob", (5, 5))]);
        state.now_ms = 42_000;
        let bob = fighter_mut(&mut state, "bob");
        bob.alive = false;
        bob.died_at_ms = Some(42_000);
        bob.score = 500;
        let result = finished("m1", &state).expect("over");
        assert_eq!(result.match_id, "m1");
        assert_eq!(result.duration_ms, 42_000);
        let order: Vec<(&str, u32)> = result
            .placings
            .iter()
            .map(|p| (p.player.as_str(), p.place))
            .collect();
        assert_eq!(
            order,
            [("ann", 1), ("bob", 2)],
            "alive beats a higher score"
        );
    }

    #[test]
    fn when_time_runs_out_score_then_later_death_then_id_decide() {
        let mut state = arena(&[
            ("dan", (1, 1)),
            ("cid", (3, 3)),
            ("bob", (5, 5)),
            ("ann", (7, 7)),
            ("eve", (9, 9)),
        ]);
        state.now_ms = 181_000;
        for (id, score, died) in [
            ("dan", 40, None),
            ("cid", 40, None),
            ("bob", 90, Some(10_000)),
            ("ann", 90, Some(20_000)),
            ("eve", 10, None),
        ] {
            let f = fighter_mut(&mut state, id);
            f.score = score;
            f.alive = died.is_none();
            f.died_at_ms = died;
        }
        let result = finished("m1", &state).expect("time is up");
        let order: Vec<&str> = result.placings.iter().map(|p| p.player.as_str()).collect();
        assert_eq!(order, ["cid", "dan", "eve", "ann", "bob"]);
        assert_eq!(
            result.duration_ms, 180_000,
            "capped at the configured length"
        );
        assert_eq!(
            result.placings.iter().map(|p| p.place).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
    }
}
