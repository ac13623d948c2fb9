//! A client of the host's admin API (`/admin/v1`), for `publish`, `list`,
//! `activate` and `rollback` (here) and `events` ([`crate::events`]).
//!
//! Every request carries the operator token as `Authorization: Bearer`. The
//! host answers errors as `application/problem+json`; an [`AdminError`]
//! prints them as `title: detail` with what to try next, as the caller's
//! area of the API ([`Hints`]) says.

use std::fmt;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::CONTENT_TYPE;
use semver::Version;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use idempo_host::runtime::World;

/// The host a fresh checkout runs.
pub const DEFAULT_HOST: &str = "http://127.0.0.1:8080";
/// How long to wait for a connection, in seconds.
const CONNECT_TIMEOUT_SECS: u64 = 5;
/// How long one request may take, in seconds; an upload is compiled before
/// the host answers.
const REQUEST_TIMEOUT_SECS: u64 = 300;

/// Where the admin API is and who is calling.
#[derive(Debug, Clone)]
pub struct AdminClient {
    host: String,
    token: Option<String>,
    game: String,
    http: Client,
}

/// The host's answer to an upload: its load report, and the activation if
/// the upload made the version active.
#[derive(Debug, Clone, Deserialize)]
pub struct Uploaded {
    pub name: String,
    pub version: Version,
    pub world: World,
    #[serde(default)]
    pub hash: String,
    #[serde(default)]
    pub origin: String,
    /// False when this exact content was already loaded.
    #[serde(default)]
    pub new: bool,
    #[serde(default)]
    pub activation: Option<Activation>,
    #[serde(default)]
    pub activated: Option<Activation>,
}

/// A change of a component's active version.
#[derive(Debug, Clone, Deserialize)]
pub struct Activation {
    pub component: String,
    #[serde(default)]
    pub kind: String,
    pub from: Option<Version>,
    pub to: Version,
    #[serde(default)]
    pub by: String,
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self
            .from
            .as_ref()
            .map_or_else(|| "(none)".to_owned(), Version::to_string);
        write!(f, "{}: {from} -> {}", self.component, self.to)?;
        let how = match self.kind.as_str() {
            "rollback" => "rolled back",
            _ => "activated",
        };
        if !self.by.is_empty() {
            write!(f, " ({how} by {})", self.by)?;
        }
        Ok(())
    }
}

/// One component of a game, as `GET .../components` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct ComponentSummary {
    pub name: String,
    pub world: World,
    pub active: Option<Version>,
    #[serde(default)]
    pub versions: Vec<VersionSummary>,
}

/// One loaded version of a component.
#[derive(Debug, Clone, Deserialize)]
pub struct VersionSummary {
    pub version: Version,
    #[serde(default)]
    pub hash: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub calls: u64,
    /// Failures by kind (`{"trap": 2}`), or a plain count.
    #[serde(default)]
    pub failures: Value,
    #[serde(default)]
    pub fuel_used: u64,
    #[serde(default)]
    pub breaker: Value,
}

impl VersionSummary {
    /// Failures in all: a count, or the sum of the counts by kind.
    pub fn failure_count(&self) -> u64 {
        match &self.failures {
            Value::Number(n) => n.as_u64().unwrap_or(0),
            Value::Object(kinds) => kinds.values().filter_map(Value::as_u64).sum(),
            _ => 0,
        }
    }

    /// The breaker's state (`closed`, `open`, `half_open`), if reported.
    pub fn breaker_state(&self) -> &str {
        self.breaker
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or("-")
    }
}

/// What went wrong talking to the host; each says what to try next.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(
        "cannot reach the host at {host}: {reason}\nhint: is the host running? start it with `./dev run` (the README's first command), \
         or point --host (or IDEMPO_HOST) at the one you run"
    )]
    Unreachable { host: String, reason: String },
    #[error("{title}: {detail}\nhint: {hint}")]
    Problem {
        status: u16,
        title: String,
        detail: String,
        /// What to try next, for this status in this area of the API.
        hint: &'static str,
    },
    #[error(
        "the host answered {status} with an unexpected body: {body}\nhint: is {host} an idempo host?"
    )]
    Unexpected {
        host: String,
        status: u16,
        body: String,
    },
}

impl AdminError {
    /// The HTTP status the host answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unreachable { .. } => None,
            Self::Problem { status, .. } | Self::Unexpected { status, .. } => Some(*status),
        }
    }
}

/// What to try after an error status, in one area of the API.
pub type Hints = fn(u16) -> &'static str;

