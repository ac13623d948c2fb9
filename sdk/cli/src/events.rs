//! `idempo-sdk events`: the operator's view of a host's event bus, over
//! the admin API's `/admin/v1/games/{game}/events` routes.
//!
//! - `events dlq list [--after N] [--limit N]`: dead letters, oldest first;
//! - `events dlq show <id>`: one dead letter, payload included;
//! - `events dlq replay <id>`: appends its event to its topic again;
//! - `events group <group> [--topic T]`: a group's offsets and lag;
//! - `events reset <group> --topic T (--to-time <RFC 3339 | unix ms> |
//!   --partition P --to-offset N | --to earliest|latest)`.
//!
//! Requests and answers are the host's own wire types
//! ([`idempo_host::admin::events`]); errors read as problem title, detail
//! and a hint ([`events_hint`]).

use clap::{ArgGroup, Args, Subcommand};
use idempo_host::admin::events::{
    DEFAULT_PAGE, Edge, GroupView, LetterDetail, LetterPage, LetterSummary, Replayed, ResetRequest,
    TopicLag,
};

use crate::admin::{AdminClient, AdminError, hint, segment};
use crate::cli::HostArgs;
use crate::timestamp::{format_ms, parse_time};

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// The dead-letter queue: events a consumer group gave up on.
    Dlq {
        #[command(subcommand)]
        command: DlqCommand,
    },
    /// A consumer group's next offset, the end of the log and the lag, per
    /// topic and partition.
    Group {
        /// The consumer group.
        group: String,
        /// Only this topic (default: every topic).
        #[arg(long)]
        topic: Option<String>,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Moves a consumer group to a time, an offset or an end of the log, so
    /// it reads again (or skips). Stop or idle its consumers first.
    Reset(ResetArgs),
}

#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Lists dead letters, oldest first.
    List {
        /// Only those after this id (the cursor the previous page printed).
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// Most to list (the host allows up to 500).
        #[arg(long, default_value_t = DEFAULT_PAGE)]
        limit: u32,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Shows one dead letter with its event's payload.
    Show {
        id: i64,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Appends a dead letter's event to its original topic again; every
    /// group of the topic reads it, those that applied it skip it.
    Replay {
        id: i64,
        #[command(flatten)]
        host: HostArgs,
    },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["to_time", "to_offset", "to"])))]
pub struct ResetArgs {
    /// The consumer group.
    pub group: String,
    /// The topic whose offsets move.
    #[arg(long)]
    pub topic: String,
    /// Every partition, to the first event appended at or after this time:
    /// RFC 3339 (2024-05-01T12:00:00Z) or Unix milliseconds.
    #[arg(long, value_parser = parse_time, allow_hyphen_values = true)]
    pub to_time: Option<i64>,
    /// The partition to move, with --to-offset.
    #[arg(long, requires = "to_offset")]
    pub partition: Option<i32>,
    /// The offset the group reads next in --partition.
    #[arg(long, requires = "partition")]
    pub to_offset: Option<i64>,
    /// Every partition, to an end of the log: earliest or latest.
    #[arg(long, value_parser = parse_edge)]
    pub to: Option<Edge>,
    #[command(flatten)]
    pub host: HostArgs,
}

fn parse_edge(text: &str) -> Result<Edge, String> {
    match text {
        "earliest" => Ok(Edge::Earliest),
        "latest" => Ok(Edge::Latest),
        _ => Err(format!(
            "`{text}` is not an end of the log: earliest or latest"
        )),
    }
}

impl ResetArgs {
    /// The request body the host expects.
    pub fn request(&self) -> ResetRequest {
        ResetRequest {
            topic: self.topic.clone(),
            to_time_ms: self.to_time,
            partition: self.partition,
            to_offset: self.to_offset,
            to: self.to,
        }
    }
}

/// What to try after an error status of the events routes.
pub fn events_hint(status: u16) -> &'static str {
    match status {
        400 | 422 => {
            "check the id, the group, the topic and the reset target you gave (see `idempo-sdk events reset --help`)"
        }
        404 => {
            "check the dead letter's id and --game; `idempo-sdk events dlq list` shows the queue"
        }
        409 => "this dead letter was replayed already; `idempo-sdk events dlq show <id>` says when",
        other => hint(other),
    }
}

