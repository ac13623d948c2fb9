//! The command line: arguments (clap) and what each command does.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use idempo_host::runtime::World;
use semver::Version;

use crate::admin::{AdminClient, DEFAULT_HOST, render_list};
use crate::events::EventsCommand;
use crate::{build, events, publish, scaffold, testing};

/// idempo's SDK: write, test and publish game rules as WebAssembly
/// components.
#[derive(Debug, Parser)]
#[command(name = "idempo-sdk", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates a component crate from a template.
    New {
        /// The world it implements: combat, rewards, market or tournament.
        #[arg(value_parser = parse_world)]
        world: World,
        /// The folder to create (must not exist or be empty).
        path: PathBuf,
        /// The component's name (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Builds the components of a crate or workspace to wasm32-wasip2 and
    /// lays them out as the host loads them.
    Build {
        /// A component crate or a workspace of them.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output folder (default: <PATH>/target/idempo).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Builds, then runs every scenarios/*.json of each component.
    Test {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output folder of the build (default: <PATH>/target/idempo).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Builds, then uploads each component to a host.
    Publish {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output folder of the build (default: <PATH>/target/idempo).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Then make the highest published version of each component active.
        #[arg(long)]
        activate: bool,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Lists a game's components, their versions and the active one.
    List {
        #[command(flatten)]
        host: HostArgs,
    },
    /// Makes a loaded version of a component active.
    Activate {
        #[arg(value_parser = parse_world)]
        world: World,
        name: String,
        version: Version,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Goes back to the version active before the current one.
    Rollback {
        #[arg(value_parser = parse_world)]
        world: World,
        name: String,
        #[command(flatten)]
        host: HostArgs,
    },
    /// The host's event bus: dead letters (list, show, replay) and
    /// consumer groups (offsets, lag, reset).
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
}

/// Which host, as whom, for which game.
#[derive(Debug, Clone, Args)]
pub struct HostArgs {
    /// The host's base URL.
    #[arg(long, env = "IDEMPO_HOST", default_value = DEFAULT_HOST)]
    pub host: String,
    /// The operator token of the admin API.
    #[arg(long, env = "IDEMPO_OPERATOR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The game (tenant) to act on.
    #[arg(long, default_value = idempo_host::DEFAULT_GAME)]
    pub game: String,
}

impl HostArgs {
    pub fn client(&self) -> anyhow::Result<AdminClient> {
        AdminClient::new(&self.host, self.token.clone(), &self.game)
    }
}

fn parse_world(text: &str) -> Result<World, String> {
    text.parse()
}

/// Runs one command. Failed scenarios are a failure exit code, not an
/// error; an error says what to do next.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::New { world, path, name } => {
            let created = scaffold::new_component(world, &path, name.as_deref())?;
            println!(
                "created {} ({world}); next: cd {} && idempo-sdk test",
                created.name,
                created.dir.display()
            );
        }
        Command::Build { path, out } => {
            let (_, artifacts) = build::build(&path, out.as_deref())?;
            println!("built {} component(s)", artifacts.len());
        }
        Command::Test { path, out } => {
            let run = testing::test(&path, out.as_deref())?;
            if !run.passed() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Publish {
            path,
            out,
            activate,
            host,
        } => {
            let client = host.client()?;
            let published = publish::publish(&path, out.as_deref(), &client, activate)?;
            println!(
                "published {} component(s) to {}",
                published.uploads.len(),
                client.host()
            );
        }
        Command::List { host } => {
            let client = host.client()?;
            let list = client.list()?;
            println!("{}", render_list(client.game(), &list));
        }
        Command::Activate {
            world,
            name,
            version,
            host,
        } => {
            let activation = host
                .client()?
                .activate(world, &name, &version)
                .with_context(|| format!("activating {name}@{version} failed"))?;
            println!("{activation}");
        }
        Command::Rollback { world, name, host } => {
            let activation = host
                .client()?
                .rollback(world, &name)
                .with_context(|| format!("rolling back {name} failed"))?;
            println!("{activation}");
        }
        Command::Events { command } => events::run(command)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use std::path::Path;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn new_takes_a_world_a_path_and_an_optional_name() {
        let cli = Cli::try_parse_from([
            "idempo-sdk",
            "new",
            "rewards",
            "my-rewards",
            "--name",
            "gold",
        ])
        .unwrap();
        match cli.command {
            Command::New { world, path, name } => {
                assert_eq!(world, World::Rewards);
                assert_eq!(path, PathBuf::from("my-rewards"));
                assert_eq!(name.as_deref(), Some("gold"));
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn an_unknown_world_is_refused_with_the_list_of_worlds() {
        let e = Cli::try_parse_from(["idempo-sdk", "new", "chess", "x"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("worlds are combat, rewards, market, tournament"),
            "{e}"
        );
    }

    #[test]
    fn build_defaults_to_the_current_folder() {
        let cli = Cli::try_parse_from(["idempo-sdk", "build"]).unwrap();
        assert!(
            matches!(cli.command, Command::Build { path, out: None } if path == Path::new("."))
        );
    }

    #[test]
    fn activate_takes_a_semantic_version() {
        let cli = Cli::try_parse_from([
            "idempo-sdk",
            "activate",
            "combat",
            "classic",
            "1.1.0",
            "--game",
            "arena",
        ])
        .unwrap();
        match cli.command {
            Command::Activate {
                world,
                name,
                version,
                host,
            } => {
                assert_eq!(world, World::Combat);
                assert_eq!(
                    (name.as_str(), version.to_string()),
                    ("classic", "1.1.0".to_owned())
                );
                assert_eq!(host.game, "arena");
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(
            Cli::try_parse_from(["idempo-sdk", "activate", "combat", "classic", "latest"]).is_err()
        );
    }
}