/// What to try after an error status of the component routes.
pub fn hint(status: u16) -> &'static str {
    match status {
        400 => "check the name, version and world you gave",
        401 | 403 => {
            "check the operator token: pass --token or set IDEMPO_OPERATOR_TOKEN to the host's operator_token"
        }
        404 => {
            "check the component's name, its version and --game; `idempo-sdk list` shows what the host has"
        }
        409 => {
            "a version, once uploaded, cannot change: bump `version` in the component's Cargo.toml, or check its world"
        }
        413 => {
            "the component is over the host's upload_limit_bytes; build it smaller (opt-level = \"s\", lto)"
        }
        422 => {
            "the component does not match its world: check `world` under [package.metadata.idempo] and what the crate exports"
        }
        500..=599 => "the host failed; its log says why",
        _ => "see the detail above",
    }
}

/// Percent-encodes one path segment (or query value).
pub fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl AdminClient {
    /// A client of the host at `host` (e.g. `http://127.0.0.1:8080`) for
    /// `game`. Plain http only.
    pub fn new(host: &str, token: Option<String>, game: &str) -> anyhow::Result<Self> {
        let host = host.trim_end_matches('/').to_owned();
        if !host.starts_with("http://") {
            anyhow::bail!(
                "--host must be an http:// URL such as {DEFAULT_HOST}, got `{host}` (this CLI speaks plain http only)"
            );
        }
        let http = Client::builder()
            .connect_timeout(Duration::from_secs(CONNECT_TIMEOUT_SECS))
            .timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS))
            .build()?;
        Ok(Self {
            host,
            token: token.filter(|t| !t.is_empty()),
            game: game.to_owned(),
            http,
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn game(&self) -> &str {
        &self.game
    }

    /// `{host}/admin/v1/games/{game}/{path...}`, each part escaped.
    pub fn game_url(&self, path: &[&str]) -> String {
        let mut url = format!("{}/admin/v1/games/{}", self.host, segment(&self.game));
        for part in path {
            url.push('/');
            url.push_str(&segment(part));
        }
        url
    }

    /// `{host}/admin/v1/games/{game}/components[/{rest}]`.
    pub fn components_url(&self, rest: &[&str]) -> String {
        let mut path = vec!["components"];
        path.extend_from_slice(rest);
        self.game_url(&path)
    }

    /// The HTTP client, to build a request for [`AdminClient::send_with`].
    pub fn http(&self) -> &Client {
        &self.http
    }

    fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, AdminError> {
        self.send_with(request, hint)
    }

    /// Sends `request` with the operator token and reads the JSON answer;
    /// a problem is explained with `hints`.
    pub fn send_with<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        hints: Hints,
    ) -> Result<T, AdminError> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().map_err(|e| AdminError::Unreachable {
            host: self.host.clone(),
            reason: root_cause(&e),
        })?;
        self.read(response, hints)
    }

    fn read<T: DeserializeOwned>(&self, response: Response, hints: Hints) -> Result<T, AdminError> {
        let status = response.status().as_u16();
        let body = response.text().map_err(|e| AdminError::Unreachable {
            host: self.host.clone(),
            reason: root_cause(&e),
        })?;
        let unexpected = || AdminError::Unexpected {
            host: self.host.clone(),
            status,
            body: body.chars().take(500).collect(),
        };
        if (200..300).contains(&status) {
            return serde_json::from_str(&body).map_err(|_| unexpected());
        }
        #[derive(Deserialize)]
        struct Problem {
            title: String,
            #[serde(default)]
            detail: String,
        }
        match serde_json::from_str::<Problem>(&body) {
            Ok(p) => Err(AdminError::Problem {
                status,
                title: p.title,
                detail: p.detail,
                hint: hints(status),
            }),
            Err(_) => Err(unexpected()),
        }
    }

    /// Uploads a component version (validated and compiled by the host).
    pub fn upload(
        &self,
        name: &str,
        version: &Version,
        world: World,
        wasm: Vec<u8>,
    ) -> Result<Uploaded, AdminError> {
        let url = self.components_url(&[world.as_str(), name, "versions", &version.to_string()]);
        self.send(
            self.http
                .put(url)
                .header(CONTENT_TYPE, "application/wasm")
                .body(wasm),
        )
    }

    /// Makes `version` the active version of `world`'s component `name`.
    pub fn activate(
        &self,
        world: World,
        name: &str,
        version: &Version,
    ) -> Result<Activation, AdminError> {
        let url = self.components_url(&[world.as_str(), name, "activate"]);
        self.send(
            self.http
                .post(url)
                .json(&json!({ "version": version.to_string() })),
        )
    }

    /// Goes back to the version of `name` active before the current one.
    pub fn rollback(&self, world: World, name: &str) -> Result<Activation, AdminError> {
        self.send(
            self.http
                .post(self.components_url(&[world.as_str(), name, "rollback"])),
        )
    }

    /// Every component of the game.
    pub fn list(&self) -> Result<Vec<ComponentSummary>, AdminError> {
        self.send(self.http.get(self.components_url(&[])))
    }
}

