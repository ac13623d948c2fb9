//! Geometry of the arena: cells, steps, distances, the zone.

use crate::types::{Direction, MatchConfig, Pos, Zone};

impl Pos {
    pub const fn new(x: i32, y: i32) -> Self {
        Pos { x, y }
    }

    /// The neighbouring cell in `direction` (north is `y - 1`).
    pub fn step(self, direction: Direction) -> Pos {
        let (dx, dy) = direction.delta();
        Pos {
            x: self.x.saturating_add(dx),
            y: self.y.saturating_add(dy),
        }
    }

    /// Chebyshev distance: the number of king moves between two cells, so
    /// the eight neighbours are at distance 1.
    pub fn chebyshev(self, other: Pos) -> u32 {
        self.x.abs_diff(other.x).max(self.y.abs_diff(other.y))
    }
}

impl Direction {
    /// `(dx, dy)` of one step.
    pub const fn delta(self) -> (i32, i32) {
        match self {
            Direction::North => (0, -1),
            Direction::South => (0, 1),
            Direction::East => (1, 0),
            Direction::West => (-1, 0),
        }
    }
}

impl Zone {
    /// True when `pos` is inside the safe area.
    pub fn contains(&self, pos: Pos) -> bool {
        self.center.chebyshev(pos) <= self.radius
    }

    /// The zone of a fresh arena: centred, covering every cell.
    pub fn covering(config: &MatchConfig) -> Zone {
        let center = Pos::new((config.width / 2) as i32, (config.height / 2) as i32);
        let reach_x = (config.width / 2).max(config.width.saturating_sub(1) - config.width / 2);
        let reach_y = (config.height / 2).max(config.height.saturating_sub(1) - config.height / 2);
        Zone {
            center,
            radius: reach_x.max(reach_y),
        }
    }
}

/// True when `pos` is a cell of the arena.
pub fn in_arena(config: &MatchConfig, pos: Pos) -> bool {
    pos.x >= 0 && pos.y >= 0 && (pos.x as u32) < config.width && (pos.y as u32) < config.height
}

/// Every cell of the arena, row by row (north first).
pub fn cells(config: &MatchConfig) -> impl Iterator<Item = Pos> + '_ {
    (0..config.height as i32)
        .flat_map(move |y| (0..config.width as i32).map(move |x| Pos::new(x, y)))
}

/// The ring one cell in from the edge, clockwise from its north-west
/// corner. Spawns are spread along it. Empty for arenas under 4 cells a side.
pub fn spawn_ring(config: &MatchConfig) -> Vec<Pos> {
    let (w, h) = (config.width as i32, config.height as i32);
    if w < 4 || h < 4 {
        return Vec::new();
    }
    let (left, top, right, bottom) = (1, 1, w - 2, h - 2);
    let mut ring = Vec::with_capacity((2 * (right - left + bottom - top)) as usize);
    ring.extend((left..right).map(|x| Pos::new(x, top)));
    ring.extend((top..bottom).map(|y| Pos::new(right, y)));
    ring.extend((left + 1..=right).rev().map(|x| Pos::new(x, bottom)));
    ring.extend((top + 1..=bottom).rev().map(|y| Pos::new(left, y)));
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(width: u32, height: u32) -> MatchConfig {
        MatchConfig {
            width,
            height,
            duration_ms: 1,
            tick_ms: 1,
            initial_resources: 0,
        }
    }

    #[test]
    fn the_eight_neighbours_are_one_step_away() {
        let me = Pos::new(5, 5);
        for (dx, dy) in [
            (-1, -1),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ] {
            assert_eq!(me.chebyshev(Pos::new(5 + dx, 5 + dy)), 1);
        }
        assert_eq!(me.chebyshev(Pos::new(7, 4)), 2);
    }

    #[test]
    fn north_is_up_the_grid() {
        assert_eq!(Pos::new(3, 3).step(Direction::North), Pos::new(3, 2));
        assert_eq!(Pos::new(3, 3).step(Direction::East), Pos::new(4, 3));
    }

    #[test]
    fn a_fresh_zone_covers_the_whole_arena() {
        for (w, h) in [(12, 12), (5, 9), (4, 4), (64, 7)] {
            let c = config(w, h);
            let zone = Zone::covering(&c);
            assert!(cells(&c).all(|p| zone.contains(p)), "{w}x{h}");
        }
    }

    #[test]
    fn the_spawn_ring_runs_once_around_inside_the_edge() {
        let c = config(12, 12);
        let ring = spawn_ring(&c);
        assert_eq!(ring.len(), 36);
        let mut unique = ring.clone();
        unique.sort_by_key(|p| (p.x, p.y));
        unique.dedup();
        assert_eq!(unique.len(), ring.len());
        assert!(ring.iter().all(|p| in_arena(&c, *p)
            && p.x >= 1
            && p.x <= 10
            && p.y >= 1
            && p.y <= 10));
        assert!(ring.windows(2).all(|w| w[0].chebyshev(w[1]) == 1));
        assert_eq!(spawn_ring(&config(4, 4)).len(), 4);
    }
}
