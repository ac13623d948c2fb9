//! A hostile combat component: each `resolve` misbehaves as its action id
//! says. The host's tests use it to prove the sandbox holds.
//!
//! | action id | what it does |
//! |---|---|
//! | `loop` | spins forever |
//! | `grow` | allocates memory without bound |
//! | `recurse` | recurses without bound |
//! | `trap` | panics (a trap) |
//! | `fs` | tries to list `/` and open `/etc/passwd` |
//! | `env` | reads the environment and arguments |
//! | `socket` | tries to open a TCP connection |
//! | `clock` | reports what the system clock reads |
//! | `print` | writes to stdout and stderr |
//!
//! The probes (`fs`, `env`, `socket`, `clock`) report what they saw as the
//! rejection reason, so a test can read it.

wit_bindgen::generate!({
    world: "combat-world",
    path: "../../wit",
    generate_all,
});

use exports::idempo::game::combat::Guest;
use idempo::game::types::{
    Action, MatchConfig, MatchResult, MatchState, Pos, Resolution, TickOutcome, Verdict, Zone,
};

struct Hostile;

fn reject(state: MatchState, why: String) -> Resolution {
    Resolution {
        verdict: Verdict::Rejected(why),
        effects: Vec::new(),
        state,
    }
}

#[inline(never)]
fn recurse(depth: u64) -> u64 {
    // Nothing here takes an address (no `black_box`, which spills to the
    // shadow stack in linear memory), so every frame lives on the wasm
    // stack; the rotate keeps the recursion from being turned into a loop.
    if depth == u64::MAX {
        return 0;
    }
    recurse(depth + 1).rotate_left(1) ^ depth
}

impl Guest for Hostile {
    fn setup(
        _match_id: String,
        config: MatchConfig,
        _players: Vec<String>,
        _seed: u64,
    ) -> Result<MatchState, String> {
        Ok(MatchState {
            config,
            now_ms: 0,
            ticks: 0,
            fighters: Vec::new(),
            resources: Vec::new(),
            zone: Zone {
                center: Pos { x: 0, y: 0 },
                radius: 1,
            },
            next_resource_id: 0,
            rules_data: Vec::new(),
        })
    }

    fn resolve(state: MatchState, action: Action) -> Resolution {
        match action.id.as_str() {
            "loop" => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "grow" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "recurse" => {
                let n = recurse(std::hint::black_box(0));
                reject(state, format!("recursed {n}"))
            }
            "trap" => panic!("hostile component traps on purpose"),
            "fs" => {
                let listing = std::fs::read_dir("/").map(|d| d.count());
                let file = std::fs::read_to_string("/etc/passwd").map(|s| s.len());
                reject(state, format!("fs: read_dir={listing:?} open={file:?}"))
            }
            "env" => {
                let vars = std::env::vars().count();
                let args = std::env::args().count();
                reject(
                    state,
                    format!(
                        "env: vars={vars} args={args} home={:?}",
                        std::env::var("HOME").ok()
                    ),
                )
            }
            "socket" => {
                let tcp = std::net::TcpStream::connect("127.0.0.1:5432").map(|_| "connected");
                reject(state, format!("socket: {tcp:?}"))
            }
            "clock" => {
                let since_epoch = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                reject(state, format!("clock: {since_epoch}"))
            }
            "print" => {
                println!("hello from stdout");
                eprintln!("hello from stderr");
                reject(state, "printed".into())
            }
            _ => Resolution {
                verdict: Verdict::Accepted,
                effects: Vec::new(),
                state,
            },
        }
    }

    fn tick(state: MatchState, _now_ms: u64) -> TickOutcome {
        TickOutcome {
            effects: Vec::new(),
            state,
        }
    }

    fn finished(match_id: String, _state: MatchState) -> Option<MatchResult> {
        Some(MatchResult {
            match_id,
            placings: Vec::new(),
            duration_ms: 0,
        })
    }
}

export!(Hostile);
