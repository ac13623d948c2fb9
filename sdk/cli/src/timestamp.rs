//! Times on the command line: Unix milliseconds, or RFC 3339
//! (`2024-05-01T12:00:00Z`, `2024-05-01T14:00:00.250+02:00`), and back to
//! RFC 3339 in UTC for what the CLI prints. Proleptic Gregorian calendar,
//! no leap seconds, like the host's clocks.

/// Milliseconds of a day.
const DAY_MS: i64 = 86_400_000;

/// Reads `text` as Unix milliseconds (digits) or an RFC 3339 timestamp.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if !text.is_empty()
        && text
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return text
            .parse()
            .map_err(|_| format!("`{text}` is out of range for Unix milliseconds"));
    }
    parse_rfc3339(text).ok_or_else(|| {
        format!(
            "`{text}` is neither Unix milliseconds nor an RFC 3339 time such as 2024-05-01T12:00:00Z"
        )
    })
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn parse_rfc3339(text: &str) -> Option<i64> {
    let (date, rest) = text.split_at_checked(10)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let year = number(date.get(0..4)?, 4)?;
    let month = number(date.get(5..7)?, 2)?;
    let day = number(date.get(8..10)?, 2)?;
    if date.get(4..5) != Some("-") || date.get(7..8) != Some("-") {
        return None;
    }
    let (clock, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => rest.split_at(at),
        None => return None,
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.split(':');
    let hour = number(parts.next()?, 2)?;
    let minute = number(parts.next()?, 2)?;
    let second = number(parts.next()?, 2)?;
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Milliseconds: the first three digits of the fraction, padded.
    let millis = format!("{fraction:0<3}").get(0..3)?.parse::<i64>().ok()?;
    let offset_ms = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone.get(1..)?.split_once(':')?;
            let (h, m) = (number(h, 2)?, number(m, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3_600_000 + m * 60_000)
        }
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let clock_ms = ((hour * 60 + minute) * 60 + second) * 1_000 + millis;
    Some(days_from_civil(year, month, day) * DAY_MS + clock_ms - offset_ms)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of days since 1970-01-01 (the inverse of the above).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix milliseconds as RFC 3339 in UTC, to the millisecond.
pub fn format_ms(ms: i64) -> String {
    let (days, in_day) = (ms.div_euclid(DAY_MS), ms.rem_euclid(DAY_MS));
    let (year, month, day) = civil_from_days(days);
    let (secs, millis) = (in_day / 1_000, in_day % 1_000);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_and_rfc3339_both_read() {
        assert_eq!(parse_time("1704067200000"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("2024-01-01T00:00:00Z"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_time("2000-02-29T12:34:56.789+02:00"),
            Ok(951_820_496_789)
        );
        assert_eq!(parse_time("1969-12-31T23:59:59.5Z"), Ok(-500));
        assert_eq!(
            parse_time("2038-01-19 03:14:08-05:30"),
            Ok(2_147_503_448_000)
        );
        assert_eq!(
            parse_time("2024-01-01t00:00:00.123456z"),
            Ok(1_704_067_200_123)
        );
    }

    #[test]
    fn a_bad_time_says_what_is_expected() {
        for bad in [
            "",
            "yesterday",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01",
            "2024-01-01T00:00:00+2",
            "99999999999999999999",
        ] {
            let e = parse_time(bad).unwrap_err();
            assert!(
                e.contains("RFC 3339") || e.contains("out of range"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn times_print_as_utc_and_read_back() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(951_820_496_789), "2000-02-29T10:34:56.789Z");
        assert_eq!(format_ms(-500), "1969-12-31T23:59:59.500Z");
        for ms in [
            0,
            1,
            -1,
            951_820_496_789,
            4_102_444_800_000,
            -62_135_596_800_000,
        ] {
            assert_eq!(parse_time(&format_ms(ms)), Ok(ms), "{ms}");
        }
    }
}
