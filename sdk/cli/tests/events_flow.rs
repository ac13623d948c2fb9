//! An operator's night with the event bus, through the `idempo-sdk` binary
//! against a running host: a dead letter is listed, shown and replayed
//! (once: the second replay is refused with a hint), a consumer group's lag
//! is read, and the group is reset to an offset and to a time.

mod common;

use std::process::{Command, Output};

use common::{Host, start_host};
use idempo_host::bus::{Envelope, NewDeadLetter, Position};

const TOKEN: &str = "events-flow-token";
const GAME: &str = "default";
const TOPIC: &str = "leaderboard-events";

/// Runs `idempo-sdk events <args>` against `host`, with `token`.
fn sdk(host: &Host, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_idempo-sdk"));
    command
        .arg("events")
        .args(args)
        .args(["--host", &host.url])
        .env_remove("IDEMPO_HOST")
        .env_remove("IDEMPO_OPERATOR_TOKEN");
    if let Some(token) = token {
        command.args(["--token", token]);
    }
    command.output().expect("idempo-sdk runs")
}

/// The standard output of a command that must succeed.
fn ok(host: &Host, args: &[&str]) -> String {
    let out = sdk(host, Some(TOKEN), args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "idempo-sdk events {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The standard error of a command that must fail.
fn refused(host: &Host, token: Option<&str>, args: &[&str]) -> String {
    let out = sdk(host, token, args);
    assert!(
        !out.status.success(),
        "idempo-sdk events {args:?} succeeded"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn points(seq: i64) -> Envelope {
    Envelope {
        event_id: format!("evt-{seq}"),
        event_type: "PointsScored".into(),
        schema_version: 1,
        occurred_at_ms: seq,
        correlation_id: Some(format!("corr-{seq}")),
        traceparent: None,
        key: "ann".into(),
        topic: TOPIC.into(),
        game: GAME.into(),
        payload: format!(r#"{{"player":"ann","points":{seq}}}"#),
    }
}

#[test]
fn an_operator_replays_a_dead_letter_and_rewinds_a_group_from_the_command_line() {
    let host = start_host(TOKEN);
    // Ann scores three times, appended at 1s, 2s and 3s; the rewards group
    // read all three but gave up on the second.
    let mut positions = Vec::new();
    for seq in 1..=3 {
        let at = host
            .block_on(host.bus.publish(&[points(seq)], seq * 1_000))
            .expect("published");
        positions.extend(at);
    }
    let read_at: &Position = &positions[1];
    let partition = read_at.partition;
    let id = host
        .block_on(host.bus.dead_letter(&NewDeadLetter {
            game: GAME.into(),
            consumer_group: "rewards".into(),
            position: read_at.clone(),
            envelope: points(2),
            error: "the rewards table has no row for this".into(),
            attempts: 3,
            dead_at_ms: 4_000,
        }))
        .expect("a dead letter");
    let caught_up = Position {
        offset: 3,
        ..read_at.clone()
    };
    host.block_on(host.bus.commit_offset(GAME, "rewards", &caught_up, 4_000))
        .expect("the group read all three");

    let list = ok(&host, &["dlq", "list"]);
    assert!(
        list.contains(&format!(
            "#{id}  rewards  {TOPIC}/{partition}@1  PointsScored v1"
        )),
        "{list}"
    );
    assert!(list.contains("dead 1970-01-01T00:00:04.000Z"), "{list}");
    assert!(
        list.contains("error: the rewards table has no row for this"),
        "{list}"
    );

    let shown = ok(&host, &["dlq", "show", &id.to_string()]);
    assert!(shown.contains("\"points\": 2"), "the payload: {shown}");
    assert!(shown.contains("correlation: corr-2"), "{shown}");
    assert!(shown.contains("replayed:  never"), "{shown}");

    let replayed = ok(&host, &["dlq", "replay", &id.to_string()]);
    assert!(
        replayed.contains(&format!("to {TOPIC}/{partition}@3")),
        "appended after the three: {replayed}"
    );
    let again = refused(&host, Some(TOKEN), &["dlq", "replay", &id.to_string()]);
    assert!(again.contains("already replayed"), "{again}");
    assert!(again.contains("hint:"), "{again}");
    let end = host
        .block_on(host.bus.end_offset(GAME, TOPIC, partition))
        .expect("end offset");
    assert_eq!(end, 4, "replayed once");
    let shown = ok(&host, &["dlq", "show", &id.to_string()]);
    assert!(!shown.contains("replayed:  never"), "{shown}");

    let group = ok(&host, &["group", "rewards", "--topic", TOPIC]);
    assert!(
        group.contains(&format!("partition {partition}: next 3 of 4, lag 1")),
        "the replay waits for the group: {group}"
    );

    let reset = ok(
        &host,
        &[
            "reset",
            "rewards",
            "--topic",
            TOPIC,
            "--partition",
            &partition.to_string(),
            "--to-offset",
            "0",
        ],
    );
    assert!(reset.contains("next 0 of 4, lag 4"), "{reset}");
    let next = |host: &Host| {
        host.block_on(host.bus.next_offset(GAME, "rewards", TOPIC, partition))
            .expect("next offset")
    };
    assert_eq!(next(&host), 0);

    // Back to what was appended from 2s on: the second event.
    let reset = ok(
        &host,
        &[
            "reset",
            "rewards",
            "--topic",
            TOPIC,
            "--to-time",
            "1970-01-01T00:00:02Z",
        ],
    );
    assert!(reset.contains("next 1 of 4, lag 3"), "{reset}");
    assert_eq!(next(&host), 1);
}

#[test]
fn the_command_line_explains_what_the_host_refused() {
    let host = start_host(TOKEN);
    let unknown = refused(&host, Some(TOKEN), &["dlq", "show", "999"]);
    assert!(unknown.contains("no dead letter 999"), "{unknown}");
    assert!(unknown.contains("events dlq list"), "the hint: {unknown}");

    let no_token = refused(&host, None, &["dlq", "list"]);
    assert!(no_token.contains("operator token"), "{no_token}");

    let topic = refused(
        &host,
        Some(TOKEN),
        &["reset", "rewards", "--topic", "nope", "--to", "latest"],
    );
    assert!(topic.contains("unknown topic `nope`"), "{topic}");

    let page = refused(&host, Some(TOKEN), &["dlq", "list", "--limit", "9000"]);
    assert!(page.contains("between 1 and 500"), "{page}");
}
