//! Tournament days: a tournament is the UTC date it is played on. Its id is
//! the date, `YYYY-MM-DD`; the day runs from 00:00:00.000 UTC for
//! 86 400 000 ms, and the rules place the tournament's opening, entry
//! cut-off and end within it as offsets from its start. The instant of
//! anything (an entry, a match's end, a level-up) belongs to the day whose
//! start is the latest at or before it.
//!
//! Civil dates from day numbers and back, after Howard Hinnant's
//! `days_from_civil` and `civil_from_days` (proleptic Gregorian calendar),
//! for days 0000-03-01 to 9999-12-31.

use std::fmt;
use std::str::FromStr;

use crate::runtime::bindings::tournament_api;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
/// The first and last day the host names (0000-03-01, 9999-12-31).
const FIRST_DAY: i64 = -719_468;
const LAST_DAY: i64 = 2_932_896;

/// One UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    /// Days since 1970-01-01.
    epoch_day: i64,
}

impl Day {
    /// The day `at_ms` (Unix milliseconds) falls in.
    pub fn of(at_ms: i64) -> Self {
        Self {
            epoch_day: at_ms.div_euclid(DAY_MS).clamp(FIRST_DAY, LAST_DAY),
        }
    }

    pub fn epoch_day(self) -> i64 {
        self.epoch_day
    }

    /// 00:00 UTC of the day, Unix milliseconds.
    pub fn start_ms(self) -> i64 {
        self.epoch_day * DAY_MS
    }

    /// The next day.
    pub fn next(self) -> Self {
        Self {
            epoch_day: (self.epoch_day + 1).min(LAST_DAY),
        }
    }

    /// ISO 8601 weekday: 1 is Monday, 7 is Sunday (1970-01-01 was a
    /// Thursday).
    pub fn weekday(self) -> u8 {
        // In 1..=7, so it fits.
        ((self.epoch_day + 3).rem_euclid(7) + 1) as u8
    }

    /// (year, month, day of month).
    pub fn civil(self) -> (i64, u32, u32) {
        let z = self.epoch_day + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d)
    }

    /// The day as the tournament component reads it.
    pub fn wit(self) -> tournament_api::Day {
        tournament_api::Day {
            date: self.to_string(),
            epoch_day: self.epoch_day,
            weekday: self.weekday(),
        }
    }
}

/// `at_ms` as an RFC 3339 UTC instant to the second, e.g.
/// `2026-05-01T12:00:00Z`, for messages.
pub fn instant(at_ms: i64) -> String {
    let day = Day::of(at_ms);
    let secs = (at_ms - day.start_ms()).clamp(0, DAY_MS - 1) / 1_000;
    format!(
        "{day}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Day {
    type Err = String;

    /// `YYYY-MM-DD`, a real date from 0000-03-01 to 9999-12-31.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a date: a tournament is named YYYY-MM-DD");
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(bad());
        }
        let y: i64 = text[..4].parse().map_err(|_| bad())?;
        let m: u32 = text[5..7].parse().map_err(|_| bad())?;
        let d: u32 = text[8..].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&m) || d == 0 {
            return Err(bad());
        }
        let yy = y - i64::from(m <= 2);
        let era = yy.div_euclid(400);
        let yoe = yy.rem_euclid(400);
        let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
        let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let epoch_day = era * 146_097 + doe - 719_468;
        let day = Self { epoch_day };
        // A day past the month's end (02-30) comes back as another date.
        if !(FIRST_DAY..=LAST_DAY).contains(&epoch_day) || day.civil() != (y, m, d) {
            return Err(bad());
        }
        Ok(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_belongs_to_the_utc_date_whose_midnight_is_at_or_before_it() {
        assert_eq!(Day::of(0).to_string(), "1970-01-01");
        assert_eq!(Day::of(DAY_MS - 1).to_string(), "1970-01-01");
        assert_eq!(Day::of(DAY_MS).to_string(), "1970-01-02");
        assert_eq!(Day::of(-1).to_string(), "1969-12-31");
        // 2023-11-14T22:13:20Z
        let day = Day::of(1_700_000_000_000);
        assert_eq!(day.to_string(), "2023-11-14");
        assert_eq!(day.start_ms(), 1_699_920_000_000);
        assert_eq!(day.weekday(), 2, "a Tuesday");
        assert_eq!(day.next().to_string(), "2023-11-15");
        assert_eq!(Day::of(0).weekday(), 4, "1970-01-01 was a Thursday");
        assert_eq!(instant(day.start_ms() + 43_200_000), "2023-11-14T12:00:00Z");
        assert_eq!(instant(day.start_ms() + 86_340_999), "2023-11-14T23:59:00Z");
    }

    #[test]
    fn a_date_reads_back_to_its_day_and_impossible_dates_are_refused() {
        for text in [
            "2024-02-29",
            "2000-02-29",
            "1999-12-31",
            "2026-05-01",
            "0001-01-01",
        ] {
            let day: Day = text.parse().expect(text);
            assert_eq!(day.to_string(), text);
        }
        let day: Day = "2026-05-01".parse().unwrap();
        assert_eq!((day.epoch_day(), day.weekday()), (20_574, 5));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "24-01-01",
            "2024/01/01",
            "2024-1-01",
            "+024-01-01",
            "",
            "2024-01-01T00:00",
        ] {
            assert!(bad.parse::<Day>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        let start: Day = "1900-01-01".parse().unwrap();
        for n in 0..146_097 {
            let day = Day {
                epoch_day: start.epoch_day + n,
            };
            assert_eq!(day.to_string().parse::<Day>(), Ok(day));
        }
    }
}
