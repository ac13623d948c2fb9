//! Partial matching of an expected JSON value against an actual one.
//!
//! A scenario says only what it cares about:
//! - an expected object matches when each of its keys exists in the actual
//!   object and matches there; other actual keys are ignored;
//! - an expected array matches when its elements match, in order, a
//!   subsequence of the actual array (so `[]` matches any array, and
//!   `[{"Died":"bob"}]` asks that bob died, whatever else happened);
//! - scalars must be equal, numbers as JSON numbers (`1` equals `1.0`).
//!
//! A mismatch names the JSON path in expected terms
//! (`steps[2].expect.effects[0].Moved.player`), what was expected and what
//! was there.

use std::fmt;

use serde_json::Value;

/// Longest rendering of a value inside a message, in characters.
const MAX_VALUE_CHARS: usize = 200;

/// Where and how an actual value differs from the expected one.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// JSON path of the expected value that did not match.
    pub path: String,
    pub expected: Value,
    /// The actual value at `path`; `None` when there is nothing there.
    pub actual: Option<Value>,
    /// Why, when "expected X, got Y" is not the whole story.
    pub note: Option<String>,
    /// How many path segments below the root; picks the closest candidate
    /// when no element of an array matches.
    depth: usize,
}

impl Mismatch {
    /// Deeper is closer; at the same depth, a differing value is closer than
    /// a missing one.
    fn closeness(&self) -> usize {
        self.depth * 2 + usize::from(self.actual.is_some())
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got ",
            self.path,
            render(&self.expected)
        )?;
        match &self.actual {
            Some(actual) => write!(f, "{}", render(actual))?,
            None => f.write_str("nothing")?,
        }
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}

/// Checks that `actual` contains `expected`, as described in the module
/// doc. `root` names the expected value in messages, e.g. `steps[1].expect`.
pub fn check(expected: &Value, actual: &Value, root: &str) -> Result<(), Mismatch> {
    check_at(expected, actual, root, 0)
}

fn check_at(expected: &Value, actual: &Value, path: &str, depth: usize) -> Result<(), Mismatch> {
    let mismatch = |note: Option<String>| Mismatch {
        path: path.to_owned(),
        expected: expected.clone(),
        actual: Some(actual.clone()),
        note,
        depth,
    };
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, want_value) in want {
                let key_path = join_key(path, key);
                match have.get(key) {
                    Some(have_value) => check_at(want_value, have_value, &key_path, depth + 1)?,
                    None => {
                        let mut keys: Vec<&str> = have.keys().map(String::as_str).collect();
                        keys.sort_unstable();
                        return Err(Mismatch {
                            path: key_path,
                            expected: want_value.clone(),
                            actual: None,
                            note: Some(if keys.is_empty() {
                                "the actual object is empty".to_owned()
                            } else {
                                format!("the actual object has {}", keys.join(", "))
                            }),
                            depth: depth + 1,
                        });
                    }
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(have)) => check_subsequence(want, have, path, depth),
        (Value::Number(want), Value::Number(have)) => {
            if numbers_equal(want, have) {
                Ok(())
            } else {
                Err(mismatch(None))
            }
        }
        _ if expected == actual => Ok(()),
        _ => Err(mismatch(None)),
    }
}

/// Matches each expected element against the first actual element, after
/// the previous match, that it matches. Taking the earliest match never
/// loses a subsequence that exists, so this finds one if there is one.
fn check_subsequence(
    want: &[Value],
    have: &[Value],
    path: &str,
    depth: usize,
) -> Result<(), Mismatch> {
    let mut next = 0;
    for (i, want_item) in want.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        let mut closest: Option<(usize, Mismatch)> = None;
        let mut found = None;
        for (j, have_item) in have.iter().enumerate().skip(next) {
            match check_at(want_item, have_item, &item_path, depth + 1) {
                Ok(()) => {
                    found = Some(j);
                    break;
                }
                Err(m) => {
                    if closest
                        .as_ref()
                        .is_none_or(|(_, c)| m.closeness() > c.closeness())
                    {
                        closest = Some((j, m));
                    }
                }
            }
        }
        match (found, closest) {
            (Some(j), _) => next = j + 1,
            (None, Some((j, mut m))) => {
                let order = if next == 0 {
                    String::new()
                } else {
                    format!(" at or after index {next}")
                };
                let closest = if m.depth > depth + 1 {
                    format!("; closest is actual element {j}")
                } else {
                    String::new()
                };
                let reason = format!("no element of the actual array{order} matches{closest}");
                m.note = Some(match m.note {
                    Some(inner) => format!("{inner}; {reason}"),
                    None => reason,
                });
                return Err(m);
            }
            (None, None) => {
                let note = if have.is_empty() {
                    "the actual array is empty".to_owned()
                } else {
                    format!(
                        "the actual array has {} elements, all used by earlier expected elements; \
                         expected elements match in order",
                        have.len()
                    )
                };
                return Err(Mismatch {
                    path: item_path,
                    expected: want_item.clone(),
                    actual: None,
                    note: Some(note),
                    depth: depth + 1,
                });
            }
        }
    }
    Ok(())
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// `path.key`, or `path["odd key"]` when the key is not a plain identifier.
fn join_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_owned()))
    }
}

/// A value as compact JSON, cut to [`MAX_VALUE_CHARS`].
pub fn render(value: &Value) -> String {
    truncate(&value.to_string(), MAX_VALUE_CHARS)
}