impl AdminClient {
    fn events_url(&self, path: &[&str]) -> String {
        let mut full = vec!["events"];
        full.extend_from_slice(path);
        self.game_url(&full)
    }

    /// Up to `limit` dead letters after id `after`, oldest first.
    pub fn dlq_list(&self, after: i64, limit: u32) -> Result<LetterPage, AdminError> {
        let url = format!("{}?after={after}&limit={limit}", self.events_url(&["dlq"]));
        self.send_with(self.http().get(url), events_hint)
    }

    /// One dead letter, payload included.
    pub fn dlq_show(&self, id: i64) -> Result<LetterDetail, AdminError> {
        let url = self.events_url(&["dlq", &id.to_string()]);
        self.send_with(self.http().get(url), events_hint)
    }

    /// Replays a dead letter: its event is appended to its topic again.
    pub fn dlq_replay(&self, id: i64) -> Result<Replayed, AdminError> {
        let url = self.events_url(&["dlq", &id.to_string(), "replay"]);
        self.send_with(self.http().post(url), events_hint)
    }

    /// A group's offsets and lag in `topic`, or in every topic.
    pub fn group(&self, group: &str, topic: Option<&str>) -> Result<GroupView, AdminError> {
        let mut url = self.events_url(&["groups", group]);
        if let Some(topic) = topic {
            url.push_str(&format!("?topic={}", segment(topic)));
        }
        self.send_with(self.http().get(url), events_hint)
    }

    /// Resets a group; answers its new offsets in the request's topic.
    pub fn reset(&self, group: &str, request: &ResetRequest) -> Result<GroupView, AdminError> {
        let url = self.events_url(&["groups", group, "reset"]);
        self.send_with(self.http().post(url).json(request), events_hint)
    }
}

/// Runs one `events` command and prints its answer.
pub fn run(command: EventsCommand) -> anyhow::Result<()> {
    let text = match command {
        EventsCommand::Dlq { command } => match command {
            DlqCommand::List { after, limit, host } => {
                render_page(&host.client()?.dlq_list(after, limit)?, after)
            }
            DlqCommand::Show { id, host } => render_letter(&host.client()?.dlq_show(id)?),
            DlqCommand::Replay { id, host } => render_replayed(&host.client()?.dlq_replay(id)?),
        },
        EventsCommand::Group { group, topic, host } => {
            render_group(&host.client()?.group(&group, topic.as_deref())?)
        }
        EventsCommand::Reset(args) => {
            let view = args.host.client()?.reset(&args.group, &args.request())?;
            format!("reset {}\n{}", args.group, render_group(&view))
        }
    };
    println!("{text}");
    Ok(())
}

fn letter_line(d: &LetterSummary) -> String {
    let mut line = format!(
        "#{}  {}  {}/{}@{}  {} v{}  key {}  attempts {}  dead {}",
        d.id,
        d.consumer_group,
        d.topic,
        d.partition,
        d.offset,
        d.event_type,
        d.schema_version,
        d.key,
        d.attempts,
        format_ms(d.dead_at_ms)
    );
    if let Some(at) = d.replayed_at_ms {
        line.push_str(&format!("  replayed {}", format_ms(at)));
    }
    line
}

/// `dlq list`'s lines: one per letter and its error, then the next page.
pub fn render_page(page: &LetterPage, after: i64) -> String {
    if page.dead_letters.is_empty() {
        return match after {
            0 => format!("game {} has no dead letters", page.game),
            _ => format!("game {} has no dead letters after #{after}", page.game),
        };
    }
    let mut out = format!("dead letters of game {}, oldest first:\n", page.game);
    for d in &page.dead_letters {
        out.push_str(&format!("{}\n    error: {}\n", letter_line(d), d.error));
    }
    match page.next_after {
        Some(next) => out.push_str(&format!(
            "more: idempo-sdk events dlq list --after {next} --game {}",
            page.game
        )),
        None => {
            out.pop();
        }
    }
    out
}

