//! WASI for components, virtualized so that a call is a pure function of
//! its input.
//!
//! - clocks read the call's logical time, never the machine's;
//! - randomness (secure and insecure) is the call's seeded stream;
//! - no files, no environment, no arguments, no sockets, no name lookups;
//! - stdout and stderr are captured (bounded) and go to the component's log.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

use super::rng::DetRng;

/// Builds the WASI context of one call.
pub fn sandbox(now_ms: u64, seed: u64, stdout: &Capture, stderr: &Capture) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .wall_clock(LogicalClock { now_ms })
        .monotonic_clock(LogicalClock { now_ms })
        .secure_random(DetRng::derive(seed, 0x5EC))
        .insecure_random(DetRng::derive(seed, 0x1A5))
        .insecure_random_seed(u128::from(seed))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }));
    builder.build()
}

/// Time frozen at the call's logical instant.
struct LogicalClock {
    now_ms: u64,
}

impl HostWallClock for LogicalClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }

    fn now(&self) -> Duration {
        Duration::from_millis(self.now_ms)
    }
}

impl HostMonotonicClock for LogicalClock {
    fn resolution(&self) -> u64 {
        1_000_000
    }

    fn now(&self) -> u64 {
        self.now_ms.saturating_mul(1_000_000)
    }
}

/// A bounded capture of a guest's stdout or stderr. Bytes past the bound are
/// counted and dropped; writing never fails, so chatty output cannot trap.
#[derive(Clone)]
pub struct Capture {
    inner: Arc<Mutex<CaptureBuf>>,
}

struct CaptureBuf {
    bytes: Vec<u8>,
    limit: usize,
    dropped: usize,
}

impl Capture {
    pub fn new(limit_bytes: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(CaptureBuf {
                bytes: Vec::new(),
                limit: limit_bytes,
                dropped: 0,
            })),
        }
    }

    /// The captured text, one entry per line, and the number of bytes dropped.
    pub fn lines(&self) -> (Vec<String>, usize) {
        let buf = self.inner.lock();
        let text = String::from_utf8_lossy(&buf.bytes);
        let lines = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        (lines, buf.dropped)
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = self.inner.lock();
        let room = buf.limit.saturating_sub(buf.bytes.len());
        let kept = room.min(data.len());
        buf.bytes.extend_from_slice(&data[..kept]);
        buf.dropped += data.len() - kept;
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn a_capture_keeps_what_fits_and_counts_the_rest() {
        let capture = Capture::new(8);
        let mut writer = capture.clone();
        writer.write_all(b"hello\nworld\n").await.unwrap();
        let (lines, dropped) = capture.lines();
        assert_eq!(lines, vec!["hello", "wo"]);
        assert_eq!(dropped, 4);
    }
}
