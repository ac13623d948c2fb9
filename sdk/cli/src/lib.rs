//! idempo's SDK command line, `idempo-sdk`, as a library so tests can drive
//! it: scaffold a component, build it, test it against scenarios, publish
//! it to a host and manage its versions there, and look after the host's
//! event bus (dead letters, consumer groups).
//!
//! Map:
//! - [`cli`]: the commands and their arguments (clap), and [`cli::run`];
//! - [`scaffold`]: `new`, from the templates embedded at build time;
//! - [`manifest`]: which crates are components, from `cargo metadata`;
//! - [`build`]: `build`, compiling to wasm32-wasip2 and laying out
//!   `<out>/<world>/<name>@<version>.wasm`;
//! - [`testing`]: `test`, running `scenarios/*.json` through the harness;
//! - [`admin`]: the host's admin API client; [`publish`]: `publish`;
//! - [`events`]: `events`, the host's dead letters and consumer groups;
//!   [`timestamp`]: the times it reads and prints.

pub mod admin;
pub mod build;
pub mod cli;
pub mod events;
pub mod manifest;
pub mod publish;
pub mod scaffold;
pub mod testing;
pub mod timestamp;

pub use cli::{Cli, Command, run};
