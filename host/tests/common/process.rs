//! The real `idempo` binary as a child process, for stories that kill it:
//! started on a data directory with a TOML configuration, on a free port,
//! with the components the test command stages (`target/components`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;

/// The components `./dev test` stages.
pub fn components_dir() -> PathBuf {
    super::target_dir().join("components")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A host process, killed when dropped (a failing story leaves none).
pub struct HostProcess(Child);

impl HostProcess {
    /// SIGKILL, and wait for it.
    pub fn kill(&mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reaped");
    }

    /// SIGTERM (what Kubernetes sends), and how the process exited, or
    /// `None` if it was still running after `patience`.
    pub fn terminate(&mut self, patience: Duration) -> Option<std::process::ExitStatus> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent");
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().expect("waits") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl From<Child> for HostProcess {
    fn from(child: Child) -> Self {
        Self(child)
    }
}

/// The command that starts the host with `config` (TOML, written to
/// `<dir>/host.toml`), its data under `<dir>/data`, listening on `port`;
/// the caller adds its own arguments, environment and streams.
pub fn host_command(dir: &Path, port: u16, config: &str) -> Command {
    assert!(
        components_dir().join("combat").is_dir(),
        "the components are staged by the README's test command"
    );
    let path = dir.join("host.toml");
    std::fs::write(&path, config).expect("config written");
    let mut command = Command::new(env!("CARGO_BIN_EXE_idempo"));
    command
        .arg("--config")
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--components-dir")
        .arg(components_dir())
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"));
    command
}

/// Starts the host of [`host_command`], logging warnings to the test's
/// stderr.
pub fn start_host(dir: &Path, port: u16, config: &str) -> HostProcess {
    let child = host_command(dir, port, config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the host starts");
    HostProcess(child)
}

/// Waits until `base` answers `/healthz`, at most `patience`.
pub async fn wait_healthy(client: &Client, base: &str, patience: Duration) {
    let deadline = Instant::now() + patience;
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "the host did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