/// `dlq show`'s text: where it was read, why it died, the payload.
pub fn render_letter(letter: &LetterDetail) -> String {
    let d = &letter.summary;
    let e = &letter.envelope;
    let replayed = d
        .replayed_at_ms
        .map_or_else(|| "never".to_owned(), format_ms);
    // A payload that is JSON prints indented; one that is not (maybe the
    // very reason it died) prints as it is.
    let payload = serde_json::from_str::<serde_json::Value>(&e.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| e.payload.clone());
    let mut out = format!(
        "dead letter #{} of game {}\n\
         group:     {}\n\
         read at:   {}/{}@{}\n\
         event:     {} ({} v{}, key {})\n\
         occurred:  {}\n\
         dead at:   {} after {} attempt(s)\n\
         replayed:  {replayed}\n\
         error:     {}\n",
        d.id,
        e.game,
        d.consumer_group,
        d.topic,
        d.partition,
        d.offset,
        d.event_id,
        d.event_type,
        d.schema_version,
        d.key,
        format_ms(e.occurred_at_ms),
        format_ms(d.dead_at_ms),
        d.attempts,
        d.error,
    );
    if let Some(c) = &e.correlation_id {
        out.push_str(&format!("correlation: {c}\n"));
    }
    if let Some(t) = &e.traceparent {
        out.push_str(&format!("traceparent: {t}\n"));
    }
    out.push_str("payload:\n");
    for line in payload.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.pop();
    out
}

/// `dlq replay`'s line.
pub fn render_replayed(r: &Replayed) -> String {
    format!(
        "replayed dead letter #{} (event {}) to {}/{}@{}; groups that already applied it skip it",
        r.id, r.event_id, r.position.topic, r.position.partition, r.position.offset
    )
}

fn render_topic(t: &TopicLag, out: &mut String) {
    let read: Vec<_> = t
        .partitions
        .iter()
        .filter(|p| p.end_offset > 0 || p.next_offset > 0)
        .collect();
    if read.is_empty() {
        out.push_str(&format!("  {}: nothing appended\n", t.topic));
        return;
    }
    out.push_str(&format!("  {}: lag {}\n", t.topic, t.lag));
    for p in read {
        out.push_str(&format!(
            "    partition {}: next {} of {}, lag {}\n",
            p.partition, p.next_offset, p.end_offset, p.lag
        ));
    }
}