/// `text`, cut to `max` characters with an ellipsis.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn mismatch(expected: Value, actual: Value) -> Mismatch {
        check(&expected, &actual, "steps[2].expect").expect_err("should not match")
    }

    #[test]
    fn an_expectation_that_names_only_hp_ignores_every_other_field() {
        let actual = json!({ "id": "ann", "hp": 100, "pos": {"x": 1, "y": 2}, "alive": true });
        assert!(check(&json!({ "hp": 100 }), &actual, "e").is_ok());
    }

    #[test]
    fn a_move_by_the_wrong_player_is_reported_at_the_path_of_the_player() {
        let actual = json!({
            "verdict": "Accepted",
            "effects": [ { "Moved": { "player": "bob", "from": {"x":0,"y":0}, "to": {"x":0,"y":1} } } ],
        });
        let m = mismatch(
            json!({ "effects": [ { "Moved": { "player": "ann" } } ] }),
            actual,
        );
        assert_eq!(m.path, "steps[2].expect.effects[0].Moved.player");
        assert!(
            m.to_string().starts_with(
                r#"steps[2].expect.effects[0].Moved.player: expected "ann", got "bob""#
            ),
            "{m}"
        );
    }

    #[test]
    fn expected_effects_may_skip_the_ones_the_scenario_does_not_care_about() {
        let actual = json!([ {"Moved": {"player": "ann"}}, {"Damaged": {"target": "bob"}}, {"Died": "bob"} ]);
        assert!(check(&json!([ {"Died": "bob"} ]), &actual, "e").is_ok());
        assert!(check(&json!([ {"Moved": {}}, {"Died": "bob"} ]), &actual, "e").is_ok());
        assert!(check(&json!([]), &actual, "e").is_ok());
    }

    #[test]
    fn expected_effects_must_happen_in_the_order_given() {
        let actual = json!([ {"Moved": {"player": "ann"}}, {"Died": "bob"} ]);
        let m = mismatch(
            json!([ {"Died": "bob"}, {"Moved": {"player": "ann"}} ]),
            actual,
        );
        assert_eq!(m.path, "steps[2].expect[1]");
        assert!(
            m.to_string().contains("used by earlier expected elements"),
            "{m}"
        );
    }

    #[test]
    fn a_death_that_never_happened_points_at_the_closest_effect() {
        let actual = json!([ {"Moved": {"player": "ann"}}, {"Died": "carl"} ]);
        let m = mismatch(json!([ {"Died": "bob"} ]), actual);
        assert_eq!(m.path, "steps[2].expect[0].Died");
        assert_eq!(m.actual, Some(json!("carl")));
        assert!(m.to_string().contains("closest is actual element 1"), "{m}");
    }

    #[test]
    fn an_effect_expected_of_a_quiet_tick_says_the_array_is_empty() {
        let m = mismatch(
            json!({ "effects": [ {"ZoneShrunk": {}} ] }),
            json!({ "effects": [] }),
        );
        assert_eq!(m.path, "steps[2].expect.effects[0]");
        assert_eq!(m.actual, None);
        assert!(
            m.to_string()
                .contains("got nothing (the actual array is empty)"),
            "{m}"
        );
    }

    #[test]
    fn a_missing_field_is_named_with_the_fields_that_are_there() {
        let m = mismatch(
            json!({ "state": { "tick": 1 } }),
            json!({ "state": { "ticks": 1, "now_ms": 2000 } }),
        );
        assert_eq!(m.path, "steps[2].expect.state.tick");
        assert_eq!(
            m.to_string(),
            "steps[2].expect.state.tick: expected 1, got nothing (the actual object has now_ms, ticks)"
        );
    }

    #[test]
    fn a_rejection_does_not_match_an_expected_acceptance() {
        let m = mismatch(
            json!({ "verdict": "Accepted" }),
            json!({ "verdict": { "Rejected": "out of range" } }),
        );
        assert_eq!(
            m.to_string(),
            r#"steps[2].expect.verdict: expected "Accepted", got {"Rejected":"out of range"}"#
        );
    }

    #[test]
    fn numbers_compare_as_numbers_not_as_spellings() {
        assert!(check(&json!(100), &json!(100.0), "e").is_ok());
        assert!(check(&json!(-3), &json!(-3), "e").is_ok());
        assert!(check(&json!(u64::MAX), &json!(u64::MAX), "e").is_ok());
        assert!(check(&json!(1), &json!(2), "e").is_err());
        assert!(check(&json!(1), &json!("1"), "e").is_err());
    }

    #[test]
    fn a_finished_step_can_expect_the_match_to_go_on() {
        assert!(check(&Value::Null, &Value::Null, "e").is_ok());
        let m = mismatch(Value::Null, json!({ "match_id": "m1" }));
        assert_eq!(m.path, "steps[2].expect");
    }

    #[test]
    fn keys_that_are_not_identifiers_are_quoted_in_the_path() {
        let m = mismatch(json!({ "gold coins": 3 }), json!({ "gold coins": 4 }));
        assert_eq!(m.path, r#"steps[2].expect["gold coins"]"#);
    }

    #[test]
    fn long_actual_values_are_cut_in_messages() {
        let long = "x".repeat(1000);
        let m = mismatch(json!("short"), json!(long));
        assert!(m.to_string().chars().count() < 300, "{m}");
        assert!(m.to_string().ends_with('…'));
    }
}
