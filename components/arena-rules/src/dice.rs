//! Randomness, supplied by the caller.
//!
//! The rules never pick a random source themselves: a component passes the
//! host's seeded rng (so a replay rolls the same numbers), a test or a
//! benchmark passes [`SplitMix64`] or a scripted dice.

/// A source of uniform integers.
pub trait Dice {
    /// A uniform integer in `[lo, hi)`; `lo` when `hi <= lo` (the contract
    /// of the host's `rng.range`).
    fn range(&mut self, lo: u32, hi: u32) -> u32;

    /// True with a probability of `percent` in 100, from one
    /// `range(0, 100)` roll.
    fn chance(&mut self, percent: u32) -> bool {
        self.range(0, 100) < percent
    }
}

impl<D: Dice + ?Sized> Dice for &mut D {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        (**self).range(lo, hi)
    }
}

/// A small, fast, seeded generator (SplitMix64) for tests and benchmarks.
///
/// Not the host's generator: the same seed rolls different numbers here and
/// in a component.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Dice for SplitMix64 {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        let span = u64::from(hi - lo);
        // Lemire's multiply-shift: uniform enough for a game, no division.
        let scaled = (u128::from(self.next_u64()) * u128::from(span)) >> 64;
        lo + scaled as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolls_stay_in_range_and_an_empty_range_gives_its_low_end() {
        let mut dice = SplitMix64::new(42);
        for _ in 0..1_000 {
            let n = dice.range(3, 10);
            assert!((3..10).contains(&n));
        }
        assert_eq!(dice.range(5, 5), 5);
        assert_eq!(dice.range(7, 2), 7);
    }

    #[test]
    fn the_same_seed_rolls_the_same_numbers() {
        let a: Vec<u32> = (0..20)
            .scan(SplitMix64::new(9), |d, _| Some(d.range(0, 100)))
            .collect();
        let b: Vec<u32> = (0..20)
            .scan(SplitMix64::new(9), |d, _| Some(d.range(0, 100)))
            .collect();
        assert_eq!(a, b);
    }
}