/// `group`'s and `reset`'s text: per topic, the partitions with events.
pub fn render_group(view: &GroupView) -> String {
    let mut out = format!(
        "group {} of game {}: lag {}\n",
        view.group, view.game, view.lag
    );
    for t in &view.topics {
        render_topic(t, &mut out);
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use idempo_host::admin::events::PartitionLag;
    use idempo_host::bus::{Envelope, Position};

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Result<EventsCommand, clap::Error> {
        let mut full = vec!["idempo-sdk", "events"];
        full.extend_from_slice(args);
        match Cli::try_parse_from(full)?.command {
            Command::Events { command } => Ok(command),
            other => panic!("parsed as {other:?}"),
        }
    }

    fn reset(args: &[&str]) -> Result<ResetRequest, clap::Error> {
        match parse(args)? {
            EventsCommand::Reset(r) => Ok(r.request()),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn a_reset_takes_one_target() {
        let r = reset(&[
            "reset",
            "live",
            "--topic",
            "match-events",
            "--to-time",
            "2024-01-01T00:00:00Z",
        ])
        .unwrap();
        assert_eq!(r.to_time_ms, Some(1_704_067_200_000));
        let r = reset(&[
            "reset",
            "live",
            "--topic",
            "match-events",
            "--to-time",
            "1704067200000",
        ])
        .unwrap();
        assert_eq!(r.to_time_ms, Some(1_704_067_200_000));
        let r = reset(&[
            "reset",
            "live",
            "--topic",
            "t",
            "--partition",
            "2",
            "--to-offset",
            "0",
        ])
        .unwrap();
        assert_eq!((r.partition, r.to_offset), (Some(2), Some(0)));
        let r = reset(&["reset", "live", "--topic", "t", "--to", "earliest"]).unwrap();
        assert_eq!(r.to, Some(Edge::Earliest));
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({ "topic": "t", "to": "earliest" }),
            "only what was given is sent"
        );
    }

    #[test]
    fn a_reset_without_a_target_or_with_two_is_refused() {
        for args in [
            &["reset", "live", "--topic", "t"][..],
            &["reset", "live", "--topic", "t", "--to-offset", "3"],
            &["reset", "live", "--topic", "t", "--partition", "1"],
            &[
                "reset",
                "live",
                "--topic",
                "t",
                "--to",
                "latest",
                "--to-time",
                "5",
            ],
            &["reset", "live", "--topic", "t", "--to", "middle"],
            &["reset", "live", "--topic", "t", "--to-time", "yesterday"],
            &["reset", "live", "--to", "latest"],
        ] {
            assert!(reset(args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn dlq_list_pages_from_the_start_by_default() {
        match parse(&["dlq", "list", "--game", "arena"]).unwrap() {
            EventsCommand::Dlq {
                command: DlqCommand::List { after, limit, host },
            } => {
                assert_eq!((after, limit, host.game.as_str()), (0, 50, "arena"));
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn urls_follow_the_events_routes() {
        let c = AdminClient::new("http://h:1", None, "default").unwrap();
        assert_eq!(
            c.events_url(&["groups", "a b", "reset"]),
            "http://h:1/admin/v1/games/default/events/groups/a%20b/reset"
        );
    }

    fn summary() -> LetterSummary {
        LetterSummary {
            id: 3,
            consumer_group: "rewards".into(),
            topic: "leaderboard-events".into(),
            partition: 2,
            offset: 0,
            event_id: "e1".into(),
            event_type: "PointsScored".into(),
            schema_version: 1,
            key: "bob".into(),
            error: "no row".into(),
            attempts: 3,
            dead_at_ms: 0,
            replayed_at_ms: None,
        }
    }

    #[test]
    fn a_page_shows_each_letter_its_error_and_the_next_page() {
        let page = LetterPage {
            game: "default".into(),
            dead_letters: vec![summary()],
            next_after: Some(3),
        };
        let text = render_page(&page, 0);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].starts_with("#3  rewards  leaderboard-events/2@0  PointsScored v1"),
            "{text}"
        );
        assert_eq!(lines[2], "    error: no row");
        assert!(lines[3].contains("--after 3"), "{text}");
        let empty = LetterPage {
            dead_letters: vec![],
            next_after: None,
            ..page
        };
        assert_eq!(render_page(&empty, 0), "game default has no dead letters");
    }

    #[test]
    fn a_letter_shows_its_payload_indented() {
        let letter = LetterDetail {
            summary: summary(),
            envelope: Envelope {
                event_id: "e1".into(),
                event_type: "PointsScored".into(),
                schema_version: 1,
                occurred_at_ms: 0,
                correlation_id: None,
                traceparent: None,
                key: "bob".into(),
                topic: "leaderboard-events".into(),
                game: "default".into(),
                payload: r#"{"points":7}"#.into(),
            },
        };
        let text = render_letter(&letter);
        assert!(text.contains("replayed:  never"), "{text}");
        assert!(
            text.ends_with("payload:\n  {\n    \"points\": 7\n  }"),
            "{text}"
        );
        let r = Replayed {
            id: 3,
            event_id: "e1".into(),
            replayed_at_ms: 1,
            position: Position {
                topic: "leaderboard-events".into(),
                partition: 2,
                offset: 5,
            },
        };
        assert!(render_replayed(&r).contains("to leaderboard-events/2@5"));
    }

    #[test]
    fn a_group_shows_only_partitions_with_events() {
        let lag = |partition, next_offset, end_offset| PartitionLag {
            partition,
            next_offset,
            end_offset,
            lag: end_offset - next_offset,
        };
        let view = GroupView {
            game: "default".into(),
            group: "live".into(),
            lag: 4,
            topics: vec![
                TopicLag {
                    topic: "leaderboard-events".into(),
                    lag: 4,
                    partitions: vec![lag(0, 0, 0), lag(1, 2, 6)],
                },
                TopicLag {
                    topic: "match-events".into(),
                    lag: 0,
                    partitions: vec![lag(0, 0, 0)],
                },
            ],
        };
        assert_eq!(
            render_group(&view),
            "group live of game default: lag 4\n  leaderboard-events: lag 4\n    partition 1: next 2 of 6, lag 4\n  match-events: nothing appended"
        );
    }

    #[test]
    fn a_404_points_at_the_queue() {
        assert!(events_hint(404).contains("events dlq list"));
        assert!(events_hint(401).contains("operator token"));
    }
}
