//! The level curve: how much xp each level needs, as the tournament
//! component's `level-curve` gives it (the xp of level 2, 3, ...,
//! ascending). A player's level is 1 plus the number of thresholds their xp
//! reached. Pure, and the one place the rule is written: the store applies
//! it inside a transaction ([`crate::store::level_watch`]) and the API to
//! show a player's progress.

use serde::Serialize;

/// Most levels a curve may define (its thresholds, plus level 1).
pub const MAX_LEVELS: usize = 1_000;

/// A checked curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curve {
    /// The xp of level 2, 3, ...: each more than 0 and more than the one
    /// before, each at most `i64::MAX`.
    thresholds: Vec<i64>,
}

/// Where a player stands on the curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub xp: i64,
    pub level: u32,
    /// The xp their level starts at (0 for level 1).
    pub level_xp: i64,
    /// The xp of the next level; `None` at the top.
    pub next_level_xp: Option<i64>,
}

impl Curve {
    /// Checks a component's thresholds: ascending, above 0, at most
    /// [`MAX_LEVELS`] - 1 of them, each fitting an `i64`.
    pub fn new(thresholds: &[u64]) -> Result<Self, String> {
        if thresholds.len() >= MAX_LEVELS {
            return Err(format!(
                "a level curve has at most {} thresholds; got {}",
                MAX_LEVELS - 1,
                thresholds.len()
            ));
        }
        let mut checked = Vec::with_capacity(thresholds.len());
        for (i, &t) in thresholds.iter().enumerate() {
            let t = i64::try_from(t)
                .map_err(|_| format!("the xp of level {} is too large: {t}", i + 2))?;
            if t <= checked.last().copied().unwrap_or(0) {
                return Err(format!(
                    "the xp of level {} ({t}) must be more than 0 and more than the level before",
                    i + 2
                ));
            }
            checked.push(t);
        }
        Ok(Self {
            thresholds: checked,
        })
    }

    pub fn thresholds(&self) -> &[i64] {
        &self.thresholds
    }

    pub fn level_of(&self, xp: i64) -> u32 {
        level_of(&self.thresholds, xp)
    }

    /// Where `xp` stands.
    pub fn standing(&self, xp: i64) -> Standing {
        let level = self.level_of(xp);
        let index = level as usize - 1;
        Standing {
            xp,
            level,
            level_xp: index
                .checked_sub(1)
                .and_then(|i| self.thresholds.get(i))
                .copied()
                .unwrap_or(0),
            next_level_xp: self.thresholds.get(index).copied(),
        }
    }
}

/// The level of `xp` on `thresholds` (the xp of level 2, 3, ..., ascending).
pub fn level_of(thresholds: &[i64], xp: i64) -> u32 {
    let reached = thresholds.partition_point(|&t| t <= xp);
    u32::try_from(reached).unwrap_or(u32::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard() -> Curve {
        let thresholds: Vec<u64> = (2..=100u64).map(|n| 25 * n * (n - 1)).collect();
        Curve::new(&thresholds).expect("the standard curve")
    }

    #[test]
    fn xp_makes_a_level_and_each_threshold_is_the_level_it_names() {
        let curve = standard();
        assert_eq!(curve.level_of(0), 1);
        assert_eq!(curve.level_of(49), 1);
        assert_eq!(curve.level_of(50), 2);
        assert_eq!(curve.level_of(1_799), 8);
        assert_eq!(curve.level_of(1_800), 9);
        assert_eq!(curve.level_of(2_250), 10);
        assert_eq!(curve.level_of(i64::MAX), 100, "the top");
        assert_eq!(curve.level_of(-5), 1, "no xp is level 1");
        let s = curve.standing(2_000);
        assert_eq!(
            (s.level, s.level_xp, s.next_level_xp),
            (9, 1_800, Some(2_250))
        );
        assert_eq!(curve.standing(10).level_xp, 0);
        assert_eq!(curve.standing(i64::MAX).next_level_xp, None);
    }

    #[test]
    fn a_curve_that_does_not_climb_or_is_too_long_is_refused() {
        assert!(Curve::new(&[50, 50]).unwrap_err().contains("level 3"));
        assert!(Curve::new(&[0]).is_err());
        assert!(Curve::new(&[u64::MAX]).unwrap_err().contains("too large"));
        let long: Vec<u64> = (1..=MAX_LEVELS as u64).collect();
        assert!(Curve::new(&long).unwrap_err().contains("at most"));
        assert_eq!(Curve::new(&[]).expect("flat").level_of(1_000_000), 1);
    }
}