/// The root cause of a transport error (`Connection refused (os error
/// 111)`): reqwest's own message says only "error sending request".
fn root_cause(error: &dyn std::error::Error) -> String {
    let mut root = error;
    while let Some(cause) = root.source() {
        root = cause;
    }
    root.to_string()
}

/// `list`'s table.
pub fn render_list(game: &str, components: &[ComponentSummary]) -> String {
    if components.is_empty() {
        return format!("game {game} has no components; publish one with `idempo-sdk publish`");
    }
    let mut out = String::new();
    for c in components {
        let active = c
            .active
            .as_ref()
            .map_or_else(|| "none".to_owned(), Version::to_string);
        out.push_str(&format!("{} ({}), active {active}\n", c.name, c.world));
        for v in &c.versions {
            let mark = if c.active.as_ref() == Some(&v.version) {
                '*'
            } else {
                ' '
            };
            let hash: String = v.hash.chars().take(12).collect();
            out.push_str(&format!(
                "  {mark} {:<12} {hash:<12}  calls {:<8} failures {:<6} fuel {:<12} breaker {}\n",
                v.version.to_string(),
                v.calls,
                v.failure_count(),
                v.fuel_used,
                v.breaker_state()
            ));
        }
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> AdminClient {
        AdminClient::new("http://127.0.0.1:8080/", Some("t".into()), "default").unwrap()
    }

    #[test]
    fn urls_follow_the_admin_api_and_escape_odd_names() {
        let c = client();
        assert_eq!(
            c.components_url(&["combat", "classic", "versions", "1.1.0"]),
            "http://127.0.0.1:8080/admin/v1/games/default/components/combat/classic/versions/1.1.0"
        );
        assert_eq!(
            c.components_url(&[]),
            "http://127.0.0.1:8080/admin/v1/games/default/components"
        );
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn https_is_refused_with_the_reason() {
        let e = AdminClient::new("https://example.org", None, "default")
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain http only"), "{e}");
    }

    #[test]
    fn a_401_prints_title_detail_and_says_to_check_the_token() {
        let e = AdminError::Problem {
            status: 401,
            title: "Unauthorized".into(),
            detail: "send the operator token as `Authorization: Bearer <token>`".into(),
            hint: hint(401),
        };
        let text = e.to_string();
        assert!(
            text.starts_with("Unauthorized: send the operator token"),
            "{text}"
        );
        assert!(text.contains("hint: check the operator token"), "{text}");
    }

    #[test]
    fn a_422_says_the_component_does_not_match_its_world() {
        assert!(hint(422).contains("does not match its world"));
    }

    #[test]
    fn a_host_that_is_not_running_is_reported_with_how_to_start_it() {
        // Port 9 (discard) on localhost: nothing listens there in a sandbox.
        let c = AdminClient::new("http://127.0.0.1:9", None, "default").unwrap();
        let e = c.list().unwrap_err();
        assert_eq!(e.status(), None);
        let text = e.to_string();
        assert!(
            text.contains("cannot reach the host at http://127.0.0.1:9"),
            "{text}"
        );
        assert!(text.contains("is the host running?"), "{text}");
    }

    #[test]
    fn the_list_marks_the_active_version_and_sums_failures_by_kind() {
        let json = r#"[{"game":"default","name":"classic","world":"combat","active":"1.1.0","versions":[
            {"version":"1.0.0","hash":"aaaaaaaaaaaaaaaaaaaa","origin":"compiled","calls":10,"failures":{},"fuel_used":500,"breaker":{"state":"closed"}},
            {"version":"1.1.0","hash":"bbbbbbbbbbbbbbbbbbbb","origin":"cached","calls":4,"failures":{"trap":2,"fuel":1},"fuel_used":90,"breaker":{"state":"open"}}]}]"#;
        let list: Vec<ComponentSummary> = serde_json::from_str(json).unwrap();
        let table = render_list("default", &list);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "classic (combat), active 1.1.0");
        assert!(lines[1].starts_with("    1.0.0"), "{table}");
        assert!(lines[2].starts_with("  * 1.1.0"), "{table}");
        assert!(lines[2].contains("failures 3"), "{table}");
        assert!(lines[2].ends_with("breaker open"), "{table}");
    }

    #[test]
    fn an_empty_game_says_how_to_publish() {
        assert!(render_list("default", &[]).contains("idempo-sdk publish"));
    }

    #[test]
    fn an_activation_reads_as_from_and_to() {
        let a: Activation = serde_json::from_str(
            r#"{"component":"classic","kind":"rollback","from":"1.1.0","to":"1.0.0","by":"operator","at_unix_ms":1}"#,
        )
        .unwrap();
        assert_eq!(
            a.to_string(),
            "classic: 1.1.0 -> 1.0.0 (rolled back by operator)"
        );
    }
}
